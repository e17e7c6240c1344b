// Wall time at which the worker started the first escalation activity for each breached clock: the
// end point of the deadline-to-escalation latency. An activity interceptor sees every attempt of
// runEscalationSteps before it runs; only the first sighting of a (lead, clock) counts.
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { EscalationEffect } from '../../sla/leadBook';

const ESCALATION_ACTIVITY = 'runEscalationSteps';

interface EscalationInput {
  campaignId: string;
  steps: EscalationEffect[];
}

export class EscalationStarts {
  private readonly startedAt = new Map<string, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Records a call to runEscalationSteps; exposed for tests, normally fed by the interceptor. */
  note(input: EscalationInput): void {
    const now = this.clock();
    for (const step of input.steps) {
      if (step.stepIndex !== 0) continue;
      const key = keyOf(input.campaignId, step.leadId, step.clock);
      if (!this.startedAt.has(key)) this.startedAt.set(key, now);
    }
  }

  readonly interceptor: ActivityInterceptorsFactory = (ctx) => ({
    inbound: {
      execute: (input, next) => {
        if (ctx.info.activityType === ESCALATION_ACTIVITY) this.note(input.args[0] as EscalationInput);
        return next(input);
      },
    },
  });

  /** First escalation start per lead of one campaign's clock, by lead ID. */
  forCampaign(campaignId: string, clock: EscalationEffect['clock']): Map<string, number> {
    const prefix = `${campaignId}|`;
    const suffix = `|${clock}`;
    const found = new Map<string, number>();
    for (const [key, at] of this.startedAt) {
      if (key.startsWith(prefix) && key.endsWith(suffix)) found.set(key.slice(prefix.length, -suffix.length), at);
    }
    return found;
  }
}

const keyOf = (campaignId: string, leadId: string, clock: string) => `${campaignId}|${leadId}|${clock}`;
