// Routing at intake (responseSla.routing.atIntake): a new lead whose owner cannot take it now goes to the next
// available rep of the owner's pool. The book's owner changes only once the CRM has the new owner (written with
// assignment rules off and read back), exactly as for a reassignment; until then the lead stays where it came.
import { findRep, repUnavailability } from '../availability';
import { getOwn } from '../dict';
import { changeOwner, pickReassignee } from './escalation';
import { iso, note, type BookContext, type LeadBook, type LeadState } from './state';
import { configOf } from './terms';

export interface RouteEffect {
  leadId: string;
  fromOwnerId: string;
  toOwnerId: string;
  pool: string;
  /** Why the owner could not take the lead (out of office, away, outside hours, out of rotation, at capacity). */
  reason: string;
  /** When it was routed: the owner change counts from here. */
  at: string;
}

/** A route waiting for its CRM write, with the attempts it has failed so far. */
export interface PendingRoute extends RouteEffect {
  attempts: number;
  nextAttemptAt: number;
}

/**
 * What the CRM said after the write: whether the owner stuck (compared as the CRM compares IDs, so a 15-character
 * ID matches its 18-character form), else the owner it shows (an assignment rule may have moved the lead on).
 */
export type RouteResult =
  { leadId: string; ok: true; stuck: boolean; actualOwnerId: string } | { leadId: string; ok: false; error: string };

/** Attempts before a route is given up and ops are told; spaced 1, 2, 4 … 30 minutes apart. */
export const MAX_ROUTE_ATTEMPTS = 8;
const MAX_ROUTE_BACKOFF_MS = 30 * 60_000;

/**
 * For a lead just admitted: a route when its owner is a configured rep who cannot take it now (the round-robin
 * turn is taken), `unrouted` when nobody in the pool can either, nothing when the owner can or is not a rep.
 */
export function planIntakeRoute(
  book: LeadBook,
  ctx: BookContext,
  lead: LeadState,
): { route: RouteEffect } | { unrouted: string } | undefined {
  const config = configOf(ctx, lead);
  if (!config.responseSla.routing.atIntake) return undefined;
  const found = findRep(config, lead.ownerId);
  if (!found) return undefined;
  const held = (getOwn(book.ownerLoad, lead.ownerId) ?? 0) - 1; // before this lead
  const reason =
    repUnavailability(config, found.rep, ctx.now, book) ??
    (held >= found.rep.capacity ? `at capacity ${held}/${found.rep.capacity}` : null);
  if (!reason) return undefined;
  const pick = pickReassignee(book, lead, found.pool, config, ctx.now);
  if (pick.newOwnerId === null) {
    const why = `owner ${lead.ownerId} ${reason}; ${pick.reason}`;
    note(lead, ctx.now, `not routed: ${why}`);
    return { unrouted: why };
  }
  note(lead, ctx.now, `routing to ${pick.newOwnerId}: ${lead.ownerId} ${reason}`);
  return {
    route: {
      leadId: lead.leadId,
      fromOwnerId: lead.ownerId,
      toOwnerId: pick.newOwnerId,
      pool: found.pool,
      reason,
      at: iso(ctx.now),
    },
  };
}

export type RouteCompletion =
  | { outcome: 'routed' }
  /** The CRM shows another owner than the one written (an assignment rule, flow or trigger): that owner stands. */
  | { outcome: 'moved-by-crm'; actualOwnerId: string }
  | { outcome: 'retry'; nextAttemptAt: number }
  | { outcome: 'given-up'; error: string }
  /** The lead was closed or changed owner meanwhile: nothing to do. */
  | { outcome: 'moot' };

/**
 * Applies the CRM's answer to a route. The book follows the CRM: the owner it read back is the lead's owner from
 * the route's time, with an owner-change event in the ledger. A failed write is retried with backoff.
 */
export function completeIntakeRoute(
  book: LeadBook,
  ctx: BookContext,
  route: PendingRoute,
  result: RouteResult,
  /** When the write was dispatched: a retry is timed from it (as escalation steps are; StepObservers). */
  dispatchedAt: number = ctx.now,
): RouteCompletion {
  const lead = getOwn(book.leads, route.leadId);
  if (!lead || lead.status !== 'open' || lead.ownerId !== route.fromOwnerId) return { outcome: 'moot' };
  if (!result.ok) {
    const attempts = route.attempts + 1;
    if (attempts >= MAX_ROUTE_ATTEMPTS) {
      note(lead, ctx.now, `routing to ${route.toOwnerId} given up after ${attempts} attempts: ${result.error}`);
      return { outcome: 'given-up', error: result.error };
    }
    route.attempts = attempts;
    route.nextAttemptAt = dispatchedAt + Math.min(MAX_ROUTE_BACKOFF_MS, 60_000 * 2 ** (attempts - 1));
    return { outcome: 'retry', nextAttemptAt: route.nextAttemptAt };
  }
  const at = Date.parse(route.at);
  const moved = !result.stuck;
  const owner = moved ? result.actualOwnerId : route.toOwnerId;
  if (owner !== route.fromOwnerId) changeOwner(book, lead, owner, at);
  note(
    lead,
    ctx.now,
    moved
      ? `routing to ${route.toOwnerId} did not stick: the CRM shows ${owner}`
      : `routed ${route.fromOwnerId} → ${route.toOwnerId} (${route.reason})`,
  );
  if (owner !== route.fromOwnerId) {
    book.outbox.events.push({
      campaignId: ctx.campaignId,
      leadId: lead.leadId,
      eventId: `${ctx.campaignId}:${lead.leadId}:intake-route`,
      kind: 'owner-change',
      at: route.at,
      detail: { from: route.fromOwnerId, to: owner, routedTo: route.toOwnerId, reason: route.reason },
    });
  }
  return moved ? { outcome: 'moved-by-crm', actualOwnerId: owner } : { outcome: 'routed' };
}
