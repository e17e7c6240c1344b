// The workflow-per-lead design on the history figure's workload (same touched share, same first-touch limit,
// same run): its Temporal Cloud actions per lead, for a platform engineer choosing between the two designs.
import { countActions, emptyActionCount, type ActionCount } from './cloudActions';
import { NOOP_QUEUE, type BenchEnvironment } from './benchEnvironment';
import { leadPerWorkflow, touchLeadUpdate } from './noopWorkflow';

/** Leads run as their own workflows: enough for a stable per-lead figure without thousands of starts. */
const MAX_PER_LEAD_WORKFLOWS = 500;
const PARALLEL_STARTS = 20;

export interface PerLeadDesign {
  leads: number;
  touched: number;
  breached: number;
  actions: ActionCount;
  actionsPerLead: number;
}

export async function measurePerLeadDesign(
  env: BenchEnvironment,
  sizes: { historyLeads: number; historyFirstTouchMs: number; historyTouchedShare: number },
): Promise<PerLeadDesign> {
  const leads = Math.min(sizes.historyLeads, MAX_PER_LEAD_WORKFLOWS);
  const touchEvery = Math.round(1 / (1 - sizes.historyTouchedShare));
  const isTouched = (n: number) => n % touchEvery !== touchEvery - 1;
  const ids = Array.from({ length: leads }, (_, n) => n);
  const handles: Awaited<ReturnType<typeof startLead>>[] = [];
  const startLead = async (n: number) => {
    const leadId = `bench-${env.runId}-lead-${n}`;
    const handle = await env.client.workflow.start(leadPerWorkflow, {
      taskQueue: NOOP_QUEUE,
      workflowId: leadId,
      args: [leadId, Date.now() + sizes.historyFirstTouchMs],
    });
    if (isTouched(n)) await handle.executeUpdate(touchLeadUpdate);
    return handle;
  };
  for (let i = 0; i < ids.length; i += PARALLEL_STARTS) {
    handles.push(...(await Promise.all(ids.slice(i, i + PARALLEL_STARTS).map(startLead))));
  }
  const outcomes = await Promise.all(handles.map((handle) => handle.result()));
  const actions = emptyActionCount();
  for (const handle of handles) countActions((await handle.fetchHistory()).events ?? [], actions);
  const touched = outcomes.filter((o) => o === 'touched').length;
  const expectedTouched = ids.filter(isTouched).length;
  if (touched !== expectedTouched)
    throw new Error(`per-lead design: ${touched} leads touched, expected ${expectedTouched}`);
  return { leads, touched, breached: leads - touched, actions, actionsPerLead: actions.total / leads };
}
