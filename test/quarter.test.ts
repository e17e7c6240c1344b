import { describe, expect, it } from 'vitest';
import { formatQuarter, nextQuarter, parseQuarter, previousQuarter, quarterBounds, quarterOf } from '../sla/quarter';

describe('quarterOf', () => {
  it('names the quarter of a date', () => {
    expect(quarterOf(new Date('2027-02-10T12:00:00Z'), 'UTC')).toBe('2027-Q1');
    expect(quarterOf(new Date('2027-05-10T12:00:00Z'), 'UTC')).toBe('2027-Q2');
    expect(quarterOf(new Date('2027-09-30T12:00:00Z'), 'UTC')).toBe('2027-Q3');
    expect(quarterOf(new Date('2027-12-31T12:00:00Z'), 'UTC')).toBe('2027-Q4');
  });

  it('uses the local date in the campaign timezone', () => {
    // 2027-04-01 03:00 UTC is still 2027-03-31 23:00 in New York (EDT, UTC-4).
    const instant = new Date('2027-04-01T03:00:00Z');
    expect(quarterOf(instant, 'America/New_York')).toBe('2027-Q1');
    expect(quarterOf(instant, 'UTC')).toBe('2027-Q2');
    // 2026-12-31 20:00 UTC is already 2027-01-01 05:00 in Tokyo.
    expect(quarterOf(new Date('2026-12-31T20:00:00Z'), 'Asia/Tokyo')).toBe('2027-Q1');
  });

  it('rejects an unknown timezone', () => {
    expect(() => quarterOf(new Date('2027-01-01T00:00:00Z'), 'Mars/Olympus')).toThrow('timezone "Mars/Olympus"');
  });
});

describe('quarterBounds', () => {
  it('runs from local midnight on the first day to the first instant of the next quarter', () => {
    const { start, end } = quarterBounds('2027-Q1', 'America/New_York');
    expect(start.toISOString()).toBe('2027-01-01T05:00:00.000Z'); // EST, UTC-5
    expect(end.toISOString()).toBe('2027-04-01T04:00:00.000Z'); // EDT, UTC-4
  });

  it('crosses the year for Q4', () => {
    const { start, end } = quarterBounds('2027-Q4', 'UTC');
    expect(start.toISOString()).toBe('2027-10-01T00:00:00.000Z');
    expect(end.toISOString()).toBe('2028-01-01T00:00:00.000Z');
  });

  it('agrees with quarterOf at both edges', () => {
    const { start, end } = quarterBounds('2027-Q2', 'Europe/Berlin');
    expect(quarterOf(start, 'Europe/Berlin')).toBe('2027-Q2');
    expect(quarterOf(new Date(end.getTime() - 1), 'Europe/Berlin')).toBe('2027-Q2');
    expect(quarterOf(end, 'Europe/Berlin')).toBe('2027-Q3');
  });

  it('answers a repeated question the same, with Dates of its own, per zone, and still refuses a bad zone', () => {
    const first = quarterBounds('2027-Q1', 'America/New_York');
    first.start.setTime(0);
    first.end.setTime(0);
    expect(quarterBounds('2027-Q1', 'America/New_York').start.toISOString()).toBe('2027-01-01T05:00:00.000Z');
    expect(quarterBounds('2027-Q1', 'Asia/Tokyo').start.toISOString()).toBe('2026-12-31T15:00:00.000Z');
    // More pairs than the memo holds: answers stay right after it is cleared.
    for (let year = 2000; year < 2100; year++)
      for (const q of [1, 2, 3, 4]) expect(quarterBounds(`${year}-Q${q}`, 'UTC').start.getUTCFullYear()).toBe(year);
    expect(quarterBounds('2027-Q4', 'UTC').end.toISOString()).toBe('2028-01-01T00:00:00.000Z');
    expect(() => quarterBounds('2027-Q1', 'Mars/Olympus')).toThrow('cannot compute bounds of 2027-Q1');
    expect(() => quarterBounds('2027-Q1', 'Mars/Olympus')).toThrow('cannot compute bounds of 2027-Q1');
  });
});

describe('next/previous quarter', () => {
  it('steps within and across years', () => {
    expect(nextQuarter('2027-Q1')).toBe('2027-Q2');
    expect(nextQuarter('2027-Q4')).toBe('2028-Q1');
    expect(previousQuarter('2027-Q3')).toBe('2027-Q2');
    expect(previousQuarter('2027-Q1')).toBe('2026-Q4');
  });
});

describe('parseQuarter', () => {
  it('parses and formats back', () => {
    expect(parseQuarter('2027-Q3')).toEqual({ year: 2027, quarter: 3 });
    expect(formatQuarter({ year: 2027, quarter: 3 })).toBe('2027-Q3');
  });

  it('rejects malformed text and impossible quarters with clear errors', () => {
    expect(() => parseQuarter('abc')).toThrow('invalid quarter "abc": expected the form YYYY-Qn, e.g. 2027-Q1');
    expect(() => parseQuarter('2027-Q5')).toThrow('invalid quarter "2027-Q5": the quarter number must be 1 to 4');
    expect(() => parseQuarter('2027-Q0')).toThrow('the quarter number must be 1 to 4');
    expect(() => parseQuarter('2027Q1')).toThrow('expected the form YYYY-Qn');
    expect(() => nextQuarter('27-Q1')).toThrow('invalid quarter "27-Q1"');
  });
});
