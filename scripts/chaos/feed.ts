// Feeds the planned leads and touches through the admitLeads / recordLeadEvents Updates at their planned
// times, concurrently, so an Update stuck behind a dead worker or a restarting server never delays the
// next. Transport failures are retried with the same Update ID (Temporal dedupes it); a validator
// rejection names the offending items, which are recorded and the rest resent. Everything fed is kept.
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { AdmitOutcome, EventOutcome } from '../../sla/leadBook';
import { admitLeadsUpdate, recordLeadEventsUpdate } from '../../workflows/messages';
import { newLead, type PlannedLead } from './campaign';

const MAX_BATCH = 500;
const TICK_MS = 200;
/** A batch still failing after this long is given up and reported as lost. */
const GIVE_UP_MS = 10 * 60_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Delivery {
  /** When the driver first sent it (epoch ms). */
  firstSentAt?: number;
  doneAt?: number;
  attempts: number;
  /** admitted | duplicate | applied | rejected: … | gave up: … */
  result?: string;
}

export interface FedLead {
  planned: PlannedLead;
  admit: Delivery;
  touch?: Delivery;
}

export const touchEventId = (leadId: string) => `touch-${leadId}`;

export class Feeder {
  readonly fed = new Map<string, FedLead>();
  transportRetries = 0;
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly handle: WorkflowHandle,
    private readonly plan: PlannedLead[],
  ) {
    for (const planned of plan) {
      this.fed.set(planned.leadId, {
        planned,
        admit: { attempts: 0 },
        touch: planned.touchAt === undefined ? undefined : { attempts: 0 },
      });
    }
  }

  /** Resolves when every lead and touch got a final answer. */
  async run(): Promise<void> {
    const admits = [...this.plan].sort((a, b) => a.createdAt - b.createdAt);
    const touches = this.plan.filter((l) => l.touchAt !== undefined).sort((a, b) => a.touchAt! - b.touchAt!);
    let nextAdmit = 0;
    let waitingTouches = touches;
    while (nextAdmit < admits.length || waitingTouches.length > 0 || this.inflight.size > 0) {
      const now = Date.now();
      const dueLeads: PlannedLead[] = [];
      while (nextAdmit < admits.length && admits[nextAdmit].createdAt <= now && dueLeads.length < MAX_BATCH) {
        dueLeads.push(admits[nextAdmit++]);
      }
      if (dueLeads.length) this.launch(this.send('admit', dueLeads));
      // A touch goes out once its lead's admission is answered (a touch for an unknown lead is rejected).
      const ready = waitingTouches.filter(
        (l) => l.touchAt! <= now && this.fed.get(l.leadId)!.admit.result !== undefined,
      );
      if (ready.length) {
        const admitted = ready.filter((l) => /^(admitted|duplicate)$/.test(this.fed.get(l.leadId)!.admit.result!));
        for (const lead of ready.filter((l) => !admitted.includes(l))) {
          this.fed.get(lead.leadId)!.touch!.result = 'not sent: the lead was never admitted';
        }
        const readyIds = new Set(ready.map((l) => l.leadId));
        waitingTouches = waitingTouches.filter((l) => !readyIds.has(l.leadId));
        for (let i = 0; i < admitted.length; i += MAX_BATCH)
          this.launch(this.send('touch', admitted.slice(i, i + MAX_BATCH)));
      }
      await sleep(TICK_MS);
    }
  }

  private launch(work: Promise<void>): void {
    this.inflight.add(work);
    void work.finally(() => this.inflight.delete(work));
  }

  private delivery(kind: 'admit' | 'touch', leadId: string): Delivery {
    const fed = this.fed.get(leadId)!;
    return kind === 'admit' ? fed.admit : fed.touch!;
  }

  private async send(kind: 'admit' | 'touch', leads: PlannedLead[]): Promise<void> {
    const started = Date.now();
    for (const lead of leads) this.delivery(kind, lead.leadId).firstSentAt = started;
    let batch = leads;
    let round = 0;
    while (batch.length) {
      // Same ID for every transport retry of the same batch: a resend after a lost answer is deduped.
      const updateId = `chaos-${kind}-${batch[0].leadId}-${batch.length}-r${round}`;
      for (const lead of batch) this.delivery(kind, lead.leadId).attempts += 1;
      try {
        const outcomes: (AdmitOutcome | EventOutcome)[] =
          kind === 'admit'
            ? await this.handle.executeUpdate(admitLeadsUpdate, { args: [{ leads: batch.map(newLead) }], updateId })
            : await this.handle.executeUpdate(recordLeadEventsUpdate, {
                args: [
                  {
                    events: batch.map((lead) => ({
                      type: 'contact' as const,
                      leadId: lead.leadId,
                      eventId: touchEventId(lead.leadId),
                      channel: 'call' as const,
                      at: new Date(lead.touchAt!).toISOString(),
                    })),
                  },
                ],
                updateId,
              });
        const doneAt = Date.now();
        for (const outcome of outcomes) {
          const delivery = this.delivery(kind, outcome.leadId);
          delivery.result = outcome.result;
          delivery.doneAt = doneAt;
        }
        return;
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) {
          const message = err.cause?.message ?? err.message;
          const rejected = rejectedIndices(message, kind === 'admit' ? 'leads' : 'events');
          const lines = message.split('\n');
          if (rejected.size === 0) {
            for (const lead of batch) this.delivery(kind, lead.leadId).result = `rejected: ${lines.join(' ')}`;
            return;
          }
          batch.forEach((lead, i) => {
            if (!rejected.has(i)) return;
            const line = lines.find((l) => l.includes(`[${i}]`)) ?? message;
            this.delivery(kind, lead.leadId).result = `rejected: ${line}`;
          });
          batch = batch.filter((_, i) => !rejected.has(i));
          round += 1;
          continue;
        }
        this.transportRetries += 1;
        if (Date.now() - started > GIVE_UP_MS) {
          for (const lead of batch) this.delivery(kind, lead.leadId).result = `gave up: ${(err as Error).message}`;
          return;
        }
        await sleep(1_000);
      }
    }
  }
}

/** Indices the validator named, e.g. "events[3].leadId: …" → 3. */
function rejectedIndices(message: string, field: 'leads' | 'events'): Set<number> {
  return new Set([...message.matchAll(new RegExp(`${field}\\[(\\d+)\\]`, 'g'))].map((m) => Number(m[1])));
}
