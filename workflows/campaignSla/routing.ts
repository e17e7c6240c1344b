// Routing at intake in the workflow: routes planned when leads are admitted, written to the CRM by an activity
// the loop does not wait for, and applied (or retried with backoff) when the CRM has answered. Pending routes
// travel in the carry-over, so a continue-as-new loses none.
import { patched } from '@temporalio/workflow';
import { routingAlert } from '../../sla/alertWording';
import {
  completeIntakeRoute,
  contractRepIds,
  planIntakeRoute,
  type AdmitOutcome,
  type PendingRoute,
  type RouteEffect,
  type RouteResult,
} from '../../sla/leadBook';
import { routeLeads } from './activities';
import { failureMessage } from './escalation';
import { track } from './inFlight';
import { followUpsFromDispatch } from './retryTiming';
import type { CampaignRun } from './run';
import { decisionNow, noteCommand } from './decisionTime';

/** Patch: intake routing schedules an activity that runs before this release never scheduled. */
const INTAKE_ROUTING = 'intake-routing';
const ROUTES_PER_ACTIVITY = 100;
const HOUR_MS = 3_600_000;

const pendingRoutes = (run: CampaignRun): PendingRoute[] => (run.state.routes ??= []);

/** Plans a route for each admitted lead whose owner cannot take it (only campaigns with routing.atIntake). */
export function planRoutes(run: CampaignRun, outcomes: AdmitOutcome[]): void {
  const { state, campaignId } = run;
  const ctx = run.ctx();
  let unrouted: string | undefined;
  let unroutedCount = 0;
  for (const outcome of outcomes) {
    if (outcome.result !== 'admitted') continue;
    const lead = state.book.leads[outcome.leadId];
    if (!run.leadConfig(lead).responseSla.routing.atIntake || !patched(INTAKE_ROUTING)) continue;
    const plan = planIntakeRoute(state.book, ctx, lead);
    if (plan && 'route' in plan) pendingRoutes(run).push({ ...plan.route, attempts: 0, nextAttemptAt: ctx.now });
    else if (plan) {
      unrouted ??= `${lead.leadId}: ${plan.unrouted}`;
      unroutedCount++;
    }
  }
  if (unrouted) {
    run.pendingAlerts.push(
      routingAlert(
        campaignId,
        // At most one an hour: when nobody can take leads, every arrival would say the same.
        `${campaignId}:unrouted:${Math.floor(ctx.now / HOUR_MS)}`,
        'New leads stay with owners who cannot take them',
        `${unroutedCount} lead(s) admitted with an unavailable owner and nobody available to route to, e.g. ${unrouted}.`,
      ),
    );
  }
}

/** When the next waiting route is due to be tried (undefined: none waiting). */
export function nextRouteAttemptAt(run: CampaignRun): number | undefined {
  if (run.draining) return undefined;
  let next: number | undefined;
  for (const route of run.state.routes ?? []) {
    if (!run.routesInFlight.has(route.leadId)) next = Math.min(next ?? Infinity, dueAt(run, route));
  }
  return next;
}

/**
 * A route never tried is due as soon as the lead is admitted: now, whatever time the loop decides by (decisionTime.ts),
 * so no timer is needed to fix the time first. A retry is due at its backoff.
 */
function dueAt(run: CampaignRun, route: PendingRoute): number {
  return route.attempts === 0 ? Math.min(route.nextAttemptAt, decisionNow(run)) : route.nextAttemptAt;
}

/** Starts the CRM writes of routes that are due; a draining run leaves them to the next run. */
export function dispatchRoutes(run: CampaignRun): void {
  if (run.draining || !run.state.routes?.length) return;
  const decidedAt = decisionNow(run);
  const due = run.state.routes.filter((r) => !run.routesInFlight.has(r.leadId) && dueAt(run, r) <= decidedAt);
  // Dispatched in a task that makes a command, so its time replays the same.
  const now = Date.now();
  for (let i = 0; i < due.length; i += ROUTES_PER_ACTIVITY) {
    const chunk = due.slice(i, i + ROUTES_PER_ACTIVITY);
    for (const route of chunk) run.routesInFlight.add(route.leadId);
    const routes: RouteEffect[] = chunk.map(({ attempts: _a, nextAttemptAt: _n, ...effect }) => effect);
    track(
      run,
      'intake routing',
      routeLeads({ campaignId: run.campaignId, routes, repIds: contractRepIds(run.config()) }).then(
        (results) => applyRouteResults(run, chunk, results, now),
        (err: unknown) =>
          applyRouteResults(
            run,
            chunk,
            chunk.map((r) => ({ leadId: r.leadId, ok: false as const, error: failureMessage(err) })),
            now,
          ),
      ),
    );
    noteCommand(run);
  }
}

function applyRouteResults(
  run: CampaignRun,
  chunk: PendingRoute[],
  results: RouteResult[],
  dispatchedAt: number,
): void {
  const { campaignId } = run;
  const byLead = new Map(results.map((r) => [r.leadId, r]));
  const ctx = run.ctx();
  const retryFrom = followUpsFromDispatch() ? dispatchedAt : ctx.now;
  const settled = new Set<PendingRoute>();
  for (const route of chunk) {
    run.routesInFlight.delete(route.leadId);
    const result = byLead.get(route.leadId) ?? { leadId: route.leadId, ok: false, error: 'no result for this lead' };
    const completion = completeIntakeRoute(run.state.book, ctx, route, result, retryFrom);
    if (completion.outcome === 'retry') continue;
    settled.add(route);
    if (completion.outcome === 'moved-by-crm') {
      run.pendingAlerts.push(
        routingAlert(
          campaignId,
          `${campaignId}:routing:${route.leadId}`,
          `Routing of lead ${route.leadId} did not stick`,
          `Routed to ${route.toOwnerId} (${route.fromOwnerId} ${route.reason}), but the CRM shows ${completion.actualOwnerId}: an assignment rule, flow or trigger moved it. The CRM's owner stands.`,
        ),
      );
    } else if (completion.outcome === 'given-up') {
      run.pendingAlerts.push(
        routingAlert(
          campaignId,
          `${campaignId}:routing:${route.leadId}`,
          `Lead ${route.leadId} could not be routed`,
          `Writing owner ${route.toOwnerId} to the CRM kept failing (${completion.error}); the lead stays with ${route.fromOwnerId}, who ${route.reason}.`,
        ),
      );
    }
  }
  if (settled.size && run.state.routes) run.state.routes = run.state.routes.filter((r) => !settled.has(r));
  run.wake = true;
}
