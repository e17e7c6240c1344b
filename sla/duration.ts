import { z } from 'zod';

// Human-readable durations ("24h", "1h30m", "500ms") as used in campaign configs, converted to milliseconds.

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;

// Largest unit first, so formatDuration output reads naturally and parsing can insist on that order.
const UNITS_DESCENDING: Unit[] = ['d', 'h', 'm', 's', 'ms'];

// One or more "<integer><unit>" parts; "ms" must be tried before "m".
const DURATION_PATTERN = /^(?:\d+(?:ms|d|h|m|s))+$/;
const DURATION_PART = /(\d+)(ms|d|h|m|s)/g;

const DURATION_HINT = 'expected a duration like "24h"';

/** Parses "90s", "15m", "1h30m", "2d", "500ms", "0s" into milliseconds. Units must appear at most once, largest first. */
export function parseDuration(text: string): number {
  const fail = (): never => {
    throw new Error(`${DURATION_HINT}, got ${JSON.stringify(text)}`);
  };
  if (!DURATION_PATTERN.test(text)) fail();

  let total = 0;
  let previousUnitRank = -1;
  for (const [, amount, unit] of text.matchAll(DURATION_PART)) {
    const rank = UNITS_DESCENDING.indexOf(unit as Unit);
    // "30m1h" or "1h1h" are almost certainly typos, not intentional sums.
    if (rank <= previousUnitRank) fail();
    previousUnitRank = rank;
    total += Number(amount) * UNIT_MS[unit as Unit];
  }
  if (!Number.isSafeInteger(total)) fail();
  return total;
}

/**
 * Formats milliseconds as the shortest duration string parseDuration accepts back, e.g. 5400000 -> "1h30m".
 * `largestUnit` "h" writes days as hours ("2080h"), as business time reads: a day of it is not 24 hours.
 */
export function formatDuration(ms: number, largestUnit: 'd' | 'h' = 'd'): string {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new RangeError(`formatDuration expects a non-negative whole number of milliseconds, got ${ms}`);
  }
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const unit of UNITS_DESCENDING.slice(UNITS_DESCENDING.indexOf(largestUnit))) {
    const amount = Math.floor(rest / UNIT_MS[unit]);
    if (amount > 0) text += `${amount}${unit}`;
    rest -= amount * UNIT_MS[unit];
  }
  return text;
}

/** A duration string in a config, parsed to milliseconds. */
// A missing value falls through to the caller's "required" message rather than the format hint.
export const durationSchema = z
  .string({ error: (issue) => (issue.input === undefined ? undefined : DURATION_HINT) })
  .transform((text, ctx) => {
    try {
      return parseDuration(text);
    } catch {
      ctx.issues.push({ code: 'custom', message: DURATION_HINT, input: text });
      return z.NEVER;
    }
  });

/** A duration that must be longer than zero (deadlines, intervals). */
export const positiveDurationSchema = durationSchema.refine((ms) => ms > 0, { error: 'must be longer than 0s' });
