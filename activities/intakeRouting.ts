// Routing at intake: the new owner is written to the CRM with assignment rules off and read back. Each route
// succeeds or fails on its own and is reported per lead, so the workflow changes an owner only when the CRM
// has one, and retries the rest. Writing the same owner again is harmless, so a retried activity repeats nothing.
import type { RouteEffect, RouteResult } from '../sla/leadBook';
import type { ActivityDeps } from './campaignActivities';
import { repIdOf } from './crm/salesforceIds';
import { withHeartbeat } from './heartbeat';

export interface RouteLeadsInput {
  campaignId: string;
  routes: RouteEffect[];
  /** The contract's rep IDs: an owner the CRM shows is named in their form (15 or 18 characters). */
  repIds?: string[];
}

export function createRoutingActivities(deps: ActivityDeps) {
  return {
    /** Never throws for one lead's failure: the workflow retries that route with backoff. */
    async routeLeads(input: RouteLeadsInput): Promise<RouteResult[]> {
      return withHeartbeat(async () => {
        const results: RouteResult[] = [];
        const contractForm = repIdOf(input.repIds ?? []);
        for (const route of input.routes) {
          try {
            const crm = await deps.ports.crm(input.campaignId, new Date(route.at));
            const written = await crm.setOwner(route.leadId, route.toOwnerId);
            results.push({
              leadId: route.leadId,
              ok: true,
              stuck: written.stuck,
              actualOwnerId: contractForm(written.actualOwnerId),
            });
          } catch (err) {
            results.push({ leadId: route.leadId, ok: false, error: err instanceof Error ? err.message : String(err) });
          }
        }
        return results;
      });
    },
  };
}
