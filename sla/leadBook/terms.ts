// The terms a lead's clocks run under: the config version it was admitted with, its tier, and
// deadline arithmetic in wall or business time.
import { addBusinessMs, businessMsBetween, type BusinessCalendar } from '../calendar';
import type { CampaignConfig, TierConfig } from '../config';
import type { BookContext, LeadState } from './state';
import { getOwn } from '../dict';
import type { PoolOf, TierTime } from '../compliance';

export function configOf(ctx: BookContext, lead: LeadState): CampaignConfig {
  return ctx.configs[lead.configVersion] ?? ctx.configs[ctx.currentVersion];
}

export function tierOf(config: CampaignConfig, tier: string): TierConfig {
  const found = getOwn(config.responseSla.tiers, tier);
  if (!found) throw new Error(`unknown tier "${tier}"`);
  return found;
}

/** A clock's time arithmetic: reaching a point a duration on, and measuring the time between two points. */
export interface TimeBase {
  add(start: number, ms: number): number;
  between(from: number, to: number): number;
}

export const wallTime: TimeBase = { add: (start, ms) => start + ms, between: (from, to) => Math.max(0, to - from) };

/** Wall time, or business time on the named calendar of the contract. */
export function timeBase(config: CampaignConfig, clock: 'wall' | 'business', calendarName: string): TimeBase {
  if (clock === 'wall') return wallTime;
  const calendar = calendarNamed(config, calendarName);
  return {
    add: (start, ms) => addBusinessMs(start, ms, calendar),
    between: (from, to) => businessMsBetween(from, to, calendar),
  };
}

/** Deadline arithmetic in wall or business time. */
export function addTime(
  config: CampaignConfig,
  tier: TierConfig,
  clock: 'wall' | 'business',
  start: number,
  ms: number,
): number {
  // No TimeBase made: intake reaches two deadlines per lead.
  if (clock === 'wall') return wallTime.add(start, ms);
  return addBusinessMs(start, ms, calendarNamed(config, tier.calendar));
}

/** A calendar the contract names (config validation makes sure every name it uses exists). */
const calendarNamed = (config: CampaignConfig, name: string) => getOwn(config.calendars, name) as BusinessCalendar;

/** Time to first touch, in business time where the tier counts business time. */
export function elapsedForTier(config: CampaignConfig, tierName: string, from: number, to: number): number {
  const tier = tierOf(config, tierName);
  return timeBase(config, tier.clock, tier.calendar).between(from, to);
}

/** The tiers' time base for the SLA figures: wall or business time, per the tier's clock. */
export function tierTime(config: CampaignConfig): TierTime {
  return {
    elapsed: (tier, from, to) => elapsedForTier(config, tier, from, to),
    reach: (tier, from, ms) => {
      const found = tierOf(config, tier);
      return addTime(config, found, found.clock, from, ms);
    },
  };
}

/** Every rep of the contract's pools, once each. */
export function contractRepIds(config: CampaignConfig): string[] {
  return [...new Set(Object.values(config.responseSla.pools).flatMap((pool) => pool.reps.map((rep) => rep.id)))];
}

/** The pool a rep belongs to (the first that lists them), for the per-pool figures. */
export function poolOfRep(config: CampaignConfig): PoolOf {
  let pools = poolsByConfig.get(config);
  if (!pools) {
    pools = new Map<string, string>();
    for (const [name, pool] of Object.entries(config.responseSla.pools)) {
      for (const rep of pool.reps) if (!pools.has(rep.id)) pools.set(rep.id, name);
    }
    poolsByConfig.set(config, pools);
  }
  const found = pools;
  return (ownerId) => found.get(ownerId);
}

const poolsByConfig = new WeakMap<CampaignConfig, Map<string, string>>();
