// The terms a lead's clocks run under: the config version it was admitted with, its tier, and
// deadline arithmetic in wall or business time.
import { addBusinessTime, businessTimeBetween, type BusinessCalendar } from '../calendar';
import type { CampaignConfig, TierConfig } from '../config';
import type { BookContext, LeadState } from './state';
import { getOwn } from '../dict';

export function configOf(ctx: BookContext, lead: LeadState): CampaignConfig {
  return ctx.configs[lead.configVersion] ?? ctx.configs[ctx.currentVersion];
}

export function tierOf(config: CampaignConfig, tier: string): TierConfig {
  const found = getOwn(config.responseSla.tiers, tier);
  if (!found) throw new Error(`unknown tier "${tier}"`);
  return found;
}

function calendarFor(config: CampaignConfig, tier: TierConfig): BusinessCalendar {
  return getOwn(config.calendars, tier.calendar) as BusinessCalendar;
}

/** Deadline arithmetic in wall or business time. */
export function addTime(
  config: CampaignConfig,
  tier: TierConfig,
  clock: 'wall' | 'business',
  start: number,
  ms: number,
): number {
  if (clock === 'wall') return start + ms;
  return addBusinessTime(new Date(start), ms, calendarFor(config, tier)).getTime();
}

/** Time to first touch, in business time where the tier counts business time. */
export function elapsedForTier(config: CampaignConfig, tierName: string, from: number, to: number): number {
  const tier = tierOf(config, tierName);
  if (tier.clock === 'wall') return Math.max(0, to - from);
  return businessTimeBetween(new Date(from), new Date(to), calendarFor(config, tier));
}
