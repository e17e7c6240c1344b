// Pacing of a total campaign budget: the share of the budget spent against the share of the flight elapsed,
// judged by a band that tightens toward the flight end (wide early, when one day's noise moves the figures; narrow
// at the end, when there is no time left to correct), and the spend the flight ends with at the pace so far.

/** Allowed deviation of the pace from even, in %, at the flight start and at its end (linear in between). */
export interface PacingBand {
  startPct: number;
  endPct: number;
}

const DEFAULT_PACING_BAND: PacingBand = { startPct: 25, endPct: 1 };

type PacingStatus = 'not-started' | 'under' | 'on-pace' | 'over';

export interface Pacing {
  spentPct: number;
  elapsedPct: number;
  /** spentPct ÷ elapsedPct: 1 is even pacing; null before the flight starts. */
  ratio: number | null;
  /** How far the ratio may stray from 1 at this point of the flight, in %. */
  bandPct: number;
  status: PacingStatus;
  /** Spend at the flight end if it goes on at the pace so far (Google stops at the total budget). */
  projectedSpend: number | null;
  /** When the budget runs out at the pace so far, if before the flight end (epoch ms). */
  budgetRunsOutAt: number | null;
}

export function pacing(
  input: { spend: number; budget: number; windowStart: number; windowEnd: number; now: number },
  band: PacingBand = DEFAULT_PACING_BAND,
): Pacing {
  const { spend, budget, windowStart, windowEnd, now } = input;
  const length = windowEnd - windowStart;
  const elapsed = length > 0 ? Math.min(1, Math.max(0, (now - windowStart) / length)) : 0;
  const bandPct = band.startPct + (band.endPct - band.startPct) * elapsed;
  const spentPct = budget > 0 ? (spend / budget) * 100 : 0;
  if (elapsed === 0) {
    return {
      spentPct,
      elapsedPct: 0,
      ratio: null,
      bandPct,
      status: 'not-started',
      projectedSpend: null,
      budgetRunsOutAt: null,
    };
  }
  const ratio = spentPct / (elapsed * 100);
  const projected = spend / elapsed;
  const runsOut = spend > 0 && projected > budget ? windowStart + (budget / spend) * (now - windowStart) : null;
  return {
    spentPct,
    elapsedPct: elapsed * 100,
    ratio,
    bandPct,
    status: ratio > 1 + bandPct / 100 ? 'over' : ratio < 1 - bandPct / 100 ? 'under' : 'on-pace',
    projectedSpend: Math.min(projected, budget),
    budgetRunsOutAt: runsOut !== null && runsOut < windowEnd ? Math.round(runsOut) : null,
  };
}
