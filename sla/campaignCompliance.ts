// Binds the compliance accumulators to a campaign's lead book and config. The holder object stays the
// same across a quarter reset, so observers registered on it keep working.
import {
  initialComplianceAccumulator,
  recordBreach,
  recordBreachRetracted,
  recordClosedUntouched,
  recordDisposition,
  recordFirstTouch,
  recordLeadOpened,
  slaHealth,
  summarizeCompliance,
  type ComplianceAccumulator,
  type ComplianceGroup,
  type ComplianceSummary,
  type OpenLead,
  type SlaHealth,
} from './compliance';
import type { CampaignConfig } from './config';
import { elapsedForTier, type LeadBook, type LeadState } from './leadBook';
import { type ClockKind } from './clockKind';
import { dict, getOwn, toDict } from './dict';

export interface CampaignCompliance {
  acc: ComplianceAccumulator;
}

export function createCompliance(config: CampaignConfig): CampaignCompliance {
  return { acc: initialComplianceAccumulator(config.responseSla.compliance.map((t) => t.within)) };
}

/** Restores null-prototype maps after a carry-over came through JSON (which gives every object Object.prototype). */
export function reviveCompliance(holder: CampaignCompliance): CampaignCompliance {
  const reviveGroup = (group: ComplianceGroup): ComplianceGroup => ({
    ...group,
    touchedWithin: toDict(group.touchedWithin),
    dispositions: toDict(group.dispositions),
  });
  const groups = (record: Record<string, ComplianceGroup>) => {
    const revived = dict<ComplianceGroup>();
    for (const key of Object.keys(record)) revived[key] = reviveGroup(record[key]);
    return revived;
  };
  return {
    acc: {
      ...holder.acc,
      overall: reviveGroup(holder.acc.overall),
      byTier: groups(holder.acc.byTier),
      byOwner: groups(holder.acc.byOwner),
    },
  };
}

export function resetCompliance(holder: CampaignCompliance, config: CampaignConfig, openLeads: LeadState[]): void {
  holder.acc = createCompliance(config).acc;
  for (const lead of openLeads) holder.acc = recordLeadOpened(holder.acc, lead);
}

export function noteLeadOpened(holder: CampaignCompliance, lead: LeadState): void {
  holder.acc = recordLeadOpened(holder.acc, lead);
}

export function noteFirstTouch(holder: CampaignCompliance) {
  return (lead: LeadState, elapsedMs: number): void => {
    holder.acc = recordFirstTouch(holder.acc, { tier: lead.tier, ownerId: lead.ownerId, elapsedMs });
  };
}

export function noteDisposition(holder: CampaignCompliance) {
  return (lead: LeadState, decision: 'accept' | 'reject', reason: string | undefined): void => {
    holder.acc = recordDisposition(holder.acc, { tier: lead.tier, ownerId: lead.ownerId, decision, reason });
  };
}

export function noteClosedUntouched(holder: CampaignCompliance, lead: LeadState): void {
  holder.acc = recordClosedUntouched(holder.acc, lead);
}

export function noteBreach(holder: CampaignCompliance, lead: LeadState, clock: ClockKind): void {
  holder.acc = recordBreach(holder.acc, { tier: lead.tier, ownerId: lead.ownerId, clock });
}

export function noteBreachRetracted(
  holder: CampaignCompliance,
  lead: LeadState,
  clock: ClockKind,
  breachedOwnerId: string,
): void {
  holder.acc = recordBreachRetracted(holder.acc, { tier: lead.tier, ownerId: breachedOwnerId, clock });
}

export interface ComplianceState {
  summary: ComplianceSummary;
  health: SlaHealth;
  /** "within <ms>" -> actual share, for velocity snapshots. */
  byTarget: Record<string, number>;
  /** Share for the first (tightest) target; what the ResponseCompliance search attribute shows. */
  primaryShare: number | null;
}

/**
 * Summary including open, untouched leads. Business time is computed only for leads whose wall-clock
 * age already passes the smallest target: business age never exceeds wall age, so the rest cannot count.
 */
export function complianceForState(
  holder: CampaignCompliance,
  book: LeadBook,
  config: CampaignConfig,
  now: number,
): ComplianceState {
  // An amendment may change targets mid-quarter; only thresholds tracked since the quarter began can be scored.
  const targets = config.responseSla.compliance
    .map((t) => ({ withinMs: t.within, target: t.target }))
    .filter((t) => holder.acc.trackedWithinMs.includes(t.withinMs));
  const smallest = Math.min(Infinity, ...targets.map((t) => t.withinMs));
  const open: OpenLead[] = [];
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
  const summary = summarizeCompliance(holder.acc, targets, open);
  const byTarget = dict<number>();
  for (const t of summary.targets) if (t.actual !== null) byTarget[`within${t.withinMs}`] = t.actual;
  return { summary, health: slaHealth(summary), byTarget, primaryShare: summary.targets[0]?.actual ?? null };
}
