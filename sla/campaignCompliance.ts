// Binds the SLA figures (./compliance) to a campaign's lead book and config. The holder object stays the
// same across a quarter reset, so observers registered on it keep working.
//
// Runs started before attributed figures existed carry the earlier accumulator (./legacyCompliance); they
// keep it, so their replay takes the same decisions, until their quarter closes or the campaign restarts.
import {
  addClockBreach,
  addDisposition,
  addOutcome,
  copyFigures,
  emptyFigures,
  slaHealth,
  summarizeFigures,
  type ComplianceSummary,
  type FigureAccumulator,
  type SlaHealth,
  type WithinRule,
} from './compliance';
import * as legacy from './legacyCompliance';
import { countsSince, openFigures, outcomeOf } from './openFigures';
import type { CampaignConfig } from './config';
import { elapsedForTier, ownerSpans, poolOfRep, type LeadBook, type LeadState } from './leadBook';
import { isMilestoneClock, type ClockKind } from './clockKind';
import { dict, getOwn, toDict } from './dict';

export interface AttributedFigures {
  figures: FigureAccumulator;
  /** Leads started from this instant on are counted (the campaign's start, or when its quarter rolled). */
  since: number;
  /** Leads admitted since then, for the lead-arrival rate. */
  opened: number;
}

export interface CampaignCompliance {
  /** The earlier accumulator, kept by runs that started with it. */
  acc?: legacy.ComplianceAccumulator;
  attributed?: AttributedFigures;
}

const trackedOf = (config: CampaignConfig) => config.responseSla.compliance.map((t) => t.within);

/**
 * Figures of leads started from `since` on; `attributed` is false only when replaying a run recorded before they
 * existed, `rule` is `elapsed` only for figures begun before patch within-at-reach.
 */
export function createCompliance(
  config: CampaignConfig,
  attributed: boolean,
  since: number,
  rule: WithinRule,
): CampaignCompliance {
  return attributed
    ? { attributed: { figures: emptyFigures(trackedOf(config), rule), since, opened: 0 } }
    : { acc: legacy.initialComplianceAccumulator(trackedOf(config)) };
}

/** Restores null-prototype maps after a carry-over came through JSON (which gives every object Object.prototype). */
export function reviveCompliance(holder: CampaignCompliance): CampaignCompliance {
  if (holder.attributed)
    return { attributed: { ...holder.attributed, figures: copyFigures(holder.attributed.figures) } };
  const acc = holder.acc as legacy.ComplianceAccumulator;
  const reviveGroup = (group: legacy.ComplianceGroup): legacy.ComplianceGroup => ({
    ...group,
    touchedWithin: toDict(group.touchedWithin),
    dispositions: toDict(group.dispositions),
  });
  const groups = (record: Record<string, legacy.ComplianceGroup>) => {
    const revived = dict<legacy.ComplianceGroup>();
    for (const key of Object.keys(record)) revived[key] = reviveGroup(record[key]);
    return revived;
  };
  return {
    acc: { ...acc, overall: reviveGroup(acc.overall), byTier: groups(acc.byTier), byOwner: groups(acc.byOwner) },
  };
}

/** A new quarter's figures. Leads still open stay with the quarter they started in. */
export function resetCompliance(
  holder: CampaignCompliance,
  config: CampaignConfig,
  openLeads: LeadState[],
  attributed: boolean,
  since: number,
  rule: WithinRule,
): void {
  const fresh = createCompliance(config, attributed, since, rule);
  holder.attributed = fresh.attributed;
  holder.acc = fresh.acc;
  if (holder.acc) for (const lead of openLeads) holder.acc = legacy.recordLeadOpened(holder.acc, lead);
  if (!holder.attributed) delete holder.attributed;
  if (!holder.acc) delete holder.acc;
}

/** Leads admitted in the figures' period, for the arrival rate. */
export function leadsOpened(holder: CampaignCompliance): number {
  return holder.attributed ? holder.attributed.opened : (holder.acc as legacy.ComplianceAccumulator).overall.leads;
}

export function noteLeadOpened(holder: CampaignCompliance, lead: LeadState): void {
  if (holder.attributed) holder.attributed.opened++;
  else holder.acc = legacy.recordLeadOpened(holder.acc as legacy.ComplianceAccumulator, lead);
}

