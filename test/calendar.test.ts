import { SeededRandom } from '../activities/sandbox/seededRandom';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  addBusinessMs,
  addBusinessTime,
  businessMsBetween,
  businessTimeBetween,
  isBusinessTime,
  placeableBusinessTime,
  validateCalendar,
  type BusinessCalendar,
} from '../sla/calendar';

const HOUR = 60 * 60 * 1000;
const MINUTE = 60 * 1000;

const NINE_TO_FIVE: Array<[string, string]> = [['09:00', '17:00']];
const WITH_LUNCH: Array<[string, string]> = [
  ['09:00', '12:00'],
  ['13:00', '17:00'],
];

function weekdays(timezone: string, windows: Array<[string, string]>, holidays?: string[]): BusinessCalendar {
  return { timezone, hours: { mon: windows, tue: windows, wed: windows, thu: windows, fri: windows }, holidays };
}

const newYork = weekdays('America/New_York', NINE_TO_FIVE);

/** A local wall-clock time in `zone` as a Date, e.g. at('2026-01-16T18:00', 'America/New_York'). */
function at(localIso: string, zone: string): Date {
  const dateTime = DateTime.fromISO(localIso, { zone });
  if (!dateTime.isValid) throw new Error(`bad test time ${localIso}`);
  return dateTime.toJSDate();
}

/** A Date rendered as local ISO time with offset, so DST shifts are visible in expectations. */
function local(date: Date, zone: string): string {
  return DateTime.fromJSDate(date, { zone }).toISO() ?? 'invalid';
}

describe('addBusinessTime on a Mon-Fri 09:00-17:00 New York calendar', () => {
  const NY = 'America/New_York';

  it('puts a Friday-evening lead with 24 business hours at Wednesday 17:00', () => {
    // Fri 2026-01-16 18:00 is after closing; Sat/Sun are closed; Mon 8h + Tue 8h + Wed 8h = 24h, ending at Wed close.
    expect(local(addBusinessTime(at('2026-01-16T18:00', NY), 24 * HOUR, newYork), NY)).toBe(
      '2026-01-21T17:00:00.000-05:00',
    );
  });

  it('makes a zero duration due at the next opening, or immediately when open', () => {
    // Friday 18:00 is closed, so the clock "starts" Monday 09:00.
    expect(local(addBusinessTime(at('2026-01-16T18:00', NY), 0, newYork), NY)).toBe('2026-01-19T09:00:00.000-05:00');
    // Tuesday 10:30 is inside the window: due immediately.
    expect(local(addBusinessTime(at('2026-01-20T10:30', NY), 0, newYork), NY)).toBe('2026-01-20T10:30:00.000-05:00');
    // Closing time itself is not business time (windows are half-open), so Friday 17:00 + 0 is Monday 09:00.
    expect(local(addBusinessTime(at('2026-01-16T17:00', NY), 0, newYork), NY)).toBe('2026-01-19T09:00:00.000-05:00');
  });

  it('starts the clock at opening for starts before opening, after closing and on weekends', () => {
    // Tue 07:00 is before opening: the hour runs 09:00-10:00.
    expect(local(addBusinessTime(at('2026-01-20T07:00', NY), HOUR, newYork), NY)).toBe('2026-01-20T10:00:00.000-05:00');
    // Tue 19:00 is after closing: the hour runs Wed 09:00-10:00.
    expect(local(addBusinessTime(at('2026-01-20T19:00', NY), HOUR, newYork), NY)).toBe('2026-01-21T10:00:00.000-05:00');
    // Sat 12:00: nothing until Mon 09:00, so 30 minutes later is Mon 09:30.
    expect(local(addBusinessTime(at('2026-01-17T12:00', NY), 30 * MINUTE, newYork), NY)).toBe(
      '2026-01-19T09:30:00.000-05:00',
    );
  });

  it('walks several days and across a weekend', () => {
    // Mon 10:00 + 40h: Mon 7h (7), Tue-Fri 8h each (39), then 1h on the next Monday -> Mon 10:00.
    expect(local(addBusinessTime(at('2026-01-19T10:00', NY), 40 * HOUR, newYork), NY)).toBe(
      '2026-01-26T10:00:00.000-05:00',
    );
  });

  it('iterates per window, not per minute (loose guard against pathological slowness)', () => {
    // Measured ~0.2 ms per 24h add; the 2 ms bound leaves room for a loaded CI box.
    const start = at('2026-01-16T18:00', NY);
    const runs = 100;
    const began = performance.now();
    for (let i = 0; i < runs; i++) addBusinessTime(new Date(start.getTime() + i * MINUTE), 24 * HOUR, newYork);
    expect((performance.now() - began) / runs).toBeLessThan(2);
  });

  it('keeps sub-minute precision', () => {
    // Thu 16:59:59.500 + 1s: 0.5s before close, 0.5s after Fri opening.
    expect(local(addBusinessTime(at('2026-01-22T16:59:59.500', NY), 1000, newYork), NY)).toBe(
      '2026-01-23T09:00:00.500-05:00',
    );
  });

  it('rejects bad arguments with clear errors', () => {
    expect(() => addBusinessTime(at('2026-01-20T10:00', NY), -1, newYork)).toThrow(
      /durationMs must be a finite number >= 0/,
    );
    expect(() => addBusinessTime(at('2026-01-20T10:00', NY), Number.NaN, newYork)).toThrow(/durationMs/);
    expect(() => addBusinessTime(new Date('not a date'), HOUR, newYork)).toThrow(/start: must be a valid Date/);
    expect(() => addBusinessTime(at('2026-01-20T10:00', NY), HOUR, { ...newYork, timezone: 'Nowhere/Land' })).toThrow(
      'Invalid business calendar: timezone: "Nowhere/Land" is not a valid IANA time zone',
    );
  });

  it('throws instead of looping forever when holidays swallow every window', () => {
    // Only Mondays are open, and every Monday for four years is a holiday: no window within the 3-year cap.
    const mondays: string[] = [];
    for (let day = DateTime.fromISO('2026-01-05'); day.year < 2030; day = day.plus({ weeks: 1 })) {
      mondays.push(day.toISODate() ?? '');
    }
    const calendar: BusinessCalendar = { timezone: 'UTC', hours: { mon: NINE_TO_FIVE }, holidays: mondays };
    expect(() => addBusinessTime(new Date('2026-01-01T00:00:00Z'), HOUR, calendar)).toThrow(/could not place/);
  });
});

