// What a campaign workflow reports to Prometheus through `metricMeter` from '@temporalio/workflow'
// (the SDK drops workflow metrics while replaying, so counters are not counted twice). Pure: the meter
// is passed in, so the workflow decides when to call and tests can pass a recording meter.
import type { MetricMeter } from '@temporalio/common';
import type { ClockKind } from '../sla/clockKind';
import type { ProposalStatus } from '../sla/records';

export const SLA_METRICS = {
  openClocks: 'campaign_sla_open_clocks',
  proposals: 'campaign_sla_proposals',
  escalationStepsPending: 'campaign_sla_escalation_steps_pending',
  breaches: 'campaign_sla_breaches',
  escalationStepsFailed: 'campaign_sla_escalation_steps_failed',
} as const;

export interface SlaGauges {
  openClocks: number;
  proposalsByStatus: Partial<Record<ProposalStatus, number>>;
  escalationStepsPending: number;
}

/** Current state of one campaign, as gauges tagged with its ID; call after each wake-up. */
export function recordSlaGauges(meter: MetricMeter, campaignId: string, gauges: SlaGauges): void {
  const tagged = meter.withTags({ campaign_id: campaignId });
  tagged.createGauge(SLA_METRICS.openClocks, 'int', '', 'open lead clocks').set(gauges.openClocks);
  tagged
    .createGauge(SLA_METRICS.escalationStepsPending, 'int', '', 'escalation steps due or waiting')
    .set(gauges.escalationStepsPending);
  const proposals = tagged.createGauge(SLA_METRICS.proposals, 'int', '', 'budget proposals by status');
  for (const [status, count] of Object.entries(gauges.proposalsByStatus)) proposals.set(count ?? 0, { status });
}

/** Breaches that just happened, per clock kind. */
export function countBreaches(meter: MetricMeter, campaignId: string, clock: ClockKind, count: number): void {
  if (count <= 0) return;
  meter
    .createCounter(SLA_METRICS.breaches, '', 'lead clocks that passed their deadline')
    .add(count, { campaign_id: campaignId, clock });
}

/** Escalation step attempts that failed; each failed step stays pending and is retried with backoff. */
export function countFailedEscalationSteps(meter: MetricMeter, campaignId: string, count: number): void {
  if (count <= 0) return;
  meter
    .createCounter(SLA_METRICS.escalationStepsFailed, '', 'escalation step attempts that failed (retried with backoff)')
    .add(count, { campaign_id: campaignId });
}
