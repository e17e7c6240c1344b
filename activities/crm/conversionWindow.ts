// Lead.ConvertedDate is a date without time: a conversion window of instants becomes calendar days.
import { DateTime } from 'luxon';
import type { CrmConversionQuery } from '../ports';
import { crmInvalidInput } from './crmFailures';

/** [day of from, day of the last instant before to] in the query's zone (default UTC), as YYYY-MM-DD. */
export function conversionDays(query: CrmConversionQuery): [string, string] {
  const zone = query.timeZone ?? 'UTC';
  const from = DateTime.fromISO(query.from, { zone });
  const to = DateTime.fromISO(query.to, { zone });
  if (!from.isValid || !to.isValid)
    throw crmInvalidInput(
      `from/to must be ISO date-times and timeZone an IANA zone, got ${query.from}..${query.to} in ${zone}`,
    );
  if (from >= to) throw crmInvalidInput(`from (${query.from}) must be before to (${query.to})`);
  return [from.toISODate()!, to.minus({ milliseconds: 1 }).toISODate()!];
}

/** The calendar day of an instant in the query's zone. */
export function conversionDay(at: number, query: CrmConversionQuery): string {
  return DateTime.fromMillis(at, { zone: query.timeZone ?? 'UTC' }).toISODate()!;
}
