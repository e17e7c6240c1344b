// Bench-only workflows: raw Temporal for the intake baselines, and a workflow per lead for the actions comparison. `noop` does nothing, so its round trips measure the
// raw Update cost of this server and worker; `storeLeads` takes the very payloads the campaign's admitLeads takes,
// keeps them and answers per lead as admitLeads does, so the campaign's intake compares with raw Temporal on
// identical payloads. Bundled for its own task queue, never into workflows/index.ts.
import { condition, defineSignal, defineUpdate, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { NewLead } from '../../sla/leadEvents';

export const noopUpdate = defineUpdate<number, []>('noop');
export const storeLeadsUpdate = defineUpdate<{ leadId: string; result: 'admitted' }[], [{ leads: NewLead[] }]>(
  'storeLeads',
);
export const stopNoopSignal = defineSignal('stop');

export async function benchNoop(): Promise<number> {
  let updates = 0;
  let stopped = false;
  const stored = new Map<string, NewLead>();
  setHandler(noopUpdate, () => ++updates);
  setHandler(storeLeadsUpdate, ({ leads }) => {
    updates++;
    for (const lead of leads) stored.set(lead.leadId, lead);
    return leads.map((lead) => ({ leadId: lead.leadId, result: 'admitted' as const }));
  });
  setHandler(stopNoopSignal, () => {
    stopped = true;
  });
  await condition(() => stopped);
  return updates;
}

/** What the workflow-per-lead design records: the lead, then its touch or its escalation. */
export interface PerLeadActivities {
  recordLead(leadId: string): Promise<void>;
  recordTouch(leadId: string): Promise<void>;
  escalate(leadId: string): Promise<void>;
}

const perLead = proxyActivities<PerLeadActivities>({ startToCloseTimeout: '30 seconds' });
export const touchLeadUpdate = defineUpdate<void, []>('touchLead');

/**
 * The alternative design, for the actions-per-lead comparison: one workflow per lead with its own first-touch
 * timer. Deliberately minimal (it ends at the touch or the escalation, with no acceptance or follow-up clocks), so
 * its action count is a floor for that design.
 */
export async function leadPerWorkflow(leadId: string, deadlineAt: number): Promise<'touched' | 'breached'> {
  let touched = false;
  setHandler(touchLeadUpdate, () => {
    touched = true;
  });
  await perLead.recordLead(leadId);
  if (await condition(() => touched, Math.max(1, deadlineAt - Date.now()))) {
    await perLead.recordTouch(leadId);
    return 'touched';
  }
  await perLead.escalate(leadId);
  return 'breached';
}

/**
 * The escalation figure's baseline for one workflow holding many deadlines, as the campaign does: it sleeps to each
 * in turn and starts its escalation activity without waiting for it. The server keeps one timer task per
 * workflow, for its earliest timer, so each later timer is armed only when the one before it fires.
 */
export async function deadlinesInOneWorkflow(deadlines: { leadId: string; at: number }[]): Promise<void> {
  const escalations: Promise<void>[] = [];
  for (const { leadId, at } of deadlines) {
    if (at > Date.now()) await sleep(at - Date.now());
    escalations.push(perLead.escalate(leadId));
  }
  await Promise.all(escalations);
}
