// Figure 2: how long after a firstTouch deadline the first escalation activity actually starts.
// Deadlines come from the ledger (clock_outcomes), start times from the worker's activity
// interceptor, both on this machine's wall clock.
import type { WorkflowHandle } from '@temporalio/client';
import type { campaignSla } from '../../workflows/campaignSla';
import { admitLeadsUpdate } from '../../workflows/messages';
import { benchCampaignConfig, leadBatch, templateOwners } from './benchCampaign';
import type { BenchEnvironment } from './benchEnvironment';
import { explainFailure, terminateIfRunning } from './diagnose';
import { startIdleCampaign } from './intake';
import { spreadOf, type Spread } from './stats';
import { waitFor } from './timing';

/** Arrival waves: the leads come in this many batches spread over the configured window. */
const WAVES = 10;
/** Time allowed after the last deadline for escalations and ledger writes to land. */
const SETTLE_TIMEOUT_MS = 120_000;

export interface EscalationLatency {
  leads: number;
  firstTouchMs: number;
  deadlineWindowMs: number;
  /** Escalation activity start − firstTouch deadline, in ms. */
  latencyMs: Spread;
}

export async function measureEscalationLatency(
  env: BenchEnvironment,
  sizes: { latencyLeads: number; latencyFirstTouchMs: number; latencySpreadMs: number },
): Promise<EscalationLatency> {
  const campaignId = `bench-${env.runId}-latency`;
  const config = benchCampaignConfig({
    id: campaignId,
    now: Date.now(),
    tiers: { 'high-intent': { firstTouch: `${sizes.latencyFirstTouchMs}ms`, clock: 'wall' } },
    escalation: [{ step: 'notify-owner', after: '0s' }],
  });
  const owners = templateOwners(config);
  const handle = await startIdleCampaign(env, config);
  try {
    return await breachAndMeasure(env, handle, campaignId, owners, sizes);
  } catch (err) {
    throw await explainFailure('escalation latency', err, handle);
  } finally {
    await terminateIfRunning(handle, 'bench: escalation latency measured');
  }
}

async function breachAndMeasure(
  env: BenchEnvironment,
  handle: WorkflowHandle<typeof campaignSla>,
  campaignId: string,
  owners: string[],
  sizes: { latencyLeads: number; latencyFirstTouchMs: number; latencySpreadMs: number },
): Promise<EscalationLatency> {
  const waves = Math.min(WAVES, sizes.latencyLeads);
  const perWave = Math.ceil(sizes.latencyLeads / waves);
  const firstArrival = Date.now();
  for (let from = 0; from < sizes.latencyLeads; from += perWave) {
    const dueAt = firstArrival + (from / sizes.latencyLeads) * sizes.latencySpreadMs;
    if (dueAt > Date.now()) await new Promise((resolve) => setTimeout(resolve, dueAt - Date.now()));
    const count = Math.min(perWave, sizes.latencyLeads - from);
    await handle.executeUpdate(admitLeadsUpdate, {
      args: [{ leads: leadBatch({ prefix: 'E', from, count, tier: 'high-intent', owners, createdAt: Date.now() }) }],
    });
  }

  const deadlines = await waitFor(
    async () => {
      const { rows } = await env.pool.query<{ lead_id: string; deadline: Date }>(
        `SELECT lead_id, deadline FROM clock_outcomes WHERE campaign_id = $1 AND clock = 'firstTouch' AND breached_at IS NOT NULL`,
        [campaignId],
      );
      // Every escalation step is in the ledger too, so no activity is cut off when the campaign is terminated.
      const steps = await env.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM escalation_steps WHERE campaign_id = $1`,
        [campaignId],
      );
      const started = env.escalationStarts.forCampaign(campaignId, 'firstTouch');
      return rows.length === sizes.latencyLeads &&
        started.size === sizes.latencyLeads &&
        steps.rows[0].n === sizes.latencyLeads
        ? rows
        : undefined;
    },
    {
      timeoutMs: sizes.latencyFirstTouchMs + sizes.latencySpreadMs + SETTLE_TIMEOUT_MS,
      describe: async () => {
        const { rows } = await env.pool.query(
          `SELECT count(*)::int AS n FROM clock_outcomes WHERE campaign_id = $1 AND clock = 'firstTouch' AND breached_at IS NOT NULL`,
          [campaignId],
        );
        return `expected ${sizes.latencyLeads} breaches and escalations, the ledger has ${rows[0].n} breaches and the worker saw ${env.escalationStarts.forCampaign(campaignId, 'firstTouch').size} escalations`;
      },
    },
  );

  const started = env.escalationStarts.forCampaign(campaignId, 'firstTouch');
  const latencies = deadlines.map((row) => {
    const at = started.get(row.lead_id);
    if (at === undefined)
      throw new Error(`lead ${row.lead_id} breached in the ledger but no escalation activity started for it`);
    return at - row.deadline.getTime();
  });
  const deadlineTimes = deadlines.map((row) => row.deadline.getTime());
  return {
    leads: sizes.latencyLeads,
    firstTouchMs: sizes.latencyFirstTouchMs,
    deadlineWindowMs: Math.max(...deadlineTimes) - Math.min(...deadlineTimes),
    latencyMs: spreadOf(latencies),
  };
}
