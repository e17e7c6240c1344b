// Does the Google Ads campaign's flight match the contract? A total campaign budget is paced by Google
// over the campaign's own start and end, so a flight that differs from the contract window makes every
// forecast, burn and pacing figure wrong. Pure: the workflow calls it at start and at each check.
import { DateTime } from 'luxon';
import { formatDuration } from './duration';

/** The flight as read from the v24 Campaign resource (start_date_time / end_date_time; start_date/end_date are gone). */
export interface AdsFlight {
  /** "yyyy-MM-dd HH:mm:ss" in the account's time zone (campaign.proto, start_date_time). */
  startDateTime: string | null;
  /** "yyyy-MM-dd HH:mm:ss" in the account's time zone; null = runs indefinitely (campaign.proto, end_date_time). */
  endDateTime: string | null;
  /** AdvertisingChannelType name, e.g. SEARCH. */
  channelType: string;
}

export interface ContractWindow {
  /** ISO instants; end is exclusive. */
  start: string;
  end: string;
  timeZone: string;
}

type FlightProblemCode = 'no-end-date' | 'too-short' | 'too-long' | 'window-mismatch' | 'time-zone' | 'unreadable';

export interface FlightProblem {
  code: FlightProblemCode;
  /** error: the rules cannot be trusted with this campaign; warning: reconciled, but ops should know. */
  severity: 'error' | 'warning';
  message: string;
}

// "The minimum campaign duration is three days. For most campaign types, the maximum duration is 90 days,
// though Demand Gen and YouTube campaigns can run for up to a year." (Google Ads Help, campaign total budgets,
// https://support.google.com/google-ads/answer/15137812 and the API's campaigns/budgets overview.)
const TOTAL_BUDGET_MIN_DAYS = 3;
const TOTAL_BUDGET_MAX_DAYS: Readonly<Record<string, number>> = {
  SEARCH: 90,
  SHOPPING: 90,
  PERFORMANCE_MAX: 90,
  DEMAND_GEN: 365,
  VIDEO: 365,
};

const FLIGHT_FORMAT = 'yyyy-MM-dd HH:mm:ss';

/** Checks a total-budget campaign's flight against the contract window, in the account's time zone. */
export function checkFlight(flight: AdsFlight, accountTimeZone: string, contract: ContractWindow): FlightProblem[] {
  const problems: FlightProblem[] = [];
  if (accountTimeZone !== contract.timeZone) {
    problems.push({
      code: 'time-zone',
      severity: 'warning',
      message: `the Google Ads account reports days (segments.date) in ${accountTimeZone}, the contract uses ${contract.timeZone}; spend is read by the account's days`,
    });
  }
  const start = parseFlightTime(flight.startDateTime, accountTimeZone);
  if (!start) return [...problems, unreadable('start_date_time', flight.startDateTime)];
  // Total budgets need an end date: "available ... with specific start and end dates" (campaigns/budgets overview).
  if (flight.endDateTime === null) {
    return [
      ...problems,
      {
        code: 'no-end-date',
        severity: 'error',
        message: 'the campaign has no end date (end_date_time unset); a total campaign budget requires one',
      },
    ];
  }
  const lastSecond = parseFlightTime(flight.endDateTime, accountTimeZone);
  if (!lastSecond) return [...problems, unreadable('end_date_time', flight.endDateTime)];
  const end = lastSecond.plus({ seconds: 1 });

  const days = end.diff(start, 'days').days;
  const maxDays = TOTAL_BUDGET_MAX_DAYS[flight.channelType];
  if (days < TOTAL_BUDGET_MIN_DAYS) {
    problems.push({
      code: 'too-short',
      severity: 'error',
      message: `the flight runs ${flightLength(days)}; total campaign budgets need at least ${TOTAL_BUDGET_MIN_DAYS} days`,
    });
  } else if (maxDays !== undefined && days > maxDays) {
    problems.push({
      code: 'too-long',
      severity: 'error',
      message: `the flight runs ${flightLength(days)}; ${flight.channelType} total campaign budgets run at most ${maxDays} days`,
    });
  }

  // Compare calendar days in the account's zone: flights have day granularity for most campaign types.
  const contractFirst = localDate(contract.start, accountTimeZone);
  const contractLast = localDate(new Date(Date.parse(contract.end) - 1).toISOString(), accountTimeZone);
  const flightFirst = start.toISODate();
  const flightLast = lastSecond.toISODate();
  if (flightFirst !== contractFirst || flightLast !== contractLast) {
    problems.push({
      code: 'window-mismatch',
      severity: 'error',
      message: `Google Ads flies the campaign ${flightFirst}..${flightLast} (${accountTimeZone}); the contract window is ${contractFirst}..${contractLast}`,
    });
  }
  return problems;
}

function parseFlightTime(value: string | null, zone: string): DateTime | null {
  if (value === null) return null;
  const parsed = DateTime.fromFormat(value, FLIGHT_FORMAT, { zone });
  return parsed.isValid ? parsed : null;
}

function unreadable(field: string, value: string | null): FlightProblem {
  return {
    code: 'unreadable',
    severity: 'error',
    message: `campaign.${field} ${JSON.stringify(value)} is not "${FLIGHT_FORMAT}" in the account's time zone`,
  };
}

function localDate(iso: string, zone: string): string {
  return DateTime.fromISO(iso, { zone }).toISODate() ?? iso;
}

/** "120 days", "2.5 days", or under a day "10m". */
function flightLength(days: number): string {
  if (days < 1) return formatDuration(Math.max(1, Math.round(days * 24 * 60)) * 60_000);
  return `${Number.isInteger(days) ? String(days) : days.toFixed(1)} days`;
}
