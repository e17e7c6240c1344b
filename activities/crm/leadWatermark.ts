// The durable poll position for change reads (campaign members, activities, status history): the highest
// SystemModstamp (or CreatedDate) handed out, plus the keys already handed out inside the overlap window.
//
// Why not CreatedDate + Id: a lead added to the campaign later, a backdated import (audit fields) or a
// record whose transaction committed after the previous poll would sort before that position and be
// missed for good. Each read goes back `overlap` before the high-water mark and drops the keys it has
// already handed out, so late commits inside the overlap are found and nothing is delivered twice.
//
// The keys are never cut short: a burst larger than one read (a list import stamped in one second) drains a
// read at a time, each one's LIMIT leaving room for every key it will find again, and a key forgotten inside the
// window would be handed out twice. Keys leave only once their stamp falls out of the window.
import { DateTime } from 'luxon';

export interface ChangeWatermark {
  at: string; // ISO, UTC: the highest stamp handed out
  /** Keys handed out whose stamp is within the overlap window before `at` (or after it, past a cut). */
  seen: string[];
  /**
   * The upper bound (whole seconds, ISO) of the reads that wrote it: nothing stamped later was read. A meeting booked
   * ahead that starts after it comes in the next read. Absent from watermarks of earlier releases (read up to "now").
   */
  until?: string;
}

export interface StampedRow {
  key: string;
  stamp: string; // ISO
}

const SEPARATOR = '|';

/** "v3|<at>|<until>|<keys>" with an upper bound, else the "v2|<at>|<keys>" earlier releases read and write. */
export function encodeWatermark(watermark: ChangeWatermark): string {
  const keys = watermark.seen.join(',');
  return watermark.until === undefined
    ? ['v2', watermark.at, keys].join(SEPARATOR)
    : ['v3', watermark.at, watermark.until, keys].join(SEPARATOR);
}

/**
 * Reads v3 and the v2 of earlier releases (workflows carry their watermark across deploys); the v1 form
 * "<ISO CreatedDate>|<Lead Id>" resumes from its time with nothing seen, so a running campaign keeps going
 * (re-delivered leads are deduplicated downstream).
 */
export function decodeWatermark(text: string): ChangeWatermark {
  const parts = text.split(SEPARATOR);
  const keys = (list: string) => (list === '' ? [] : list.split(','));
  if (parts.length === 4 && parts[0] === 'v3' && isIso(parts[1]) && isIso(parts[2])) {
    return { at: parts[1], until: parts[2], seen: keys(parts[3]) };
  }
  if (parts.length === 3 && parts[0] === 'v2' && isIso(parts[1])) return { at: parts[1], seen: keys(parts[2]) };
  if (parts.length === 2 && DateTime.fromISO(parts[0]).isValid && parts[1] !== '') return { at: parts[0], seen: [] };
  throw new Error(
    `watermark must look like "v3|<ISO time>|<ISO time>|<keys>", got ${JSON.stringify(text.slice(0, 80))}`,
  );
}

function isIso(text: string): boolean {
  return DateTime.fromISO(text).isValid;
}

/** The stamp a read must start from (inclusive) to catch records committed late. */
export function readFrom(watermark: ChangeWatermark, overlapMs: number): string {
  return new Date(Date.parse(watermark.at) - overlapMs).toISOString();
}

/**
 * Splits what a read returned into rows not handed out before (each key once), and the next watermark.
 * `cutAt` is the stamp a LIMIT cut the read at, null when it read everything: the mark then stays at the cut, so
 * the rows beyond it are read again next time, and keys handed out before that this read did not reach are kept.
 * `until` is the read's upper bound, kept for the next read (never moving back).
 */
export function advanceWatermark<T extends StampedRow>(
  previous: ChangeWatermark | null,
  rows: T[],
  overlapMs: number,
  cutAt: string | null = null,
  until: string | null = null,
): { fresh: T[]; watermark: ChangeWatermark | null } {
  const seen = new Set(previous?.seen ?? []);
  const fresh: T[] = [];
  const handedOut = new Set<string>();
  for (const row of rows) {
    if (seen.has(row.key) || handedOut.has(row.key)) continue;
    handedOut.add(row.key);
    fresh.push(row);
  }
  const stamps = rows.map((row) => Date.parse(row.stamp));
  if (previous) stamps.push(Date.parse(previous.at));
  if (stamps.length === 0) return { fresh, watermark: null };
  let at = Math.max(...stamps);
  // A cut read holds the mark at its cut, but never below the mark it started from: the next read must reach
  // back to the cut, and one from the previous mark does (the cut lies inside what it read), while a mark moved
  // back would widen the window over records whose keys it already let go of, and hand them out again.
  if (cutAt !== null) at = Math.max(previous ? Date.parse(previous.at) : -Infinity, Math.min(at, Date.parse(cutAt)));
  const windowStart = at - overlapMs;
  const keep = new Set<string>();
  for (const row of rows) if (Date.parse(row.stamp) >= windowStart) keep.add(row.key);
  // A cut read may have stopped before rows it handed out earlier: they are still in the window.
  if (cutAt !== null) {
    const read = new Set(rows.map((row) => row.key));
    for (const key of seen) if (!read.has(key)) keep.add(key);
  }
  const bound = laterOf(previous?.until, until ?? undefined);
  return {
    fresh,
    watermark: { at: new Date(at).toISOString(), seen: [...keep], ...(bound === undefined ? {} : { until: bound }) },
  };
}

function laterOf(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}
