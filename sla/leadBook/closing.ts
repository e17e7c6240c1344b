// Closing a lead: stopping its clocks and retiring it from the book once nothing about it can still fire.
import { clockKinds } from '../clockKind';
import { rememberClosedLeadId, type LeadBook, type LeadState } from './state';
import { getOwn } from '../dict';

const MAX_CLOSED_IDS = 20_000;

/** Stops every clock still running, escalation chains included. */
export function stopClocks(lead: LeadState, at: number): void {
  for (const kind of clockKinds) {
    const clock = lead.clocks[kind];
    if (!clock || clock.metAt !== undefined || clock.stoppedAt !== undefined) continue;
    clock.stoppedAt = at;
    delete clock.nextStep;
    delete clock.nextStepAt;
    delete clock.stepAttempts;
  }
}

function isSettled(lead: LeadState): boolean {
  if (lead.status === 'rejected' || lead.status === 'nurture' || lead.status === 'recycled') return true;
  return clockKinds.every((kind) => {
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
  delete book.leads[lead.leadId];
  book.ownerLoad[lead.ownerId] = Math.max(0, (getOwn(book.ownerLoad, lead.ownerId) ?? 1) - 1);
  rememberClosedLeadId(book, lead.leadId, MAX_CLOSED_IDS);
  return true;
}
