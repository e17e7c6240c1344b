// Figure 5: Salesforce REST calls one first-touch poll costs for n open leads (real jsforce adapter
// against the local fake Salesforce server).
import { measureFirstTouchPollCalls, type FirstTouchPollCost } from '../../test/fakes/salesforce/firstTouchPollCost';

export interface PollCost extends FirstTouchPollCost {
  /** What a per-lead query would cost: a Task and an Event query for every lead. */
  perLeadQueryCalls: number;
}

export async function measurePollCosts(sizes: number[]): Promise<PollCost[]> {
  const costs: PollCost[] = [];
  for (const openLeads of sizes)
    costs.push({ ...(await measureFirstTouchPollCalls(openLeads)), perLeadQueryCalls: 2 * openLeads });
  return costs;
}