const counts = (figures: AttributedFigures, lead: LeadState) => countsSince(figures.since, lead);

/**
 * A lead decided for good (touched, or closed untouched) joins the figures of its quarter; so does a lead that
 * leaves the book untouched (`retired`), as it stands then, since the book no longer holds it.
 */
function foldDecided(
  figures: AttributedFigures,
  lead: LeadState,
  config: CampaignConfig,
  now: number,
  retired = false,
): void {
  if (!counts(figures, lead)) return;
  const outcome = outcomeOf(lead, config, figures.figures, now);
  if (outcome && (outcome.final || retired)) addOutcome(figures.figures, outcome, poolOfRep(config));
}

export function noteFirstTouch(holder: CampaignCompliance, configFor: (lead: LeadState) => CampaignConfig) {
  return (lead: LeadState, elapsedMs: number): void => {
    if (holder.attributed) foldDecided(holder.attributed, lead, configFor(lead), Date.now());
    else
      holder.acc = legacy.recordFirstTouch(holder.acc as legacy.ComplianceAccumulator, {
        tier: lead.tier,
        ownerId: lead.ownerId,
        elapsedMs,
      });
  };
}

/** Who an event-time outcome (a disposition, a breach of the other clocks) counts for under the contract's attribution. */
function creditedOwner(lead: LeadState, config: CampaignConfig, holder: string = lead.ownerId): string {
  return config.responseSla.attribution === 'first-owner' ? ownerSpans(lead)[0].ownerId : holder;
}

export function noteDisposition(holder: CampaignCompliance, configFor: (lead: LeadState) => CampaignConfig) {
  return (lead: LeadState, decision: 'accept' | 'reject', reason: string | undefined): void => {
    const ownerId = holder.attributed ? creditedOwner(lead, configFor(lead)) : lead.ownerId;
    const event = { tier: lead.tier, ownerId, decision, reason };
    if (!holder.attributed) holder.acc = legacy.recordDisposition(holder.acc as legacy.ComplianceAccumulator, event);
    else if (counts(holder.attributed, lead))
      addDisposition(holder.attributed.figures, event, poolOfRep(configFor(lead)));
  };
}

/** A lead left the book untouched when its clocks settled (breached, or stopped by an escalation). */
export function noteClosedUntouched(holder: CampaignCompliance, lead: LeadState, config: CampaignConfig): void {
  if (holder.attributed) foldDecided(holder.attributed, lead, config, Date.now(), true);
  else holder.acc = legacy.recordClosedUntouched(holder.acc as legacy.ComplianceAccumulator, lead);
}

/** A lead an event settled (a rejection) left the book; the earlier figures never counted this. */
export function noteRetired(holder: CampaignCompliance, configFor: (lead: LeadState) => CampaignConfig) {
  return (lead: LeadState): void => {
    if (holder.attributed && lead.firstTouchAt === undefined)
      foldDecided(holder.attributed, lead, configFor(lead), Date.now(), true);
  };
}

function noteClockBreach(
  holder: CampaignCompliance,
  lead: LeadState,
  clock: ClockKind,
  ownerId: string,
  delta: 1 | -1,
  config: CampaignConfig,
): void {
  if (isMilestoneClock(clock)) return; // milestones have their own figures (sla/leadBook/milestones)
  const event = { tier: lead.tier, ownerId: holder.attributed ? creditedOwner(lead, config, ownerId) : ownerId, clock };
  if (!holder.attributed) {
    const acc = holder.acc as legacy.ComplianceAccumulator;
    holder.acc = delta === 1 ? legacy.recordBreach(acc, event) : legacy.recordBreachRetracted(acc, event);
  } else if (clock !== 'firstTouch' && counts(holder.attributed, lead)) {
    // First-touch breaches follow from each lead's facts; the other clocks are counted as they happen.
    addClockBreach(holder.attributed.figures, { ...event, clock, delta }, poolOfRep(config));
  }
}

export function noteBreach(
  holder: CampaignCompliance,
  lead: LeadState,
  clock: ClockKind,
  config: CampaignConfig,
): void {
  noteClockBreach(holder, lead, clock, lead.ownerId, 1, config);
}

export function noteBreachRetracted(
  holder: CampaignCompliance,
  lead: LeadState,
  clock: ClockKind,
  breachedOwnerId: string,
  config: CampaignConfig,
): void {
  noteClockBreach(holder, lead, clock, breachedOwnerId, -1, config);
}