describe('lunch breaks (several windows per day)', () => {
  const NY = 'America/New_York';
  const calendar = weekdays(NY, WITH_LUNCH);

  it('skips the lunch hour', () => {
    // Mon 10:00 + 3h: 10:00-12:00 uses 2h, the last hour runs 13:00-14:00.
    expect(local(addBusinessTime(at('2026-01-19T10:00', NY), 3 * HOUR, calendar), NY)).toBe(
      '2026-01-19T14:00:00.000-05:00',
    );
    // A lead arriving at 12:30 with zero duration is due when lunch ends.
    expect(local(addBusinessTime(at('2026-01-19T12:30', NY), 0, calendar), NY)).toBe('2026-01-19T13:00:00.000-05:00');
  });

  it('lands on the end of a window when the duration is used up exactly there', () => {
    // Mon 11:00 + 8h: 1h morning + 4h afternoon = 5h, then Tue 09:00-12:00 = 3h -> Tue 12:00.
    expect(local(addBusinessTime(at('2026-01-19T11:00', NY), 8 * HOUR, calendar), NY)).toBe(
      '2026-01-20T12:00:00.000-05:00',
    );
  });

  it('counts only the windows in businessTimeBetween', () => {
    // Mon 11:30 -> Mon 14:15: 11:30-12:00 (30m) + 13:00-14:15 (75m) = 105m.
    expect(businessTimeBetween(at('2026-01-19T11:30', NY), at('2026-01-19T14:15', NY), calendar)).toBe(105 * MINUTE);
  });
});

describe('holidays', () => {
  const NY = 'America/New_York';
  // Martin Luther King Jr. Day 2026 is Monday 2026-01-19.
  const calendar = weekdays(NY, NINE_TO_FIVE, ['2026-01-19']);

  it('has no windows on a holiday', () => {
    // Friday-evening lead + 24h: Monday is a holiday, so Tue + Wed + Thu -> Thu 17:00.
    expect(local(addBusinessTime(at('2026-01-16T18:00', NY), 24 * HOUR, calendar), NY)).toBe(
      '2026-01-22T17:00:00.000-05:00',
    );
    // A lead arriving on the holiday morning starts on Tuesday.
    expect(local(addBusinessTime(at('2026-01-19T10:00', NY), HOUR, calendar), NY)).toBe(
      '2026-01-20T10:00:00.000-05:00',
    );
    expect(isBusinessTime(at('2026-01-19T10:00', NY), calendar)).toBe(false);
  });

  it('applies holidays and weekends in businessTimeBetween', () => {
    // Fri 16:00 -> Tue 10:00: Fri 1h + (Sat, Sun closed, Mon holiday) + Tue 1h = 2h.
    expect(businessTimeBetween(at('2026-01-16T16:00', NY), at('2026-01-20T10:00', NY), calendar)).toBe(2 * HOUR);
    // Same span without the holiday: Fri 1h + Mon 8h + Tue 1h = 10h.
    expect(businessTimeBetween(at('2026-01-16T16:00', NY), at('2026-01-20T10:00', NY), newYork)).toBe(10 * HOUR);
  });

  it('matches holidays by local date, not UTC date', () => {
    // Sydney holidays Good Friday 2026-04-03 and Easter Monday 2026-04-06.
    // Thu 16:00 AEDT + 2h: Thu 16:00-17:00 is 1h; Fri holiday, weekend, Mon holiday; Tue 09:00-10:00.
    // DST ended on Sunday 2026-04-05, so Tuesday is in AEST (+10:00).
    const SYD = 'Australia/Sydney';
    const sydney = weekdays(SYD, NINE_TO_FIVE, ['2026-04-03', '2026-04-06']);
    expect(local(addBusinessTime(at('2026-04-02T16:00', SYD), 2 * HOUR, sydney), SYD)).toBe(
      '2026-04-07T10:00:00.000+10:00',
    );
  });
});

