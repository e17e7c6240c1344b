// A steady stream of Updates into one campaign, as a busy CRM integration sends them: calls logged, 20 per
// Update and 8 Updates in flight, until the workflow runs a new run. The bench forces hand-overs with it; a
// test holds the hand-over to it.
import type { WorkflowHandle } from '@temporalio/client';
import type { LeadEvent } from '../../sla/leadEvents';
import type { campaignSla } from '../../workflows/campaignSla';
import { recordLeadEventsUpdate } from '../../workflows/messages';

export const EVENTS_PER_UPDATE = 20;
const IN_FLIGHT = 8;
/** The server refuses a run's 2,001st Update: a run that has not handed over by then never will. */
const MAX_UPDATES = 2_000;
/** The time-skipping server leaves an Update sent while the run closes waiting forever: it is sent again. */
const UPDATE_DEADLINE_MS = 30_000;

/**
 * Sends `event(0)`, `event(1)`, … until the run changes; returns the Updates sent. An Update sent again after its
 * run closed under it repeats its event IDs, which the campaign answers as duplicates.
 */
export async function steadyUpdatesUntilHandOver(
  handle: WorkflowHandle<typeof campaignSla>,
  event: (n: number) => LeadEvent,
  /** The run whose hand-over ends the stream; the current one when not given. */
  runId?: string,
): Promise<number> {
  runId ??= (await handle.describe()).runId;
  let sent = 0;
  const send = async () => {
    const first = sent++ * EVENTS_PER_UPDATE;
    const events = Array.from({ length: EVENTS_PER_UPDATE }, (_, i) => event(first + i));
    for (let attempt = 1; ; attempt++) {
      try {
        await handle.client.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () =>
          handle.executeUpdate(recordLeadEventsUpdate, { args: [{ events }] }),
        );
        return;
      } catch (err) {
        if (attempt === 3) throw err;
      }
    }
  };
  while ((await handle.describe()).runId === runId) {
    if (sent >= MAX_UPDATES) throw new Error(`no hand-over after ${sent} Updates`);
    await Promise.all(Array.from({ length: IN_FLIGHT }, send));
  }
  return sent;
}
