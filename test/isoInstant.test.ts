// The arithmetic ISO instant formatter and parser against `Date` itself: the same string for every instant,
// the same refusal for every non-instant, and no string read back that `Date` would not print.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instantOfIso, isoInstant, parseInstant } from '../sla/isoInstant';

/** The reference: what `Date` prints, or the error it throws. */
function dateIso(ms: number): string {
  try {
    return new Date(ms).toISOString();
  } catch (err) {
    return `throws ${(err as Error).name}`;
  }
}
function ours(ms: number): string {
  try {
    return isoInstant(ms);
  } catch (err) {
    return `throws ${(err as Error).name}`;
  }
}
/** The reference parser: the canonical form only, and only when `Date` prints it back unchanged. */
function dateInstant(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) && new Date(ms).toISOString() === text ? ms : undefined;
}

const FIRST_FOUR_DIGIT_MS = Date.parse('0000-01-01T00:00:00.000Z');
const LAST_FOUR_DIGIT_MS = Date.parse('9999-12-31T23:59:59.999Z');
const MAX_DATE_MS = 8.64e15;

describe('isoInstant', () => {
  it('prints what Date prints for every instant Date can hold, and throws where Date throws', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: FIRST_FOUR_DIGIT_MS, max: LAST_FOUR_DIGIT_MS }),
          fc.integer({ min: -MAX_DATE_MS, max: MAX_DATE_MS }),
          fc.double(),
          fc.constantFrom(NaN, Infinity, -Infinity, MAX_DATE_MS + 1, -0, 0.5, -0.5),
        ),
        (ms) => {
          expect(ours(ms)).toBe(dateIso(ms));
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('prints the edges of the four-digit years, leap days and the millisecond before each midnight', () => {
    const edges = [
      FIRST_FOUR_DIGIT_MS,
      FIRST_FOUR_DIGIT_MS - 1,
      LAST_FOUR_DIGIT_MS,
      LAST_FOUR_DIGIT_MS + 1,
      Date.parse('2000-02-29T23:59:59.999Z'),
      Date.parse('1900-03-01T00:00:00.000Z') - 1,
      Date.parse('2100-02-28T23:59:59.999Z') + 1,
      Date.parse('1969-12-31T23:59:59.999Z'),
      0,
      -1,
    ];
    for (const ms of edges) expect(isoInstant(ms)).toBe(new Date(ms).toISOString());
  });
});

describe('instantOfIso', () => {
  const canonical = fc.integer({ min: FIRST_FOUR_DIGIT_MS, max: LAST_FOUR_DIGIT_MS }).map(isoInstant);
  /** The canonical layout with any digits: days and hours that do not exist, month 00, second 60. */
  const anyDigits = fc
    .tuple(
      fc.integer({ min: 0, max: 9999 }),
      ...[99, 99, 99, 99, 99].map((max) => fc.integer({ min: 0, max })),
      fc.integer({ min: 0, max: 999 }),
    )
    .map(
      ([y, mo, d, h, mi, s, ms]) =>
        `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(ms).padStart(3, '0')}Z`,
    );
  /** A canonical string with one character replaced. */
  const mutated = fc
    .tuple(canonical, fc.nat({ max: 23 }), fc.string({ minLength: 1, maxLength: 1 }))
    .map(([text, at, char]) => text.slice(0, at) + char + text.slice(at + 1));

  it('reads exactly the strings Date prints, as Date reads them', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          canonical,
          anyDigits,
          mutated,
          fc.string(),
          fc.constantFrom(
            '2026-02-29T00:00:00.000Z',
            '2024-02-29T00:00:00.000Z',
            '2026-03-02T09:00:00Z',
            '2026-03-02T09:00:00.000+00:00',
            '+275760-09-13T00:00:00.000Z',
            '２０２６-03-02T09:00:00.000Z',
            '2026-03-02T24:00:00.000Z',
            '-001-03-02T09:00:00.000Z',
          ),
        ),
        (text) => {
          expect(instantOfIso(text)).toBe(dateInstant(text));
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('reads back every instant it prints', () => {
    fc.assert(
      fc.property(fc.integer({ min: FIRST_FOUR_DIGIT_MS, max: LAST_FOUR_DIGIT_MS }), (ms) => {
        expect(instantOfIso(isoInstant(ms))).toBe(ms);
      }),
      { numRuns: 5_000 },
    );
  });
});

describe('parseInstant', () => {
  it('is Date.parse for any string: canonical, other ISO forms, garbage', () => {
    const canonical = fc.integer({ min: FIRST_FOUR_DIGIT_MS, max: LAST_FOUR_DIGIT_MS }).map(isoInstant);
    const otherForms = fc
      .integer({ min: -MAX_DATE_MS, max: MAX_DATE_MS })
      .chain((ms) =>
        fc.constantFrom(
          new Date(ms).toISOString(),
          new Date(ms).toISOString().replace('Z', '+00:00'),
          new Date(ms).toISOString().replace('.000Z', 'Z'),
          new Date(ms).toUTCString(),
        ),
      );
    fc.assert(
      fc.property(fc.oneof(canonical, otherForms, fc.string(), fc.constant('2026-02-30T00:00:00.000Z')), (text) => {
        expect(parseInstant(text)).toBe(Date.parse(text));
      }),
      { numRuns: 10_000 },
    );
  });
});
