// A run pushed to hand over while something holds its drain up: calls logged in batches until its history passes
// the hand-over threshold, then a lead whose first step falls due while it drains. The hand-over-wait test and
// its recorded history (test/recordHistories.ts) share it.
import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { campaignSla } from '../../workflows/campaignSla';
import { admitLeadsUpdate, recordLeadEventsUpdate } from '../../workflows/messages';

const HOUR = 3_600_000;
/** Past the 2,000 events at which a run hands over (workflows/campaignSla/continueAsNew.ts). */
const PAST_HAND_OVER_EVENTS = 2_100;

/**
 * Logs calls to `leadIds` (4 per Update, 8 Updates at a time) until the run's history passes the threshold, or the
 * run has handed over already. Returns how many calls were logged.
 */
export async function callsUntilHandOverIsDue(
  wf: WorkflowHandle<typeof campaignSla>,
  leadIds: readonly string[],
  at: string,
): Promise<number> {
  const { runId } = await wf.describe();
  let call = 0;
  const calls = () =>
    Array.from({ length: 4 }, () => {
      const leadId = leadIds[call % leadIds.length];
      return { type: 'contact' as const, leadId, eventId: `call-${call++}`, channel: 'call' as const, at };
    });
  for (;;) {
    const run = await wf.describe();
    if (run.runId !== runId || Number(run.historyLength) > PAST_HAND_OVER_EVENTS) return call;
    await Promise.all(
      Array.from({ length: 8 }, () => wf.executeUpdate(recordLeadEventsUpdate, { args: [{ events: calls() }] })),
    );
  }
}

/** Admits 30 standard leads, `${prefix}-0` to `${prefix}-29`, created `at`; returns their IDs. */
export async function admitStandardLeads(
  wf: WorkflowHandle<typeof campaignSla>,
  prefix: string,
  at: string,
): Promise<string[]> {
  const leadIds = Array.from({ length: 30 }, (_, i) => `${prefix}-${i}`);
  await wf.executeUpdate(admitLeadsUpdate, {
    args: [{ leads: leadIds.map((leadId) => ({ leadId, tier: 'standard', ownerId: 'rep-a', createdAt: at })) }],
  });
  return leadIds;
}

/** Admits a high-intent lead whose hour runs out `inMs` from now; returns that deadline (its first step's due time). */
export async function admitLeadDueIn(
  wf: WorkflowHandle<typeof campaignSla>,
  leadId: string,
  inMs: number,
): Promise<number> {
  const deadline = Date.now() + inMs;
  const createdAt = new Date(deadline - HOUR).toISOString();
  await wf.executeUpdate(admitLeadsUpdate, {
    args: [{ leads: [{ leadId, tier: 'high-intent', ownerId: 'rep-b', createdAt }] }],
  });
  return deadline;
}

/** Waits until the workflow runs a run other than `runId`, at most `withinMs`. */
export async function handedOver(
  wf: WorkflowHandle<typeof campaignSla>,
  runId: string,
  withinMs: number,
): Promise<void> {
  const by = Date.now() + withinMs;
  while ((await wf.describe()).runId === runId) {
    if (Date.now() > by) throw new Error(`run ${runId} did not hand over within ${withinMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** The types of the activities whose cancellation a run's history records (the server's ActivityTaskCanceled). */
export function cancelledActivityTypes(events: readonly temporal.api.history.v1.IHistoryEvent[]): Set<string> {
  const scheduled = new Map<number, string>();
  const cancelled = new Set<string>();
  for (const e of events) {
    const type = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (type) scheduled.set(Number(e.eventId), type);
    const of = e.activityTaskCanceledEventAttributes?.scheduledEventId;
    if (of != null) cancelled.add(scheduled.get(Number(of)) ?? 'unknown');
  }
  return cancelled;
}

/** Whether a history event schedules the alert delivery carrying the alert `dedupeKey` names (its input's JSON). */
export const sendsAlert =
  (dedupeKey: string) =>
  (e: temporal.api.history.v1.IHistoryEvent): boolean =>
    e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendAlerts' &&
    Buffer.from(e.activityTaskScheduledEventAttributes.input?.payloads?.[0]?.data ?? [])
      .toString()
      .includes(dedupeKey);

/** The index of the event that starts a run's first drain (its hand-over wait timer), or -1. */
export const drainBegan = (events: readonly temporal.api.history.v1.IHistoryEvent[]): number =>
  events.findIndex((e) =>
    Buffer.from(e.userMetadata?.summary?.data ?? [])
      .toString()
      .includes('hand-over wait'),
  );

/** The summaries of the timers a run started, as recorded (JSON strings). */
export const timerSummaries = (events: readonly temporal.api.history.v1.IHistoryEvent[]): string[] =>
  events.flatMap((e) =>
    e.timerStartedEventAttributes ? [Buffer.from(e.userMetadata?.summary?.data ?? []).toString()] : [],
  );
