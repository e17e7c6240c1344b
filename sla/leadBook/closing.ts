// Closing a lead: stopping its clocks and retiring it from the book once nothing about it can still fire.
import { isMilestoneClock } from '../clockKind';
import { foldMilestones, hasRunningMilestone } from './milestones';
import { settlePause } from './pause';
import {
  clockRecord,
  leadClockKinds,
  rememberClosedLeadId,
  type BookContext,
  type LeadBook,
  type LeadState,
} from './state';
import { configOf } from './terms';
import { getOwn } from '../dict';
import { leadChanged } from './changes';

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
