// Oracles for the figures kept per change (sla/leadBook openClockCount, sla/openFigures): the same figures
// counted from scratch over every open lead, as the summary did before they were kept.
import { addOutcome, emptyFigures, summarizeFigures, type ComplianceSummary } from '../../sla/compliance';
import type { CampaignConfig } from '../../sla/config';
import { clockKinds } from '../../sla/clockKind';
import { openClockCount, poolOfRep, type LeadBook } from '../../sla/leadBook';
import { openFigures, outcomeOf } from '../../sla/openFigures';

export function recountOpenClocks(book: LeadBook): number {
  let count = 0;
  for (const lead of Object.values(book.leads)) {
    const kinds = [...new Set([...clockKinds, ...Object.keys(lead.clocks)])] as (keyof typeof lead.clocks)[];
    for (const kind of kinds) {
      const clock = lead.clocks[kind];
      if (clock && clock.metAt === undefined && clock.stoppedAt === undefined && clock.breachedAt === undefined)
        count++;
    }
  }
  return count;
}

const targetsOf = (config: CampaignConfig) =>
  config.responseSla.compliance.map((t) => ({ withinMs: t.within, target: t.target }));

/** Every open lead from `since` on with its first touch neither met nor stopped, classified at `now`. */
export function recountedOpenSummary(
  book: LeadBook,
  config: CampaignConfig,
  since: number,
  now: number,
): ComplianceSummary {
  const decided = emptyFigures(targetsOf(config).map((t) => t.withinMs));
  const open = emptyFigures(decided.trackedWithinMs);
  for (const lead of Object.values(book.leads)) {
    const clock = lead.clocks.firstTouch;
    if (lead.createdAt < since || !clock || clock.metAt !== undefined || clock.stoppedAt !== undefined) continue;
    addOutcome(open, outcomeOf(lead, config, decided, now)!, poolOfRep(config));
  }
  return summarizeFigures(decided, targetsOf(config), open);
}

/** A view that keeps its figures per change: one per book, asked again and again as time goes on. */
export function keptOpenFigures(config: CampaignConfig, since: number) {
  const decided = emptyFigures(targetsOf(config).map((t) => t.withinMs));
  return {
    summary: (book: LeadBook, now: number) =>
      summarizeFigures(
        decided,
        targetsOf(config),
        openFigures(book, decided, since, config, now, () => config),
      ),
    openClocks: (book: LeadBook) => openClockCount(book),
  };
}