export interface ComplianceState {
  summary: ComplianceSummary;
  health: SlaHealth;
  /** "within <ms>" -> actual share, for velocity snapshots. */
  byTarget: Record<string, number>;
  /** Share for the first (tightest) target; what the ResponseCompliance search attribute shows. */
  primaryShare: number | null;
}

/** Figures as of `now`: decided leads plus every open lead of the period, classified now. */
export function complianceForState(
  holder: CampaignCompliance,
  book: LeadBook,
  config: CampaignConfig,
  now: number,
  configFor: (lead: LeadState) => CampaignConfig = () => config,
): ComplianceState {
  const summary = holder.attributed
    ? attributedSummary(holder.attributed, book, config, now, configFor)
    : legacySummary(holder.acc as legacy.ComplianceAccumulator, book, config, now);
  const byTarget = dict<number>();
  for (const t of summary.targets) if (t.actual !== null) byTarget[`within${t.withinMs}`] = t.actual;
  return { summary, health: slaHealth(summary), byTarget, primaryShare: summary.targets[0]?.actual ?? null };
}

/** Targets of the current config that the figures have tracked since the period began. */
function scoredTargets(config: CampaignConfig, tracked: readonly number[]) {
  // An amendment may change targets mid-quarter; only thresholds tracked since the quarter began can be scored.
  return config.responseSla.compliance
    .map((t) => ({ withinMs: t.within, target: t.target }))
    .filter((t) => tracked.includes(t.withinMs));
}

function attributedSummary(
  figures: AttributedFigures,
  book: LeadBook,
  config: CampaignConfig,
  now: number,
  configFor: (lead: LeadState) => CampaignConfig,
): ComplianceSummary {
  const open = openFigures(book, figures.figures, figures.since, config, now, configFor);
  return summarizeFigures(figures.figures, scoredTargets(config, figures.figures.trackedWithinMs), open);
}

/** The earlier figures, in today's shape; counts it never kept are derived or zero. */
function legacySummary(
  acc: legacy.ComplianceAccumulator,
  book: LeadBook,
  config: CampaignConfig,
  now: number,
): ComplianceSummary {
  const targets = scoredTargets(config, acc.trackedWithinMs);
  const smallest = Math.min(Infinity, ...targets.map((t) => t.withinMs));
  const open: legacy.OpenLead[] = [];
  for (const lead of Object.values(book.leads)) {
    if (lead.firstTouchAt !== undefined || lead.status !== 'open') continue;
    const wallAge = now - lead.createdAt;
    const tier = getOwn(config.responseSla.tiers, lead.tier);
    const ageMs = wallAge < smallest || !tier ? wallAge : elapsedForTier(config, lead.tier, lead.createdAt, now);
    open.push({
      tier: lead.tier,
      ownerId: lead.ownerId,
      ageMs,
      warned: lead.clocks.firstTouch?.warnedAt !== undefined,
    });
  }
  const old = legacy.summarizeCompliance(acc, targets, open);
  const convert = (s: legacy.ComplianceSection) => ({
    leads: s.leads,
    met: Math.max(0, s.touched - s.breaches.firstTouch),
    breached: s.breaches.firstTouch,
    pending: s.open,
    closedUntouched: 0,
    touched: s.touched,
    neverTouched: Math.max(0, s.leads - s.touched),
    rescues: 0,
    openWarned: s.openWarned,
    medianFirstTouchMs: s.medianFirstTouchMs,
    p95FirstTouchMs: s.p95FirstTouchMs,
    breaches: s.breaches,
    accepted: s.accepted,
    rejected: s.rejected,
    acceptanceRate: s.acceptanceRate,
    dispositions: s.dispositions,
    targets: s.targets.map((t) => ({ ...t, missed: t.sample - t.within, pending: 0 })),
    meetsTargets: s.meetsTargets,
  });
  const sections = (record: Record<string, legacy.ComplianceSection>) => {
    const result = dict<ReturnType<typeof convert>>();
    for (const key of Object.keys(record)) result[key] = convert(record[key]);
    return result;
  };
  return { ...convert(old), byTier: sections(old.byTier), byOwner: sections(old.byOwner), byPool: dict() };
}