describe('businessTimeBetween', () => {
  const NY = 'America/New_York';

  it('is 0 when end is not after start', () => {
    expect(businessTimeBetween(at('2026-01-20T12:00', NY), at('2026-01-20T10:00', NY), newYork)).toBe(0);
    expect(businessTimeBetween(at('2026-01-20T12:00', NY), at('2026-01-20T12:00', NY), newYork)).toBe(0);
  });

  it('is 0 across a span with no windows', () => {
    // Sat 08:00 -> Sun 20:00: the whole weekend is closed.
    expect(businessTimeBetween(at('2026-01-17T08:00', NY), at('2026-01-18T20:00', NY), newYork)).toBe(0);
  });

  it('sums full weeks', () => {
    // Mon 00:00 -> next Mon 00:00 is five 8h days.
    expect(businessTimeBetween(at('2026-01-19T00:00', NY), at('2026-01-26T00:00', NY), newYork)).toBe(40 * HOUR);
  });

  it('inverts addBusinessTime for an end inside a window', () => {
    // Fri 16:00 -> Tue 11:30 is 1h + 8h + 2.5h = 11.5h; adding that back lands on Tue 11:30.
    const start = at('2026-01-16T16:00', NY);
    const end = at('2026-01-20T11:30', NY);
    const elapsed = businessTimeBetween(start, end, newYork);
    expect(elapsed).toBe(11.5 * HOUR);
    expect(addBusinessTime(start, elapsed, newYork)).toEqual(end);
  });

  it('maps an end at an opening time back to the previous closing time (same business time)', () => {
    // Mon 10:00 -> Tue 09:00 is 7h, and 7h of business time is already used up at Mon 17:00.
    const start = at('2026-01-19T10:00', NY);
    const elapsed = businessTimeBetween(start, at('2026-01-20T09:00', NY), newYork);
    expect(elapsed).toBe(7 * HOUR);
    expect(local(addBusinessTime(start, elapsed, newYork), NY)).toBe('2026-01-19T17:00:00.000-05:00');
  });
});

describe('isBusinessTime', () => {
  const NY = 'America/New_York';

  it('treats windows as half-open [open, close)', () => {
    expect(isBusinessTime(at('2026-01-20T09:00', NY), newYork)).toBe(true);
    expect(isBusinessTime(at('2026-01-20T16:59:59.999', NY), newYork)).toBe(true);
    expect(isBusinessTime(at('2026-01-20T17:00', NY), newYork)).toBe(false);
    expect(isBusinessTime(at('2026-01-20T08:59:59.999', NY), newYork)).toBe(false);
  });

  it('is false on weekends and during lunch', () => {
    expect(isBusinessTime(at('2026-01-17T12:00', NY), newYork)).toBe(false);
    expect(isBusinessTime(at('2026-01-20T12:30', NY), weekdays(NY, WITH_LUNCH))).toBe(false);
    expect(isBusinessTime(at('2026-01-20T13:00', NY), weekdays(NY, WITH_LUNCH))).toBe(true);
  });

  it('uses the calendar time zone, not UTC', () => {
    // 2026-01-20T15:00Z is 10:00 in New York (open) but 02:00 next day in Sydney (closed).
    const instant = new Date('2026-01-20T15:00:00Z');
    expect(isBusinessTime(instant, newYork)).toBe(true);
    expect(isBusinessTime(instant, weekdays('Australia/Sydney', NINE_TO_FIVE))).toBe(false);
  });

  it('covers a 24:00 window end up to, not including, midnight', () => {
    const allSaturday: BusinessCalendar = { timezone: 'UTC', hours: { sat: [['00:00', '24:00']] } };
    expect(isBusinessTime(new Date('2026-01-17T23:59:59.999Z'), allSaturday)).toBe(true);
    expect(isBusinessTime(new Date('2026-01-18T00:00:00Z'), allSaturday)).toBe(false);
  });
});

