// Weighted round-robin reassignment of leads within a rep pool.
// Uses smooth weighted round-robin (as in nginx): each pick, every eligible rep's running score grows
// by its weight, the highest score wins and pays back the total weight. Over any run of picks each rep
// gets its weight's share, interleaved (weights 2:1 give a, b, a, a, b, a …) rather than in bursts.
// The state is a plain JSON record so it survives Temporal continue-as-new.
import { dict, getOwn } from './dict';

interface RoundRobinRep {
  id: string;
  /** Relative share of assignments; 0 takes the rep out of rotation. */
  weight: number;
  /** Most open leads the rep may hold. */
  capacity: number;
  outOfOffice: boolean;
}

export interface RoundRobinPool {
  reps: RoundRobinRep[];
}

export interface RoundRobinState {
  /** Rep id -> running score. Reps no longer in the pool are dropped on the next pick. */
  scores: Record<string, number>;
}

export interface PickOptions {
  /** Pool name, used in explanations. */
  poolName: string;
  /** The lead's current owner, who must not get it back. */
  excludeRepId?: string;
  /** Rep id -> open leads currently held; missing reps hold none. */
  load: Record<string, number>;
  /** Why a rep cannot take a lead now beyond the pool's own flags (away, hours, out of rotation); null if it can. */
  unavailable?: (repId: string) => string | null;
}

export type PickResult = { repId: string; state: RoundRobinState } | { repId: null; reason: string };

export function initialRoundRobinState(): RoundRobinState {
  return { scores: dict() };
}

/** Why `rep` cannot take the lead, or null when it can. */
function ineligibility(rep: RoundRobinRep, opts: PickOptions): string | null {
  if (rep.id === opts.excludeRepId) return 'current owner';
  if (rep.outOfOffice) return 'out of office';
  const unavailable = opts.unavailable?.(rep.id);
  if (unavailable) return unavailable;
  const load = getOwn(opts.load, rep.id) ?? 0;
  if (load >= rep.capacity) return `at capacity ${load}/${rep.capacity}`;
  if (rep.weight === 0) return 'weight 0';
  return null;
}

function validatePool(pool: RoundRobinPool, poolName: string): void {
  pool.reps.forEach((rep, i) => {
    if (!Number.isFinite(rep.weight) || rep.weight < 0) {
      throw new Error(
        `pool "${poolName}" reps[${i}] (${rep.id}).weight must be a finite number >= 0, got ${rep.weight}`,
      );
    }
    if (!Number.isFinite(rep.capacity) || rep.capacity < 0) {
      throw new Error(
        `pool "${poolName}" reps[${i}] (${rep.id}).capacity must be a finite number >= 0, got ${rep.capacity}`,
      );
    }
  });
}

export function pickNextRep(pool: RoundRobinPool, state: RoundRobinState, opts: PickOptions): PickResult {
  validatePool(pool, opts.poolName);
  if (pool.reps.length === 0) return { repId: null, reason: `pool "${opts.poolName}" has no reps` };

  const eligible = pool.reps.filter((rep) => ineligibility(rep, opts) === null);
  if (eligible.length === 0) {
    const why = pool.reps.map((rep) => `${rep.id} (${ineligibility(rep, opts)})`).join(', ');
    return {
      repId: null,
      reason: `no rep in pool "${opts.poolName}" can take the lead: ${why}`,
    };
  }

  // Ineligible reps keep their score untouched, as in nginx, so they resume their share when back.
  const scores = dict<number>();
  for (const rep of pool.reps) scores[rep.id] = getOwn(state.scores, rep.id) ?? 0;
  let totalWeight = 0;
  let best = eligible[0];
  for (const rep of eligible) {
    scores[rep.id] += rep.weight;
    totalWeight += rep.weight;
    // Strictly greater: ties go to the rep listed first, keeping picks deterministic.
    if (scores[rep.id] > scores[best.id]) best = rep;
  }
  scores[best.id] -= totalWeight;
  return { repId: best.id, state: { scores } };
}
