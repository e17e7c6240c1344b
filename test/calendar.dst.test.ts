// Business time across tz transitions against a brute-force reference: an instant is business time when its local
// wall-clock reading (luxon's reading of the instant, which is unambiguous) falls inside a window of its local date.
// Before patch wall-clock-dst, window edges were resolved by luxon on their own (the later offset in an overlap): a
// 24/7 calendar in America/Havana counted 60 of the 120 minutes around its fall-back at midnight.
import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  addBusinessMs,
  businessMsBetween,
  isBusinessTime,
  keepLegacyDstRule,
  type BusinessCalendar,
} from '../sla/calendar';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
// Transitions at 00:00 (Havana, Santiago, Asuncion), 01:00 UTC (London), 02:00 (New York), 30 minutes (Lord Howe),
// east of UTC (Chatham, Lord Howe), and none (Tokyo).
const ZONES = [
  'America/Havana',
  'America/Santiago',
  'America/Asuncion',
  'Europe/London',
  'America/New_York',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Asia/Tokyo',
];

/** The instants in 2026 where the zone's offset changes. */
function transitions(zone: string): number[] {
  const z = IANAZone.create(zone);
  const found: number[] = [];
  for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += HOUR)
    if (z.offset(t) !== z.offset(t + HOUR)) found.push(t);
  return found;
}

const windowsArb = fc.uniqueArray(fc.integer({ min: 0, max: 96 }), { minLength: 2, maxLength: 6 }).map((edges) => {
  const sorted = [...edges].sort((a, b) => a - b);
  const pairs: [number, number][] = [];
  for (let i = 0; i + 1 < sorted.length; i += 2) pairs.push([sorted[i] * 15, sorted[i + 1] * 15]);
  return pairs;
});
const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

function calendarOf(zone: string, windows: [number, number][]): BusinessCalendar {
  const hours = windows.map(([s, e]) => [hhmm(s), hhmm(e)] as [string, string]);
  return { timezone: zone, hours: Object.fromEntries(DAYS.map((d) => [d, hours])) };
}

/** The reference: the instant's local reading inside a window (every day has the same windows). */
function reference(zone: string, windows: [number, number][], at: number): boolean {
  const local = DateTime.fromMillis(at, { zone });
  const minute = local.hour * 60 + local.minute;
  return windows.some(([s, e]) => s <= minute && minute < e);
}

describe('business time across tz transitions (wall-clock membership)', () => {
  it('isBusinessTime, businessMsBetween and addBusinessMs agree with the local reading, minute by minute', () => {
    const cases = ZONES.flatMap((zone) => transitions(zone).map((at) => ({ zone, at })));
    expect(cases.length).toBeGreaterThan(10);
    fc.assert(
      fc.property(fc.constantFrom(...cases), windowsArb, ({ zone, at }, windows) => {
        const calendar = calendarOf(zone, windows);
        const from = Math.floor(at / HOUR) * HOUR - 30 * HOUR;
        let expected = 0;
        for (let t = from; t < from + 60 * HOUR; t += MINUTE) {
          const inside = reference(zone, windows, t);
          expect(isBusinessTime(new Date(t), calendar), `${zone} ${new Date(t).toISOString()}`).toBe(inside);
          if (inside) expected += MINUTE;
        }
        expect(businessMsBetween(from, from + 60 * HOUR, calendar)).toBe(expected);
        if (expected > 0) {
          const reached = addBusinessMs(from, expected, calendar);
          expect(businessMsBetween(from, reached, calendar)).toBe(expected);
          expect(reference(zone, windows, reached - MINUTE)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('a 24/7 calendar counts wall time through a fall-back at midnight; a calendar kept on the old rule does not', () => {
    const always: [string, string][] = [['00:00', '24:00']];
    const havana = (): BusinessCalendar => ({
      timezone: 'America/Havana',
      hours: Object.fromEntries(DAYS.map((d) => [d, always])),
    });
    const [from, to] = [Date.parse('2026-11-01T04:00:00Z'), Date.parse('2026-11-01T06:00:00Z')];
    expect(businessMsBetween(from, to, havana())).toBe(2 * HOUR);
    expect(isBusinessTime(new Date('2026-11-01T04:30:00Z'), havana())).toBe(true);
    const legacy = havana();
    keepLegacyDstRule(legacy);
    expect(businessMsBetween(from, to, legacy)).toBe(HOUR);
    expect(isBusinessTime(new Date('2026-11-01T04:30:00Z'), legacy)).toBe(false);
  });
});