describe('UTC calendar', () => {
  const utc = weekdays('UTC', [['08:00', '16:00']]);

  it('behaves like plain UTC arithmetic', () => {
    // Fri 15:00Z + 2h: 1h Friday, 1h from Mon 08:00Z -> Mon 09:00Z.
    expect(addBusinessTime(new Date('2026-01-16T15:00:00Z'), 2 * HOUR, utc).toISOString()).toBe(
      '2026-01-19T09:00:00.000Z',
    );
    // Fri 12:00Z -> Mon 12:00Z: 4h Friday + 4h Monday.
    expect(businessTimeBetween(new Date('2026-01-16T12:00:00Z'), new Date('2026-01-19T12:00:00Z'), utc)).toBe(8 * HOUR);
  });

  it('counts days before 1970 (negative day numbers) like any others: weekdays, holidays, the walk into 1970', () => {
    // Wed 1969-12-31 15:00Z + 3h: 1h that day, 2h from Thu 1970-01-01 08:00Z.
    expect(addBusinessTime(new Date('1969-12-31T15:00:00Z'), 3 * HOUR, utc).toISOString()).toBe(
      '1970-01-01T10:00:00.000Z',
    );
    // Fri 1969-12-26 15:00Z + 2h skips the weekend of the 27th and 28th; Mon the 29th is a holiday.
    const withHoliday = { ...utc, holidays: ['1969-12-29'] };
    expect(addBusinessTime(new Date('1969-12-26T15:00:00Z'), 2 * HOUR, withHoliday).toISOString()).toBe(
      '1969-12-30T09:00:00.000Z',
    );
    // Leap day of 1968 is a Thursday; the week from Mon 1900-02-26 (1900 is no leap year) holds five working days.
    expect(isBusinessTime(new Date('1968-02-29T10:00:00Z'), utc)).toBe(true);
    expect(businessTimeBetween(new Date('1900-02-26T00:00:00Z'), new Date('1900-03-05T00:00:00Z'), utc)).toBe(
      40 * HOUR,
    );
  });
});

describe('DST in America/New_York', () => {
  const NY = 'America/New_York';
  // Night-shift window on Sundays only, so the transition (02:00 local) falls inside it.
  const sundayNight: BusinessCalendar = { timezone: NY, hours: { sun: [['00:00', '06:00']] } };
  const allSunday: BusinessCalendar = { timezone: NY, hours: { sun: [['00:00', '24:00']] } };

  describe('spring forward, Sunday 2026-03-08 (02:00 EST -> 03:00 EDT)', () => {
    it('shortens a 00:00-06:00 window to 5 real hours', () => {
      // 00:00 EST (05:00Z) to 06:00 EDT (10:00Z) = 5h.
      expect(businessTimeBetween(at('2026-03-07T12:00', NY), at('2026-03-09T00:00', NY), sundayNight)).toBe(5 * HOUR);
      // All of it is used exactly at the (wall-clock) close.
      expect(local(addBusinessTime(at('2026-03-07T12:00', NY), 5 * HOUR, sundayNight), NY)).toBe(
        '2026-03-08T06:00:00.000-04:00',
      );
    });

    it('skips the missing hour when adding', () => {
      // 00:00 EST + 3 real hours = 08:00Z; the clock jumped at 2h in, so the wall clock reads 04:00 EDT.
      expect(local(addBusinessTime(at('2026-03-07T12:00', NY), 3 * HOUR, sundayNight), NY)).toBe(
        '2026-03-08T04:00:00.000-04:00',
      );
    });

    it('makes a full-day window 23 hours long', () => {
      expect(businessTimeBetween(at('2026-03-07T12:00', NY), at('2026-03-09T12:00', NY), allSunday)).toBe(23 * HOUR);
    });

    it('resolves window ends inside the gap forward without double counting', () => {
      // 02:30 does not exist; luxon reads it as 03:30 EDT, so the first window (01:00 EST-03:30 EDT) would
      // overlap the second (03:00-04:00 EDT). Real time with the wall clock in [01:00, 02:30) or [03:00, 04:00)
      // is 06:00Z-07:00Z plus 07:00Z-08:00Z = 2h; counting the overlap twice would give 2.5h.
      const gapEnd: BusinessCalendar = {
        timezone: NY,
        hours: {
          sun: [
            ['01:00', '02:30'],
            ['03:00', '04:00'],
          ],
        },
      };
      expect(businessTimeBetween(at('2026-03-07T12:00', NY), at('2026-03-09T00:00', NY), gapEnd)).toBe(2 * HOUR);
      // 01:00 EST + 2h = 08:00Z = 04:00 EDT, the close of the second window.
      expect(local(addBusinessTime(at('2026-03-07T12:00', NY), 2 * HOUR, gapEnd), NY)).toBe(
        '2026-03-08T04:00:00.000-04:00',
      );
      // A lead arriving at 01:30 EST with zero duration is due immediately.
      expect(local(addBusinessTime(at('2026-03-08T01:30', NY), 0, gapEnd), NY)).toBe('2026-03-08T01:30:00.000-05:00');
    });
  });

  describe('fall back, Sunday 2026-11-01 (02:00 EDT -> 01:00 EST)', () => {
    it('lengthens a 00:00-06:00 window to 7 real hours', () => {
      // 00:00 EDT (04:00Z) to 06:00 EST (11:00Z) = 7h.
      expect(businessTimeBetween(at('2026-10-31T12:00', NY), at('2026-11-02T00:00', NY), sundayNight)).toBe(7 * HOUR);
      expect(local(addBusinessTime(at('2026-10-31T12:00', NY), 7 * HOUR, sundayNight), NY)).toBe(
        '2026-11-01T06:00:00.000-05:00',
      );
    });

    it('passes through the repeated hour once in each offset', () => {
      // 00:00 EDT = 04:00Z. +1.5h = 05:30Z = 01:30 EDT (first pass); +2.5h = 06:30Z = 01:30 EST (second pass).
      const saturday = at('2026-10-31T12:00', NY);
      expect(local(addBusinessTime(saturday, 1.5 * HOUR, sundayNight), NY)).toBe('2026-11-01T01:30:00.000-04:00');
      expect(local(addBusinessTime(saturday, 2.5 * HOUR, sundayNight), NY)).toBe('2026-11-01T01:30:00.000-05:00');
    });

    it('makes a full-day window 25 hours long', () => {
      expect(businessTimeBetween(at('2026-10-31T12:00', NY), at('2026-11-02T12:00', NY), allSunday)).toBe(25 * HOUR);
    });

    it('does not double count windows split at an ambiguous time', () => {
      // 01:30 occurs twice; both windows resolve it to the same instant (luxon picks 01:30 EST = 06:30Z),
      // so 04:00Z-06:30Z + 06:30Z-11:00Z = 7h, exactly the unsplit window.
      const split: BusinessCalendar = {
        timezone: NY,
        hours: {
          sun: [
            ['00:00', '01:30'],
            ['01:30', '06:00'],
          ],
        },
      };
      expect(businessTimeBetween(at('2026-10-31T12:00', NY), at('2026-11-02T00:00', NY), split)).toBe(7 * HOUR);
    });
  });

  it('keeps 09:00-17:00 at local wall-clock time across the change', () => {
    // Fri 2026-03-06 16:00 EST + 2h: 1h Friday, then Mon 09:00 EDT + 1h -> Mon 10:00 EDT (14:00Z, not 15:00Z).
    expect(addBusinessTime(at('2026-03-06T16:00', NY), 2 * HOUR, newYork).toISOString()).toBe(
      '2026-03-09T14:00:00.000Z',
    );
  });
});

