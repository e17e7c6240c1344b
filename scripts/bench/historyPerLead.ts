// Figure 3: Temporal history events per lead for a batched workload — leads admitted in batches,
// most touched in batches before their deadline, the rest left to breach and escalate — counted over
// every run of the workflow's continue-as-new chain.
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { campaignSla } from '../../workflows/campaignSla';
import { admitLeadsUpdate, campaignWorkflowId, recordLeadEventsUpdate, slaStateQuery } from '../../workflows/messages';
import { benchCampaignConfig, leadBatch, templateOwners } from './benchCampaign';
import { countActions, emptyActionCount, type ActionCount } from './cloudActions';
import type { BenchEnvironment } from './benchEnvironment';
import { explainFailure, terminateIfRunning } from './diagnose';
import { startIdleCampaign } from './intake';
import { waitFor } from './timing';

/** Temporal's hard per-run limit is 51,200 events; the engine aims to stay far below this. */
export const MAX_EVENTS_PER_RUN = 10_240;
export const TARGET_EVENTS_PER_LEAD = 4;
const SETTLE_TIMEOUT_MS = 120_000;

interface RunHistory {
  runId: string;
  events: number;
  /** Temporal Cloud actions recorded in this run's history. */
  actions: number;
  /** History size as the server reports it; null from servers that do not report it. */
  bytes: number | null;
}

export interface HistoryPerLead {
  leads: number;
  batchSize: number;
  touched: number;
  breached: number;
  totalEvents: number;
  eventsPerLead: number;
  maxEventsInRun: number;
  maxBytesInRun: number | null;
  /** History bytes over the whole chain per lead, as the server reports them; null when it does not. */
  bytesPerLead: number | null;
  continueAsNewRuns: number;
  meetsEventsPerLeadTarget: boolean;
  staysUnderRunLimit: boolean;
  runs: RunHistory[];
  /** Temporal Cloud actions over the whole chain (cloudActions.ts), and per lead. */
  actions: ActionCount;
  actionsPerLead: number;
}

/** Every run of a workflow, oldest first, following continuedExecutionRunId back from the latest run. */
async function continueAsNewChain(client: Client, workflowId: string, actions: ActionCount): Promise<RunHistory[]> {
  const runs: RunHistory[] = [];
  let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
  while (runId) {
    const run: WorkflowHandle = client.workflow.getHandle(workflowId, runId);
    const [history, description] = await Promise.all([run.fetchHistory(), run.describe()]);
    const events = history.events ?? [];
    const before = actions.total;
    countActions(events, actions);
    runs.unshift({
      runId,
      events: events.length,
      actions: actions.total - before,
      bytes: description.historySize ?? null,
    });
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return runs;
}

export async function measureHistoryPerLead(
  env: BenchEnvironment,
  sizes: { historyLeads: number; historyBatch: number; historyFirstTouchMs: number; historyTouchedShare: number },
): Promise<HistoryPerLead> {
  const campaignId = `bench-${env.runId}-history`;
  const config = benchCampaignConfig({
    id: campaignId,
    now: Date.now(),
    tiers: { 'high-intent': { firstTouch: `${sizes.historyFirstTouchMs}ms`, clock: 'wall' } },
    escalation: [{ step: 'notify-owner', after: '0s' }],
  });
  const owners = templateOwners(config);
  const handle = await startIdleCampaign(env, config);
  try {
    return await runWorkload(env, handle, campaignId, owners, sizes);
  } catch (err) {
    throw await explainFailure('history', err, handle);
  } finally {
    await terminateIfRunning(handle, 'bench: history measured');
  }
}

async function runWorkload(
  env: BenchEnvironment,
  handle: WorkflowHandle<typeof campaignSla>,
  campaignId: string,
  owners: string[],
  sizes: { historyLeads: number; historyBatch: number; historyFirstTouchMs: number; historyTouchedShare: number },
): Promise<HistoryPerLead> {
  // Every tenth lead (or whatever share is left untouched) breaches; the others get a call right after admission.
  const touchEvery = Math.round(1 / (1 - sizes.historyTouchedShare));
  const isTouched = (n: number) => n % touchEvery !== touchEvery - 1;
  let touched = 0;
  for (let from = 0; from < sizes.historyLeads; from += sizes.historyBatch) {
    const count = Math.min(sizes.historyBatch, sizes.historyLeads - from);
    const leads = leadBatch({ prefix: 'H', from, count, tier: 'high-intent', owners, createdAt: Date.now() });
    const events = leads
      .filter((_, i) => isTouched(from + i))
      .map((lead) => ({
        type: 'contact' as const,
        leadId: lead.leadId,
        eventId: `call-${lead.leadId}`,
        channel: 'call' as const,
        at: lead.createdAt,
      }));
    try {
      await handle.executeUpdate(admitLeadsUpdate, { args: [{ leads }] });
      if (events.length) await handle.executeUpdate(recordLeadEventsUpdate, { args: [{ events }] });
    } catch (err) {
      throw new Error(`Updates failed after ${from} of ${sizes.historyLeads} leads were admitted`, { cause: err });
    }
    touched += events.length;
  }
  const breached = sizes.historyLeads - touched;

  // Done when every untouched lead has breached and its escalation step is in the ledger.
  await waitFor(
    async () => {
      const state = await handle.query(slaStateQuery);
      const { rows } = await env.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM escalation_steps WHERE campaign_id = $1`,
        [campaignId],
      );
      return state.breachedLeads === breached && rows[0].n === breached ? true : undefined;
    },
    {
      timeoutMs: sizes.historyFirstTouchMs + SETTLE_TIMEOUT_MS,
      describe: async () =>
        `expected ${breached} breached leads, slaState reports ${(await handle.query(slaStateQuery)).breachedLeads}`,
    },
  );
  const state = await handle.query(slaStateQuery);
  if (state.compliance.touched !== touched)
    throw new Error(`slaState counts ${state.compliance.touched} touched leads, expected ${touched}`);

  const actions = emptyActionCount();
  const runs = await continueAsNewChain(env.client, campaignWorkflowId(campaignId), actions);
  const totalEvents = runs.reduce((sum, run) => sum + run.events, 0);
  const eventsPerLead = totalEvents / sizes.historyLeads;
  const maxEventsInRun = Math.max(...runs.map((run) => run.events));
  return {
    leads: sizes.historyLeads,
    batchSize: sizes.historyBatch,
    touched,
    breached,
    totalEvents,
    eventsPerLead,
    maxEventsInRun,
    maxBytesInRun: runs.some((run) => run.bytes === null) ? null : Math.max(...runs.map((run) => run.bytes as number)),
    bytesPerLead: runs.some((run) => run.bytes === null)
      ? null
      : runs.reduce((sum, run) => sum + (run.bytes as number), 0) / sizes.historyLeads,
    continueAsNewRuns: runs.length - 1,
    meetsEventsPerLeadTarget: eventsPerLead <= TARGET_EVENTS_PER_LEAD,
    staysUnderRunLimit: maxEventsInRun < MAX_EVENTS_PER_RUN,
    runs,
    actions,
    actionsPerLead: actions.total / sizes.historyLeads,
  };
}
