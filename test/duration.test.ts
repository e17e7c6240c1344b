import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { durationSchema, formatDuration, parseDuration, positiveDurationSchema } from '../sla/duration';

describe('parseDuration', () => {
  it.each([
    ['0s', 0],
    ['500ms', 500],
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['24h', 86_400_000],
    ['2d', 172_800_000],
    ['1h30m', 5_400_000],
    ['1d2h3m4s5ms', 86_400_000 + 7_200_000 + 180_000 + 4_000 + 5],
    ['1m5s', 65_000],
  ])('parses %s as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['abc', '', '24', 'h', '1.5h', '-1h', '1 h', '1h 30m', '30m1h', '1h1h', '1w', '24H'])(
    'rejects %j with a message naming the input',
    (text) => {
      expect(() => parseDuration(text)).toThrow(`expected a duration like "24h", got ${JSON.stringify(text)}`);
    },
  );
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [90_000, '1m30s'],
    [5_400_000, '1h30m'],
    [86_400_000, '1d'],
    [90_061_001, '1d1h1m1s1ms'],
  ])('formats %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [1, 999, 1_000, 59_999, 3_600_001, 7 * 86_400_000 + 1]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects %d', (ms) => {
    expect(() => formatDuration(ms)).toThrow(/non-negative whole number of milliseconds/);
  });
});

describe('durationSchema', () => {
  const schema = z.object({ wait: durationSchema });

  it('transforms a duration string to milliseconds', () => {
    expect(schema.parse({ wait: '1h30m' })).toEqual({ wait: 5_400_000 });
  });

  it.each([['abc'], [90], [null]])('rejects %j with the duration hint at the field path', (value) => {
    const result = schema.safeParse({ wait: value });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => [issue.path, issue.message])).toEqual([
      [['wait'], 'expected a duration like "24h"'],
    ]);
  });

  it('positiveDurationSchema rejects zero but not 1ms', () => {
    expect(positiveDurationSchema.safeParse('0s').error?.issues[0].message).toBe('must be longer than 0s');
    expect(positiveDurationSchema.parse('1ms')).toBe(1);
  });
});