describe('DST in Australia/Sydney (southern hemisphere)', () => {
  const SYD = 'Australia/Sydney';
  const sundayNight: BusinessCalendar = { timezone: SYD, hours: { sun: [['00:00', '06:00']] } };
  const allSunday: BusinessCalendar = { timezone: SYD, hours: { sun: [['00:00', '24:00']] } };

  it('DST ends Sunday 2026-04-05 (03:00 AEDT -> 02:00 AEST): the night window is 7h', () => {
    // 00:00 AEDT (Sat 13:00Z) to 06:00 AEST (Sat 20:00Z) = 7h.
    expect(businessTimeBetween(at('2026-04-04T12:00', SYD), at('2026-04-06T00:00', SYD), sundayNight)).toBe(7 * HOUR);
    // 00:00 AEDT + 3h = 16:00Z, the moment the clock falls back from 03:00 AEDT to 02:00 AEST.
    expect(local(addBusinessTime(at('2026-04-04T12:00', SYD), 3 * HOUR, sundayNight), SYD)).toBe(
      '2026-04-05T02:00:00.000+10:00',
    );
    expect(businessTimeBetween(at('2026-04-04T12:00', SYD), at('2026-04-06T12:00', SYD), allSunday)).toBe(25 * HOUR);
  });

  it('DST starts Sunday 2026-10-04 (02:00 AEST -> 03:00 AEDT): the night window is 5h', () => {
    // 00:00 AEST (Sat 14:00Z) to 06:00 AEDT (Sat 19:00Z) = 5h.
    expect(businessTimeBetween(at('2026-10-03T12:00', SYD), at('2026-10-05T00:00', SYD), sundayNight)).toBe(5 * HOUR);
    // 00:00 AEST + 2.5h = 16:30Z; the clock jumped at 2h in, so it reads 03:30 AEDT.
    expect(local(addBusinessTime(at('2026-10-03T12:00', SYD), 2.5 * HOUR, sundayNight), SYD)).toBe(
      '2026-10-04T03:30:00.000+11:00',
    );
    expect(businessTimeBetween(at('2026-10-03T12:00', SYD), at('2026-10-05T12:00', SYD), allSunday)).toBe(23 * HOUR);
  });
});

