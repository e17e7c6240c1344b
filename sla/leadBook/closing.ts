// Closing a lead: stopping its clocks and retiring it from the book once nothing about it can still fire.
import { isMilestoneClock } from '../clockKind';
import { foldMilestones, hasRunningMilestone } from './milestones';
import { settlePause } from './pause';
import {
  clockRecord,
  iso,
  leadClockKinds,
  note,
  rememberClosedLeadId,
  type BookContext,
  type LeadBook,
  type LeadState,
} from './state';
import { configOf } from './terms';
import { getOwn } from '../dict';
import { leadChanged } from './changes';
import { parseInstant } from '../isoInstant';

const MAX_CLOSED_IDS = 20_000;

/**
 * Stops every clock still running, escalation chains included. A milestone's pause ends with it, and the ledger
 * hears of the stop (the built-in clocks' rows follow from the lead's reject or nurture event).
 */
export function stopClocks(book: LeadBook, ctx: BookContext, lead: LeadState, at: number): void {
  for (const kind of leadClockKinds(lead)) {
    const clock = lead.clocks[kind];
    if (!clock || clock.metAt !== undefined || clock.stoppedAt !== undefined) continue;
    settlePause(configOf(ctx, lead), lead, kind, clock, at);
    clock.stoppedAt = at;
    leadChanged(book, lead.leadId);
    delete clock.nextStep;
    delete clock.nextStepAt;
    delete clock.stepAttempts;
    if (isMilestoneClock(kind)) book.outbox.clocks.push(clockRecord(ctx.campaignId, lead, kind, clock));
  }
}

/**
 * The CRM no longer holds the lead (deleted, or merged into `mergedInto`): nobody can work it, so every clock
 * stops at `at`, when it left, and the ledger's `removed` event closes it there as a rejection or nurture does.
 * One event ID per lead: the poll and a refused escalation step may both find it.
 */
export function closeRemovedLead(
  book: LeadBook,
  ctx: BookContext,
  lead: LeadState,
  mergedInto: string | null,
  at: number,
): void {
  note(lead, at, mergedInto === null ? 'deleted in the CRM' : `merged into ${mergedInto} in the CRM`);
  stopClocks(book, ctx, lead, at);
  book.outbox.events.push({
    campaignId: ctx.campaignId,
    leadId: lead.leadId,
    eventId: `${lead.leadId}:removed`,
    kind: 'removed',
    at: iso(at),
    detail: mergedInto === null ? {} : { mergedInto },
  });
}

/** When a lead left the CRM, as the CRM says, kept between its admission and now (clocks never stop outside it). */
export function removalInstant(lead: LeadState, removedAt: string, ctx: BookContext): number {
  const at = parseInstant(removedAt);
  return Number.isFinite(at) ? Math.min(ctx.now, Math.max(lead.createdAt, at)) : ctx.now;
}

function isSettled(lead: LeadState): boolean {
  if (lead.status === 'rejected' || lead.status === 'nurture' || lead.status === 'recycled')
    return !hasRunningMilestone(lead);
  return leadClockKinds(lead).every((kind) => {
    const clock = lead.clocks[kind];
    return (
      !clock ||
      clock.metAt !== undefined ||
      clock.stoppedAt !== undefined ||
      (clock.breachedAt !== undefined && clock.nextStepAt === undefined && clock.stepInFlight === undefined)
    );
  });
}

/** Removes a lead whose clocks are all settled, keeping its ID for duplicate detection. */
export function retireIfSettled(book: LeadBook, lead: LeadState): boolean {
  if (!isSettled(lead)) return false;
  foldMilestones(book, lead);
  delete book.leads[lead.leadId];
  leadChanged(book, lead.leadId);
  book.ownerLoad[lead.ownerId] = Math.max(0, (getOwn(book.ownerLoad, lead.ownerId) ?? 1) - 1);
  rememberClosedLeadId(book, lead.leadId, MAX_CLOSED_IDS);
  return true;
}
