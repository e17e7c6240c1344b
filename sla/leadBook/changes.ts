// Which leads changed since a summary last looked, so the figures published on every wake-up (open clocks, the
// SLA shares of open leads) are kept up to date per change instead of recounted over every open lead.
// Each mutation of a lead's clocks, owner or presence calls leadChanged; views built from the book register a
// set and drain it. Kept beside the book (a WeakMap), never in it: it is derived, and not carried over.
import type { LeadBook } from './state';

const watchers = new WeakMap<LeadBook, Set<string>[]>();

export function leadChanged(book: LeadBook, leadId: string): void {
  const sets = watchers.get(book);
  if (sets) for (const changed of sets) changed.add(leadId);
}

/** A set that collects the IDs of leads changed from now on; its owner clears it as it catches up. */
export function watchLeadChanges(book: LeadBook): Set<string> {
  const changed = new Set<string>();
  const sets = watchers.get(book);
  if (sets) sets.push(changed);
  else watchers.set(book, [changed]);
  return changed;
}