describe('validateCalendar', () => {
  it('accepts a valid calendar, including adjacent windows and a 24:00 end', () => {
    expect(
      validateCalendar({
        timezone: 'Australia/Sydney',
        hours: {
          mon: [
            ['09:00', '12:00'],
            ['12:00', '17:00'],
          ],
          sat: [['00:00', '24:00']],
        },
        holidays: ['2026-12-25'],
      }),
    ).toEqual([]);
  });

  it('names the path of each problem', () => {
    expect(
      validateCalendar({
        timezone: 'Mars/Olympus_Mons',
        hours: {
          mon: [
            ['09:00', '12:00'],
            ['13:00', '12:00'],
          ],
          tue: [['9:00', '17:00']],
          wed: [['24:00', '24:00']],
          thu: [
            ['09:00', '12:00'],
            ['11:00', '14:00'],
          ],
          fri: [['09:00', '24:30']],
        },
        holidays: ['2026-02-30', '26-12-25'],
      }),
    ).toEqual([
      'timezone: "Mars/Olympus_Mons" is not a valid IANA time zone',
      'hours.mon[1]: end "12:00" is not after start "13:00"',
      'hours.tue[0]: start "9:00" is not a time between "00:00" and "23:59"',
      'hours.wed[0]: start "24:00" is only allowed as an end',
      'hours.thu[1]: window 11:00-14:00 overlaps hours.thu[0] 09:00-12:00',
      'hours.fri[0]: end "24:30" is not a time between "00:00" and "24:00"',
      'holidays[0]: "2026-02-30" is not a valid "YYYY-MM-DD" date',
      'holidays[1]: "26-12-25" is not a valid "YYYY-MM-DD" date',
    ]);
  });

  it('detects overlaps regardless of the order windows are listed in', () => {
    const hours = {
      mon: [
        ['13:00', '17:00'],
        ['08:00', '13:30'],
      ] as Array<[string, string]>,
    };
    expect(validateCalendar({ timezone: 'UTC', hours })).toEqual([
      'hours.mon[0]: window 13:00-17:00 overlaps hours.mon[1] 08:00-13:30',
    ]);
  });

  it('requires at least one window in the week', () => {
    const message = 'hours: no business windows in the week, so business-time deadlines could never be reached';
    expect(validateCalendar({ timezone: 'UTC', hours: {} })).toEqual([message]);
    expect(validateCalendar({ timezone: 'UTC', hours: { mon: [], tue: [] } })).toEqual([message]);
  });

  it('reports malformed shapes from untyped config', () => {
    const untyped = (value: unknown) => validateCalendar(value as BusinessCalendar);
    expect(untyped(null)).toEqual(['calendar: must be an object with timezone, hours and optional holidays']);
    expect(
      untyped({ timezone: 10, hours: { monday: [['09:00', '17:00']], tue: 'all day' }, holidays: '2026-01-01' }),
    ).toEqual([
      'timezone: must be an IANA time zone name string',
      'hours.monday: unknown weekday, expected one of mon, tue, wed, thu, fri, sat, sun',
      'hours.tue: must be a list of ["HH:MM", "HH:MM"] windows',
      'hours: no business windows in the week, so business-time deadlines could never be reached',
      'holidays: must be a list of "YYYY-MM-DD" dates',
    ]);
    expect(untyped({ timezone: 'UTC', hours: { mon: [['09:00']] } })).toEqual([
      'hours.mon[0]: must be a ["HH:MM", "HH:MM"] pair',
    ]);
  });
});

describe('round-trip property (seeded pseudo-random)', () => {
  // A seeded PRNG so failures are reproducible.
  function seeded(seed: number): () => number {
    const random = new SeededRandom(seed);
    return () => random.next();
  }

  const calendars: Record<string, BusinessCalendar> = {
    'New York with lunch and holidays': weekdays('America/New_York', WITH_LUNCH, ['2026-03-09', '2026-11-02']),
    'Sydney 09:00-17:00': weekdays('Australia/Sydney', NINE_TO_FIVE),
    'New York Sunday night shift (DST days inside windows)': {
      timezone: 'America/New_York',
      hours: { sun: [['00:00', '06:00']], sat: [['22:00', '24:00']] },
    },
  };
  // Starts spread over 2026 so both DST transitions in both hemispheres get hit.
  const yearStart = Date.UTC(2026, 0, 1);
  const yearMs = 365 * 24 * HOUR;

  for (const [name, calendar] of Object.entries(calendars)) {
    it(`businessTimeBetween(start, addBusinessTime(start, d)) === d for ${name}`, () => {
      const random = seeded(20260308);
      for (let i = 0; i < 300; i++) {
        const start = new Date(yearStart + Math.floor(random() * yearMs));
        // Every 10th duration is 0; the rest are whole ms up to 60 business hours.
        const duration = i % 10 === 0 ? 0 : Math.floor(random() * 60 * HOUR);
        const due = addBusinessTime(start, duration, calendar);
        expect(due.getTime()).toBeGreaterThanOrEqual(start.getTime());
        // A zero duration must land on an open instant (the start itself or the next opening).
        if (duration === 0) expect(isBusinessTime(due, calendar)).toBe(true);
        expect(businessTimeBetween(start, due, calendar), `start ${start.toISOString()} + ${duration}`).toBe(duration);
      }
    });

    it(`addBusinessTime(start, businessTimeBetween(start, end)) === end for business-time ends, ${name}`, () => {
      const random = seeded(20261101);
      let checked = 0;
      for (let i = 0; i < 600; i++) {
        const start = new Date(yearStart + Math.floor(random() * yearMs));
        const end = new Date(start.getTime() + Math.floor(random() * 10 * 24 * HOUR));
        if (!isBusinessTime(end, calendar)) continue;
        checked++;
        expect(
          addBusinessTime(start, businessTimeBetween(start, end, calendar), calendar),
          start.toISOString(),
        ).toEqual(end);
      }
      // Guards against the filter silently skipping everything.
      expect(checked).toBeGreaterThan(10);
    });
  }
});

