// Bench-only workflow: raw Temporal for the intake baselines. `noop` does nothing, so its round trips measure the
// raw Update cost of this server and worker; `storeLeads` takes the very payloads the campaign's admitLeads takes,
// keeps them and answers per lead as admitLeads does, so the campaign's intake compares with raw Temporal on
// identical payloads. Bundled for its own task queue, never into workflows/index.ts.
import { condition, defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';
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
