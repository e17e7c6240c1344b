// Temporal Cloud's billable actions, counted from event histories the way "Temporal Cloud Actions"
// (docs.temporal.io/cloud/actions) defines them. Queries, heartbeats and rejected Updates are billed too but leave no
// event, so a count from history is a floor, as the Cloud UI's own estimate is.
import { temporal } from '@temporalio/proto';

const EventType = temporal.api.enums.v1.EventType;

export interface ActionCount {
  /** Client start, continue-as-new or child start: one each. */
  workflowStarts: number;
  /** Every timer, including the ones `condition` with a timeout starts. */
  timers: number;
  /** One per UpsertSearchAttributes command. */
  searchAttributeUpserts: number;
  signals: number;
  /** Accepted Updates (rejected ones are billed as well but leave no event). */
  updates: number;
  /** "Activity started or retried": the attempt number of each activity's last start. */
  activityAttempts: number;
  /** Two per child workflow (start and execution). */
  childWorkflows: number;
  total: number;
}

export function emptyActionCount(): ActionCount {
  return {
    workflowStarts: 0,
    timers: 0,
    searchAttributeUpserts: 0,
    signals: 0,
    updates: 0,
    activityAttempts: 0,
    childWorkflows: 0,
    total: 0,
  };
}

/** Adds the actions of one run's events to `count`. */
export function countActions(events: temporal.api.history.v1.IHistoryEvent[], count: ActionCount): ActionCount {
  for (const e of events) {
    switch (e.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        count.workflowStarts++;
        break;
      case EventType.EVENT_TYPE_TIMER_STARTED:
        count.timers++;
        break;
      case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
        count.searchAttributeUpserts++;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        count.signals++;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        count.updates++;
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        count.activityAttempts += Math.max(1, e.activityTaskStartedEventAttributes?.attempt ?? 1);
        break;
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        count.childWorkflows += 2;
        break;
    }
  }
  count.total =
    count.workflowStarts +
    count.timers +
    count.searchAttributeUpserts +
    count.signals +
    count.updates +
    count.activityAttempts +
    count.childWorkflows;
  return count;
}
