// Conversion forecasts and the ratios the SLA is judged by (velocity, CPL, burn, conversion rate).
// Times are epoch milliseconds so snapshots stay plain JSON. Ratios with a zero denominator are null
// rather than Infinity/NaN: "no data yet" must not look like a breach.

/**
 * Share of a window's conversions expected in each of its equal slices (e.g. 10 slices for 10 days).
 * Need not sum to 1; it is normalised.
 */
export type BaselineCurve = number[];

export interface ForecastInput {
  windowStart: number;
  windowEnd: number;
  now: number;
  targetConversions: number;
  baselineCurve?: BaselineCurve;
}

export interface Forecast {
  /** target × elapsed fraction of the window. */
  linear: number;
  /** target × cumulative share of the baseline curve at the elapsed fraction; equals `linear` without a curve. */
  curve: number;
}

/** Checks that `values` are non-negative with a positive total, and returns the total. */
function positiveTotal(values: number[], name: string): number {
  if (values.length === 0) throw new Error(`${name} must have at least one entry`);
  values.forEach((value, i) => {
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`${name}[${i}] must be a finite number >= 0, got ${value}`);
  });
  const total = values.reduce((sum, value) => sum + value, 0);
  if (total === 0) throw new Error(`${name} must have a positive total; every entry is 0`);
  return total;
}

/** Fraction of the window elapsed at `now`, clamped to [0, 1]. */
export function elapsedFraction(windowStart: number, windowEnd: number, now: number): number {
  if (!(windowEnd > windowStart)) {
    throw new Error(`windowEnd (${windowEnd}) must be after windowStart (${windowStart})`);
  }
  return Math.min(1, Math.max(0, (now - windowStart) / (windowEnd - windowStart)));
}

/**
 * Cumulative share of the curve at `fraction` of the window: whole slices before it plus the covered
 * part of the current slice (linear within a slice).
 */
export function cumulativeShare(curve: BaselineCurve, fraction: number): number {
  const total = positiveTotal(curve, 'baselineCurve');
  const position = Math.min(1, Math.max(0, fraction)) * curve.length;
  const whole = Math.min(curve.length, Math.floor(position));
  let share = 0;
  for (let i = 0; i < whole; i++) share += curve[i];
  if (whole < curve.length) share += (position - whole) * curve[whole];
  return share / total;
}

export function forecastToDate({
  windowStart,
  windowEnd,
  now,
  targetConversions,
  baselineCurve,
}: ForecastInput): Forecast {
  if (!Number.isFinite(targetConversions) || targetConversions < 0) {
    throw new Error(`targetConversions must be a finite number >= 0, got ${targetConversions}`);
  }
  const fraction = elapsedFraction(windowStart, windowEnd, now);
  const linear = targetConversions * fraction;
  const curve = baselineCurve ? targetConversions * cumulativeShare(baselineCurve, fraction) : linear;
  return { linear, curve };
}

/**
 * Resamples historic daily conversion counts into `slices` equal slices of the same span and
 * normalises them to shares summing to 1. Each day counts as spread evenly over that day, so a slice
 * straddling two days takes the matching part of each.
 */
export function fitBaselineCurve(dailyHistoricConversions: number[], slices: number): BaselineCurve {
  if (!Number.isInteger(slices) || slices < 1) throw new Error(`slices must be a positive integer, got ${slices}`);
  const total = positiveTotal(dailyHistoricConversions, 'dailyHistoricConversions');
  const days = dailyHistoricConversions.length;
  const curve: number[] = [];
  for (let s = 0; s < slices; s++) {
    // Slice s covers days [from, to) of the history.
    const from = (s * days) / slices;
    const to = ((s + 1) * days) / slices;
    let amount = 0;
    for (let d = Math.floor(from); d < Math.min(days, Math.ceil(to)); d++) {
      const overlap = Math.min(to, d + 1) - Math.max(from, d);
      amount += overlap * dailyHistoricConversions[d];
    }
    curve.push(amount / total);
  }
  return curve;
}

/** actual / forecast, e.g. 0.65 for 65% of forecast; null when nothing was forecast yet. */
export function velocity(actual: number, forecast: number): number | null {
  return forecast === 0 ? null : actual / forecast;
}

/** The acceptable cost-per-lead band: target ± tolerancePct%. */
export function cplBand(target: number, tolerancePct: number): { low: number; high: number } {
  if (!Number.isFinite(target) || target <= 0) throw new Error(`CPL target must be a positive number, got ${target}`);
  if (!Number.isFinite(tolerancePct) || tolerancePct < 0 || tolerancePct > 100) {
    throw new Error(`CPL tolerancePct must be within [0, 100], got ${tolerancePct}`);
  }
  return { low: (target * (100 - tolerancePct)) / 100, high: (target * (100 + tolerancePct)) / 100 };
}

/** Cost per lead; null with no conversions. */
export function cpl(spend: number, conversions: number): number | null {
  return conversions === 0 ? null : spend / conversions;
}

/** Share of the budget spent, in percent; null for a zero budget. */
export function burnPct(spend: number, budget: number): number | null {
  return budget === 0 ? null : (spend / budget) * 100;
}

/** conversions / clicks; null with no clicks. */
export function conversionRate(conversions: number, clicks: number): number | null {
  return clicks === 0 ? null : conversions / clicks;
}
