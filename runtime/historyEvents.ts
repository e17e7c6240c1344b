// Reading a workflow's history: when the server stamped an event.
import type { temporal } from '@temporalio/proto';

/** An event's time in epoch milliseconds, as the server stamped it. */
export const eventTimeMs = (e: temporal.api.history.v1.IHistoryEvent): number =>
  Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
