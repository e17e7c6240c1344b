import { describe, expect, it } from 'vitest';
import { checkFlight, type AdsFlight, type ContractWindow } from '../sla/adsFlight';

// The seed's case: ten days from 1 March, in New York.
const contract: ContractWindow = {
  start: '2026-03-01T05:00:00.000Z',
  end: '2026-03-11T04:00:00.000Z', // exclusive; DST starts on 8 March
  timeZone: 'America/New_York',
};
const matching: AdsFlight = {
  startDateTime: '2026-03-01 00:00:00',
  endDateTime: '2026-03-10 23:59:59',
  channelType: 'SEARCH',
};
const codes = (flight: AdsFlight, zone = 'America/New_York', window = contract) =>
  checkFlight(flight, zone, window).map((p) => `${p.severity}:${p.code}`);

describe('checkFlight', () => {
  it('accepts a flight that matches the contract window in the account zone', () => {
    expect(checkFlight(matching, 'America/New_York', contract)).toEqual([]);
  });

  it('requires an end date for a total budget', () => {
    const problems = checkFlight({ ...matching, endDateTime: null }, 'America/New_York', contract);
    expect(problems).toEqual([
      {
        code: 'no-end-date',
        severity: 'error',
        message: 'the campaign has no end date (end_date_time unset); a total campaign budget requires one',
      },
    ]);
  });

  it('enforces 3 days minimum and 90 days maximum for Search and Shopping, a year for Demand Gen', () => {
    const twoDays = { startDateTime: '2026-03-01 00:00:00', endDateTime: '2026-03-02 23:59:59' };
    expect(codes({ ...matching, ...twoDays })).toEqual(['error:too-short', 'error:window-mismatch']);
    const threeDays = { ...matching, startDateTime: '2026-03-08 00:00:00' };
    expect(codes(threeDays)).toEqual(['error:window-mismatch']);
    const long = { startDateTime: '2026-01-01 00:00:00', endDateTime: '2026-04-30 23:59:59' };
    const longWindow = { ...contract, start: '2026-01-01T05:00:00.000Z', end: '2026-05-01T04:00:00.000Z' };
    expect(codes({ ...matching, ...long }, 'America/New_York', longWindow)).toEqual(['error:too-long']);
    expect(codes({ ...matching, ...long, channelType: 'SHOPPING' }, 'America/New_York', longWindow)).toEqual([
      'error:too-long',
    ]);
    expect(codes({ ...matching, ...long, channelType: 'DEMAND_GEN' }, 'America/New_York', longWindow)).toEqual([]);
    const problem = checkFlight({ ...matching, ...long }, 'America/New_York', longWindow)[0];
    expect(problem.message).toBe('the flight runs 120 days; SEARCH total campaign budgets run at most 90 days');
  });

  it('names a flight that starts or ends on other days than the contract', () => {
    const late = checkFlight({ ...matching, endDateTime: '2026-03-12 23:59:59' }, 'America/New_York', contract);
    expect(late.map((p) => p.code)).toEqual(['window-mismatch']);
    expect(late[0].message).toBe(
      'Google Ads flies the campaign 2026-03-01..2026-03-12 (America/New_York); the contract window is 2026-03-01..2026-03-10',
    );
    expect(codes({ ...matching, startDateTime: '2026-03-02 00:00:00' })).toEqual(['error:window-mismatch']);
  });

  it('warns when the account zone differs from the contract, and compares days in the account zone', () => {
    // The same instants are 1 March 14:00 .. 11 March 13:00 in Tokyo.
    expect(codes(matching, 'Asia/Tokyo')).toEqual(['warning:time-zone', 'error:window-mismatch']);
    const tokyo = { startDateTime: '2026-03-01 00:00:00', endDateTime: '2026-03-11 23:59:59' };
    expect(codes({ ...matching, ...tokyo }, 'Asia/Tokyo')).toEqual(['warning:time-zone']);
  });

  it('reports unreadable flight times instead of guessing', () => {
    expect(codes({ ...matching, startDateTime: '2026-03-01' })).toEqual(['error:unreadable']);
    expect(codes({ ...matching, startDateTime: null })).toEqual(['error:unreadable']);
    expect(codes({ ...matching, endDateTime: '2026-02-30 23:59:59' })).toEqual(['error:unreadable']);
  });
});
