// Whether a rep can take a new lead right now: out of office, away, outside working hours, out of rotation after
// too many breaches. Routing at intake and reassignment both ask this before the round-robin turn is taken.
import { isBusinessTime, type BusinessCalendar } from './calendar';
import type { CampaignConfig, RepConfig } from './config';
import { dict, getOwn, type Dict } from './dict';

/** Per rep: the times of recent breaches on their leads, and when an out-of-rotation spell ends. */
interface RotationRecord {
  breaches: number[];
  outUntil?: number;
}
export type RotationState = Dict<RotationRecord>;

export const emptyRotation = (): RotationState => dict();

const iso = (ms: number) => new Date(ms).toISOString();

/** What the campaign knows about its reps beyond the contract: rotation spells, and users the CRM deactivated. */
export interface RepFacts {
  rotation: RotationState;
  inactiveReps: readonly string[];
}

/** Why `rep` cannot take a new lead at `at`, or null when it can (capacity is the round-robin's own check). */
export function repUnavailability(config: CampaignConfig, rep: RepConfig, at: number, facts: RepFacts): string | null {
  if (rep.outOfOffice) return 'out of office';
  if (facts.inactiveReps.includes(rep.id)) return 'inactive in the CRM';
  const away = (rep.away ?? []).find((w) => Date.parse(w.from) <= at && at < Date.parse(w.to));
  if (away) return `away until ${away.to}`;
  if (rep.hours !== undefined) {
    const calendar = getOwn(config.calendars, rep.hours) as BusinessCalendar | undefined;
    if (calendar && !isBusinessTime(new Date(at), calendar)) return `outside working hours (${rep.hours})`;
  }
  const outUntil = getOwn(facts.rotation, rep.id)?.outUntil;
  if (outUntil !== undefined && at < outUntil) return `out of rotation until ${iso(outUntil)}`;
  return null;
}

/** The configured rep `repId` in `config`'s pools (the first that lists them), if any. */
export function findRep(config: CampaignConfig, repId: string): { rep: RepConfig; pool: string } | undefined {
  for (const [pool, { reps }] of Object.entries(config.responseSla.pools)) {
    const rep = reps.find((r) => r.id === repId);
    if (rep) return { rep, pool };
  }
  return undefined;
}

/**
 * Counts a breach against the rep who held the lead. With `routing.outOfRotation`, the rep's recent breaches are
 * kept, and once `breaches` of them fall within `within` of each other the rep is out of rotation until the last of
 * those plus `for`. Breaches reported late count at their own time (event time). Returns the end of a spell this
 * breach started, else undefined.
 */
export function noteRepBreach(
  rotation: RotationState,
  config: CampaignConfig,
  repId: string,
  at: number,
): number | undefined {
  const rule = config.responseSla.routing.outOfRotation;
  if (!rule || !findRep(config, repId)) return undefined;
  const record = getOwn(rotation, repId) ?? { breaches: [] };
  const times = [...record.breaches, at].sort((a, b) => a - b);
  const latest = times[times.length - 1];
  // At most `breaches` times, none older than one window before the latest: the state stays small.
  record.breaches = times.filter((t) => t > latest - rule.within).slice(-rule.breaches);
  rotation[repId] = record;
  const full = record.breaches.length === rule.breaches;
  if (!full || latest - record.breaches[0] >= rule.within) return undefined;
  const until = latest + rule.for;
  if (record.outUntil !== undefined && record.outUntil >= latest) return undefined;
  record.outUntil = until;
  record.breaches = [];
  return until;
}

/** A breach withdrawn (a touch reported late but made in time) no longer counts toward taking the rep out. */
export function retractRepBreach(rotation: RotationState, repId: string, at: number): void {
  const record = getOwn(rotation, repId);
  const index = record?.breaches.indexOf(at) ?? -1;
  if (record && index >= 0) record.breaches.splice(index, 1);
}