/** DST changes in two hemispheres, lunch breaks, a holiday and a 24-hour day. */
const MIXED_CALENDARS: BusinessCalendar[] = [
  {
    timezone: 'America/New_York',
    hours: { mon: WITH_LUNCH, tue: WITH_LUNCH, wed: NINE_TO_FIVE, thu: NINE_TO_FIVE, fri: NINE_TO_FIVE },
    holidays: ['2026-11-26', '2027-03-15'],
  },
  { timezone: 'Australia/Sydney', hours: { mon: NINE_TO_FIVE, sat: [['00:00', '24:00']] } },
];

describe('compiled calendars are cached per calendar object', () => {
  // A calendar warmed by earlier calls answers exactly as a fresh copy compiled for this call alone.
  const calendars = MIXED_CALENDARS;
  it('gives the same deadlines and elapsed times as a freshly compiled copy', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2028-01-01T00:00:00Z') }),
        fc.integer({ min: 0, max: 200 * HOUR }),
        (which, start, duration) => {
          const warmed = calendars[which];
          const fresh = structuredClone(warmed);
          expect(addBusinessTime(new Date(start), duration, warmed)).toEqual(
            addBusinessTime(new Date(start), duration, fresh),
          );
          expect(businessTimeBetween(new Date(start), new Date(start + duration), warmed)).toBe(
            businessTimeBetween(new Date(start), new Date(start + duration), structuredClone(warmed)),
          );
          expect(isBusinessTime(new Date(start), warmed)).toBe(isBusinessTime(new Date(start), fresh));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('business time on epoch milliseconds (what the clocks use)', () => {
  const instants = fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2028-01-01T00:00:00Z') });
  const durations = fc.integer({ min: 0, max: 200 * HOUR });

  it('counts back exactly the business time added, is monotonic in it, and lands in business time or at a close', () => {
    fc.assert(
      fc.property(fc.constantFrom(...MIXED_CALENDARS), instants, durations, durations, (calendar, start, a, b) => {
        const [shorter, longer] = a <= b ? [a, b] : [b, a];
        const reached = addBusinessMs(start, longer, calendar);
        expect(businessMsBetween(start, reached, calendar)).toBe(longer);
        expect(addBusinessMs(start, shorter, calendar)).toBeLessThanOrEqual(reached);
        expect(reached).toBe(addBusinessTime(new Date(start), longer, calendar).getTime());
        if (longer > 0) expect(isBusinessTime(new Date(reached - 1), calendar)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses instants that are not finite numbers', () => {
    expect(() => addBusinessMs(Number.NaN, HOUR, newYork)).toThrow(/start: must be a valid instant/);
    expect(() => addBusinessMs(Infinity, HOUR, newYork)).toThrow(/start: must be a valid instant/);
    expect(() => businessMsBetween(0, Number.NaN, newYork)).toThrow(/end: must be a valid instant/);
  });
});

describe('local dates of instants', () => {
  // Zones with half- and three-quarter-hour offsets and DST changes off the hour (Lord Howe moves by 30 minutes).
  const zones = ['America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Chatham', 'Europe/London'];
  const allDay: Array<[string, string]> = [['00:00', '24:00']];
  it('match luxon for any instant, DST changes included: a holiday is exactly its local date', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: Date.parse('2000-01-01T00:00:00Z'), max: Date.parse('2040-01-01T00:00:00Z') }),
        (timezone, at) => {
          const localDate = DateTime.fromMillis(at, { zone: timezone }).toISODate() as string;
          const calendar: BusinessCalendar = {
            timezone,
            hours: { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay },
            holidays: [localDate],
          };
          expect(isBusinessTime(new Date(at), calendar)).toBe(false);
          // The instants just outside the local day are business time.
          const dayStart = DateTime.fromISO(localDate, { zone: timezone }).toMillis();
          const dayEnd = DateTime.fromISO(localDate, { zone: timezone }).plus({ days: 1 }).toMillis();
          expect(isBusinessTime(new Date(dayStart - 1), calendar)).toBe(true);
          expect(isBusinessTime(new Date(dayEnd), calendar)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('match luxon at every quarter hour around a transition of each zone', () => {
    for (const timezone of zones) {
      const calendar: BusinessCalendar = {
        timezone,
        hours: { mon: NINE_TO_FIVE, tue: NINE_TO_FIVE, wed: NINE_TO_FIVE, thu: NINE_TO_FIVE, fri: NINE_TO_FIVE },
      };
      for (let at = Date.parse('2026-03-27T00:00:00Z'); at < Date.parse('2026-04-06T00:00:00Z'); at += 7 * MINUTE) {
        const local = DateTime.fromMillis(at, { zone: timezone });
        const expected = local.weekday <= 5 && local.hour >= 9 && local.hour < 17;
        expect(isBusinessTime(new Date(at), calendar), `${timezone} ${local.toISO()}`).toBe(expected);
      }
    }
  });
});

describe('placeableBusinessTime: the longest business-time duration sure to be placed', () => {
  /** Local dates of every `weekday` (1 = Monday) from `from` for `weeks` weeks. */
  function everyWeekday(from: string, weeks: number): string[] {
    const first = DateTime.fromISO(from, { zone: 'UTC' });
    return Array.from({ length: weeks }, (_, i) => first.plus({ weeks: i }).toISODate() as string);
  }

  it('is 104 weeks of the windows, with no holidays', () => {
    expect(placeableBusinessTime(newYork)).toEqual({
      maxMs: 104 * 40 * HOUR,
      weeklyMs: 40 * HOUR,
      weeks: 104,
      holidayMs: 0,
    });
    const lunch = weekdays('UTC', WITH_LUNCH);
    expect(placeableBusinessTime(lunch).weeklyMs).toBe(35 * HOUR);
    const overnight: BusinessCalendar = {
      timezone: 'UTC',
      hours: { sat: [['22:00', '24:00']], sun: [['00:00', '00:15']] },
    };
    expect(placeableBusinessTime(overnight).maxMs).toBe(104 * (2 * HOUR + 15 * MINUTE));
  });

  it('less the most business time listed holidays take within any 1098 days; holidays with no windows take none', () => {
    const withHolidays = weekdays('America/New_York', NINE_TO_FIVE, [
      '2026-11-26', // Thursday: 8h
      '2026-11-28', // Saturday: closed anyway
      '2026-11-26', // listed twice, counted once
      '2027-12-24', // Friday: 8h
      '2029-12-01', // Saturday
      '2029-12-03', // Monday, 1103 days after 2026-11-26: never in one span with it
    ]);
    expect(placeableBusinessTime(withHolidays)).toMatchObject({ holidayMs: 16 * HOUR, maxMs: (104 * 40 - 16) * HOUR });
  });

  it('is 0 when holidays can take every window of the span', () => {
    // Only Mondays are open, and every Monday for four years is a holiday (as the walk's own limit test).
    const calendar: BusinessCalendar = {
      timezone: 'UTC',
      hours: { mon: NINE_TO_FIVE },
      holidays: everyWeekday('2026-01-05', 4 * 53),
    };
    expect(placeableBusinessTime(calendar)).toMatchObject({ maxMs: 0, weeklyMs: 8 * HOUR });
  });

  it('can be placed from the worst start: just before the year most crowded with holidays', () => {
    // One 15-minute window a week; a year of its Mondays are holidays. 104 weeks less 52 of them: 13h.
    const calendar: BusinessCalendar = {
      timezone: 'America/New_York',
      hours: { mon: [['01:45', '02:00']] },
      holidays: everyWeekday('2027-01-04', 52),
    };
    const { maxMs } = placeableBusinessTime(calendar);
    expect(maxMs).toBe(52 * 15 * MINUTE);
    for (const start of [
      '2026-12-31T00:00:00Z',
      '2027-01-04T06:59:00Z',
      '2027-03-14T07:00:00Z',
      '2030-01-01T00:00:00Z',
    ]) {
      const reached = addBusinessMs(Date.parse(start), maxMs, calendar);
      expect(businessMsBetween(Date.parse(start), reached, calendar), start).toBe(maxMs);
    }
  });

  it('throws for an invalid calendar, as the arithmetic does', () => {
    expect(() => placeableBusinessTime({ timezone: 'UTC', hours: {} })).toThrow(
      'Invalid business calendar: hours: no business windows in the week, so business-time deadlines could never be reached',
    );
  });
});
