// runtime/mergedTasks.ts retimeNoCommandTasks: a workflow task that made no command starts when the arrival after it
// came in; tasks with a command, tasks the next task follows at once, and the events' order and IDs stay as they were.
import { describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { retimeNoCommandTasks } from '../runtime/mergedTasks';
import { eventTimeMs } from '../runtime/historyEvents';

const { EventType } = temporal.api.enums.v1;
const { HistoryEvent } = temporal.api.history.v1;
type Event = temporal.api.history.v1.IHistoryEvent;

// fromObject turns the numbers into the Longs a decoded history holds.
const event = (eventType: temporal.api.enums.v1.EventType, ms: number): Event =>
  HistoryEvent.fromObject({ eventType, eventTime: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 } });
const task = (ms: number, done: number): Event[] => [
  event(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, ms),
  event(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, ms),
  event(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, done),
];
const numbered = (events: Event[]) => ({
  events: events.map((e, i) => HistoryEvent.fromObject({ ...HistoryEvent.toObject(e as never), eventId: i + 1 })),
});
const times = (history: temporal.api.history.v1.IHistory) => (history.events ?? []).map((e) => eventTimeMs(e));

describe('retimeNoCommandTasks', () => {
  it('starts a no-command task at the next arrival, skipping an activity attempt written with its start time', () => {
    const source = numbered([
      event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, 0),
      ...task(0, 10),
      event(EventType.EVENT_TYPE_TIMER_STARTED, 10),
      ...task(100, 110),
      event(EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED, 20),
      event(EventType.EVENT_TYPE_TIMER_FIRED, 900),
      ...task(900, 910),
    ]);
    const { history, retimed } = retimeNoCommandTasks(source);
    expect(retimed).toBe(1);
    // The first task made a command (its timer) and keeps its times; the second starts and completes at 900.
    expect(times(history)).toEqual([0, 0, 0, 10, 10, 100, 900, 900, 20, 900, 900, 900, 910]);
    expect(history.events?.map((e) => [Number(e.eventId), e.eventType])).toEqual(
      source.events.map((e) => [Number(e.eventId), e.eventType]),
    );
    // The source is left as it was.
    expect(times(source)).toEqual([0, 0, 0, 10, 10, 100, 100, 110, 20, 900, 900, 900, 910]);
  });

  it('leaves a task that made a command, one the next task follows at once, and the last task', () => {
    const source = numbered([
      event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, 0),
      ...task(0, 10),
      event(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, 10),
      event(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, 50),
      ...task(50, 60),
      ...task(70, 80),
      event(EventType.EVENT_TYPE_TIMER_FIRED, 500),
      ...task(500, 510),
    ]);
    const { history, retimed } = retimeNoCommandTasks(source);
    // The task at 50 is followed at once by the next task's schedule: that is the merge's shape, not this one's.
    // The task at 70 is followed by the timer: it starts at 500. The last task has nothing after it.
    expect(retimed).toBe(1);
    expect(times(history)).toEqual([0, 0, 0, 10, 10, 50, 50, 50, 60, 70, 500, 500, 500, 500, 500, 510]);
  });
});
