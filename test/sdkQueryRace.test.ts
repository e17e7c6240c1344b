// The SDK query race canary's reading of a history (scripts/chaos/sdkQueryRace.ts): a wake-up is stale when the time
// the workflow read (the next timer's summary) comes before the timer that woke it fired.
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { staleWakeUps } from '../scripts/chaos/sdkQueryRace';

const EventType = temporal.api.enums.v1.EventType;
const HistoryEvent = temporal.api.history.v1.HistoryEvent;
const at = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });
let nextId = 1;
const fired = (ms: number) =>
  HistoryEvent.fromObject({
    eventId: nextId++,
    eventType: EventType.EVENT_TYPE_TIMER_FIRED,
    eventTime: at(ms),
  });
const started = (ms: number, readAt: number) =>
  HistoryEvent.fromObject({
    eventId: nextId++,
    eventType: EventType.EVENT_TYPE_TIMER_STARTED,
    eventTime: at(ms),
    userMetadata: { summary: { data: Buffer.from(JSON.stringify(String(readAt))) } },
  });

describe('staleWakeUps', () => {
  it('counts a timer started on a time read before the timer that woke it fired', () => {
    const t = 1_796_561_700_000;
    const result = staleWakeUps({
      events: [
        started(t, t),
        fired(t + 1_147),
        // The workflow read the previous task's time: the timer had not fired yet by it.
        started(t + 1_300, t),
        fired(t + 2_500),
        started(t + 2_510, t + 2_505),
      ],
    });
    expect(result.timers).toBe(3);
    expect(result.staleWakeUps).toHaveLength(1);
    expect(result.staleWakeUps[0]).toContain(`read ${new Date(t).toISOString()}`);
  });

  it('reads a time at the fire or after it as on time, and a timer not woken by a timer as neither', () => {
    const t = 1_796_561_800_000;
    const result = staleWakeUps({
      events: [started(t, t - 5_000), fired(t + 1_000), started(t + 1_010, t + 1_000), started(t + 1_020, t)],
    });
    expect(result).toEqual({ timers: 3, staleWakeUps: [] });
  });
});
