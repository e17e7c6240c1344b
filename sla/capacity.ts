// What the ops team can take on: the leads its available reps can hold at once (their capacity caps; reps out of
// office hold nothing new) against the leads they hold and the leads expected before the next check at the
// recent arrival rate. Spend that would bring more leads than the reps can touch inside the SLA is not raised,
// and a shortfall is a reason to hold or reduce pace before compliance breaks.
import type { CampaignConfig } from './config';
import { getOwn } from './dict';

export interface OpsCapacity {
  /** Leads the available reps can hold at once. */
  capacity: number;
  /** Leads those reps hold now. */
  held: number;
  /** Leads expected before the next check at the arrival rate of the trailing window. */
  expectedArrivals: number;
  /** capacity − held − expectedArrivals: negative when the reps cannot take what is coming. */
  headroom: number;
}

/** Cumulative leads admitted, as counted at a check (epoch ms). */
export interface ArrivalPoint {
  at: number;
  leads: number;
}

/** Leads per millisecond over the points given (the earliest to the latest); 0 without two usable points. */
export function arrivalRate(points: readonly ArrivalPoint[]): number {
  const sorted = [...points].sort((a, b) => a.at - b.at);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (!first || last.at <= first.at || last.leads < first.leads) return 0;
  return (last.leads - first.leads) / (last.at - first.at);
}

export function opsCapacity(
  config: CampaignConfig,
  ownerLoad: Readonly<Record<string, number>>,
  arrivalsPerMs: number,
  horizonMs: number,
): OpsCapacity {
  const reps = new Map<string, number>();
  for (const pool of Object.values(config.responseSla.pools)) {
    for (const rep of pool.reps) if (!rep.outOfOffice) reps.set(rep.id, Math.max(reps.get(rep.id) ?? 0, rep.capacity));
  }
  let capacity = 0;
  let held = 0;
  for (const [id, cap] of reps) {
    capacity += cap;
    held += Math.min(cap, getOwn(ownerLoad, id) ?? 0);
  }
  const expectedArrivals = arrivalsPerMs * horizonMs;
  return { capacity, held, expectedArrivals, headroom: capacity - held - expectedArrivals };
}
