// The durable poll position for change reads (campaign members, activities, status history): the highest
// SystemModstamp (or CreatedDate) handed out, plus the keys already handed out inside the overlap window.
//
// Why not CreatedDate + Id: a lead added to the campaign later, a backdated import (audit fields) or a
// record whose transaction committed after the previous poll would sort before that position and be
// missed for good. Each read goes back `overlap` before the high-water mark and drops the keys it has
// already handed out, so late commits inside the overlap are found and nothing is delivered twice.
import { DateTime } from 'luxon';

export interface ChangeWatermark {
  at: string; // ISO, UTC: the highest stamp handed out
  /** Keys handed out whose stamp is within the overlap window before `at`. */
  seen: string[];
}

export interface StampedRow {
  key: string;
  stamp: string; // ISO
}

const VERSION = 'v2';
const SEPARATOR = '|';
/** Past this many keys the oldest are forgotten: a forgotten key can be re-delivered (callers dedupe), never missed. */
const MAX_SEEN_KEYS = 2_000;

export function encodeWatermark(watermark: ChangeWatermark): string {
  return [VERSION, watermark.at, watermark.seen.join(',')].join(SEPARATOR);
}

/**
 * Reads a v2 watermark; the v1 form "<ISO CreatedDate>|<Lead Id>" of earlier releases resumes from its
 * time with nothing seen, so a running campaign keeps going (re-delivered leads are deduplicated downstream).
 */
export function decodeWatermark(text: string): ChangeWatermark {
  const parts = text.split(SEPARATOR);
  if (parts.length === 3 && parts[0] === VERSION && DateTime.fromISO(parts[1]).isValid) {
    return { at: parts[1], seen: parts[2] === '' ? [] : parts[2].split(',') };
  }
  if (parts.length === 2 && DateTime.fromISO(parts[0]).isValid && parts[1] !== '') return { at: parts[0], seen: [] };
  throw new Error(`watermark must look like "v2|<ISO time>|<keys>", got ${JSON.stringify(text.slice(0, 80))}`);
}

/** The stamp a read must start from (inclusive) to catch records committed late. */
export function readFrom(watermark: ChangeWatermark, overlapMs: number): string {
  return new Date(Date.parse(watermark.at) - overlapMs).toISOString();
}

/**
 * Splits what a read returned into rows not handed out before, and the next watermark. `complete`
 * is false when the read was cut by a LIMIT at `cutAt`: the mark then stays at the cut, so the
 * rows beyond it are read again next time.
 */
export function advanceWatermark<T extends StampedRow>(
  previous: ChangeWatermark | null,
  rows: T[],
  overlapMs: number,
  cutAt: string | null = null,
): { fresh: T[]; watermark: ChangeWatermark | null } {
  const seen = new Set(previous?.seen ?? []);
  const fresh = rows.filter((row) => !seen.has(row.key));
  const stamps = rows.map((row) => Date.parse(row.stamp));
  if (previous) stamps.push(Date.parse(previous.at));
  if (stamps.length === 0) return { fresh, watermark: null };
  let at = Math.max(...stamps);
  if (cutAt !== null) at = Math.min(at, Date.parse(cutAt));
  const windowStart = at - overlapMs;
  const keep = rows
    .filter((row) => Date.parse(row.stamp) >= windowStart)
    .sort((a, b) => Date.parse(b.stamp) - Date.parse(a.stamp))
    .map((row) => row.key);
  return {
    fresh,
    watermark: { at: new Date(at).toISOString(), seen: [...new Set(keep)].slice(0, MAX_SEEN_KEYS) },
  };
}
