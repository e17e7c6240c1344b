// Histories reshaped so that a replay merges workflow tasks that made no command into the task after them, or runs
// them later than the recorded run did.
// sdk-core treats a completed workflow task with no command that the server's next workflow task follows at once
// as a heartbeat, and replays both as one activation at the later task's time (history_update.rs
// find_end_index_of_next_wft_seq; temporalio/sdk-rust issues 1146 and 1606). Live, the two ran apart. Moving the
// events that arrived between them (a timer fired, an activity completed) to just after the next task was scheduled
// gives a history the server could have written (events that arrive while a task waits join it) and that a replay
// merges: its commands must still match, whatever the workflow read from the first task's time.
import { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const { EventType } = temporal.api.enums.v1;
const { History, HistoryEvent: HistoryEventMessage } = temporal.api.history.v1;

/** Events a workflow task's commands record (the replay matches each against a command). */
const COMMAND_EVENTS = new Set<temporal.api.enums.v1.EventType>([
  EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
  EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED,
  EventType.EVENT_TYPE_TIMER_STARTED,
  EventType.EVENT_TYPE_TIMER_CANCELED,
  EventType.EVENT_TYPE_MARKER_RECORDED,
  EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
  EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED,
  EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
  EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
  EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
]);
/** Messages the task answered with; core does not count them as commands when it merges (sdk-rust issue 1146). */
const UPDATE_EVENTS = new Set<temporal.api.enums.v1.EventType>([
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
]);

export interface MergedHistory {
  history: temporal.api.history.v1.IHistory;
  /** Workflow tasks that made no command and now meet their next task at once. */
  merged: number;
}

/**
 * Moves, after every no-command workflow task that `select` picks (by its position among them), the events that
 * came before the next task's WorkflowTaskScheduled to just after it, and numbers the events again.
 */
export function mergeNoCommandTasks(
  source: temporal.api.history.v1.IHistory,
  select: (noCommandTask: number) => boolean = () => true,
): MergedHistory {
  const events = History.decode(History.encode(source).finish()).events;
  let noCommandTasks = 0;
  let merged = 0;
  for (let i = 0; i < events.length; i++) {
    if (events[i].eventType !== EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) continue;
    const { next, madeCommand } = taskOutput(events, i);
    if (madeCommand) continue;
    const scheduled = events.findIndex(
      (e, at) => at >= next && e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    );
    if (scheduled <= next || !select(noCommandTasks++)) continue;
    // The arrivals must not include what a task can only follow (its own start), nor the run's end.
    const arrivals = events.slice(next, scheduled);
    if (arrivals.some((e) => !movable(e))) continue;
    events.splice(next, arrivals.length + 1, events[scheduled], ...arrivals);
    merged++;
  }
  return { history: { events: renumbered(events) }, merged };
}

export interface RetimedHistory {
  history: temporal.api.history.v1.IHistory;
  /** Workflow tasks that made no command and now start when the arrival after them came in. */
  retimed: number;
}

/**
 * Starts every no-command workflow task that an arrival follows (a timer fired, an activity completed) as late as
 * that arrival allows: when it came in. Live, a worker can pick a task up late while the server fires a timer late,
 * on its timer queue's beat: the task then reads a time past a deadline whose timer it has not heard yet, and a
 * replay that merges it into a later task (above) reads later still. The recorded runs of the time-skipping server
 * never start a task late. Whatever the workflow reads from such a task's time must not make a command there.
 */
export function retimeNoCommandTasks(source: temporal.api.history.v1.IHistory): RetimedHistory {
  const events = History.decode(History.encode(source).finish()).events;
  let retimed = 0;
  for (let i = 1; i < events.length; i++) {
    if (events[i].eventType !== EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) continue;
    const { next, madeCommand } = taskOutput(events, i);
    const started = events[i - 1];
    if (madeCommand || started.eventType !== EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) continue;
    // An activity's started event is written when the attempt ends, with the time the attempt began.
    const arrival = events
      .slice(next)
      .find((e) => !movable(e) || e.eventType !== EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED);
    if (!arrival || !movable(arrival) || nanos(arrival.eventTime) <= nanos(started.eventTime)) continue;
    for (let at = i - 1; at < next; at++) {
      if (nanos(events[at].eventTime) < nanos(arrival.eventTime)) events[at].eventTime = arrival.eventTime;
    }
    retimed++;
  }
  return { history: { events }, retimed };
}

function nanos(time: HistoryEvent['eventTime']): bigint {
  return BigInt(String(time?.seconds ?? 0)) * 1_000_000_000n + BigInt(time?.nanos ?? 0);
}

/** Where the output of the task completed at `completed` ends, and whether it held a command. */
function taskOutput(events: HistoryEvent[], completed: number): { next: number; madeCommand: boolean } {
  let next = completed + 1;
  let madeCommand = false;
  for (; next < events.length && isTaskOutput(events[next]); next++)
    madeCommand ||= COMMAND_EVENTS.has(events[next].eventType!);
  return { next, madeCommand };
}

function isTaskOutput(event: HistoryEvent): boolean {
  return COMMAND_EVENTS.has(event.eventType!) || UPDATE_EVENTS.has(event.eventType!);
}

/** Events that arrive from outside the task: results, timers, signals, Update requests. */
function movable(event: HistoryEvent): boolean {
  return !isTaskOutput(event) && !String(EventType[event.eventType!]).startsWith('EVENT_TYPE_WORKFLOW_TASK_');
}

/** Event IDs in order again, and every `...EventId` reference following its event (the events are copies). */
function renumbered(events: HistoryEvent[]): HistoryEvent[] {
  const ids = new Map(events.map((e, at) => [Number(e.eventId), at + 1]));
  events.forEach((event, at) => {
    // int64 fields hold a Long; fromObject converts the number as the decoder would have.
    event.eventId = HistoryEventMessage.fromObject({ eventId: at + 1 }).eventId;
    remapReferences(event, ids);
  });
  return events;
}

function remapReferences(value: unknown, ids: ReadonlyMap<number, number>): void {
  if (!value || typeof value !== 'object' || ArrayBuffer.isView(value)) return;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const field = record[key];
    if (key.endsWith('EventId') && key !== 'eventId' && field !== null && field !== undefined) {
      const mapped = ids.get(Number(field));
      if (mapped !== undefined) record[key] = mapped;
    } else remapReferences(field, ids);
  }
}
