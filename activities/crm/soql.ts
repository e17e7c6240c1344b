// Building blocks for SOQL text. Every value that reaches a query goes through one of these,
// so user- or CRM-supplied strings can never change the shape of a query.
import { DateTime } from 'luxon';
import { boundedBatches } from '../../sla/batches';

/** Thrown for values that must not be sent to Salesforce at all. */
export class SoqlValueError extends Error {
  override name = 'SoqlValueError';
}

// Salesforce record IDs: 15 case-sensitive or 18 case-insensitive alphanumerics.
const SALESFORCE_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;
// API names of standard and custom fields (e.g. OwnerId, Lead_Tier__c, ns__Field__c).
const FIELD_API_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Returns the ID unchanged, or throws naming `what` when it is not a 15/18-char Salesforce ID. */
export function assertSalesforceId(value: string, what: string): string {
  if (typeof value !== 'string' || !SALESFORCE_ID.test(value)) {
    throw new SoqlValueError(`${what} must be a 15 or 18 character Salesforce ID, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Returns the field name unchanged, or throws naming `what` when it is not a plain API name. */
export function assertFieldApiName(value: string, what: string): string {
  if (typeof value !== 'string' || !FIELD_API_NAME.test(value)) {
    throw new SoqlValueError(`${what} must be a Salesforce field API name, got ${JSON.stringify(value)}`);
  }
  return value;
}

const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** Escapes the characters SOQL treats specially inside a quoted string literal. */
export function escapeSoqlString(value: string): string {
  return value.replace(/[\\'"\n\r\t\b\f]/g, (char) => ESCAPES[char]);
}

/** A quoted, escaped SOQL string literal. */
export function soqlString(value: string): string {
  return `'${escapeSoqlString(value)}'`;
}

/** A quoted Salesforce ID literal; the ID is validated rather than escaped. */
export function soqlId(value: string, what: string): string {
  return `'${assertSalesforceId(value, what)}'`;
}

/** `('a', 'b')` for an IN clause; an empty list is refused because SOQL rejects `IN ()`. */
export function soqlStringList(values: readonly string[], what: string): string {
  if (values.length === 0) throw new SoqlValueError(`${what} must not be empty`);
  return `(${values.map(soqlString).join(', ')})`;
}

/** `('id1', 'id2')` for an IN clause over IDs. */
export function soqlIdList(ids: readonly string[], what: string): string {
  if (ids.length === 0) throw new SoqlValueError(`${what} must not be empty`);
  return `(${ids.map((id, i) => soqlId(id, `${what}[${i}]`)).join(', ')})`;
}

/**
 * A SOQL dateTime literal (unquoted, UTC, whole seconds as documented for SOQL).
 * Salesforce stores dateTimes at whole seconds, so a fractional bound is rounded up:
 * for a stored second s, `s >= t` and `s < t` are equivalent to comparing against ceil(t).
 */
export function soqlDateTime(iso: string, what: string): string {
  const parsed = DateTime.fromISO(iso, { zone: 'utc' });
  if (!parsed.isValid) throw new SoqlValueError(`${what} must be an ISO-8601 date-time, got ${JSON.stringify(iso)}`);
  const wholeSecond = parsed.millisecond === 0 ? parsed : parsed.startOf('second').plus({ seconds: 1 });
  return wholeSecond.toUTC().toFormat("yyyy-MM-dd'T'HH:mm:ss'Z'");
}

/** Splits IDs into IN-clause batches no longer than `maxIds` items and `maxChars` characters of list text. */
export function batchIdsForInClause(ids: readonly string[], maxIds: number, maxChars: number): string[][] {
  // The surrounding parentheses, then quotes, comma and space per ID.
  return boundedBatches(ids, { maxItems: maxIds, maxCost: maxChars, baseCost: 2 }, (id) => id.length + 4);
}

/** A SOQL date literal (unquoted YYYY-MM-DD), for date fields such as Lead.ConvertedDate. */
export function soqlDate(date: string, what: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(date))) {
    throw new SoqlValueError(`${what} must be a date YYYY-MM-DD, got ${JSON.stringify(date)}`);
  }
  return date;
}
