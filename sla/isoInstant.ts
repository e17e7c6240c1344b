// Instants ⇄ the 24-character form `Date.prototype.toISOString` prints ("2026-03-02T09:00:00.000Z"), by integer
// arithmetic: a lead batch formats and parses thousands of them, and inside the workflow sandbox every `Date` goes
// through the SDK's wrapper. Outside years 0000–9999 (where toISOString prints six digits) both defer to `Date`.

// Taken once: inside the workflow sandbox every read of a global (`Math`, `Number`) goes through the vm
// context's interceptors, which cost more than the arithmetic here.
const { floor } = Math;
const { isInteger } = Number;

const DAY_MS = 86_400_000;
/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z. */
const FIRST_FOUR_DIGIT_MS = -62_167_219_200_000;
const LAST_FOUR_DIGIT_MS = 253_402_300_799_999;
/** Days from 0000-03-01 to 1970-01-01: the civil calendar's count starts on a March so leap days end a year. */
const EPOCH_DAYS_FROM_MARCH_0000 = 719_468;

const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const three = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);
const four = (n: number) => (n < 1000 ? `0${three(n)}` : `${n}`);

/** `new Date(ms).toISOString()`, the same string, RangeError included. */
export function isoInstant(ms: number): string {
  if (!isInteger(ms) || ms < FIRST_FOUR_DIGIT_MS || ms > LAST_FOUR_DIGIT_MS) return new Date(ms).toISOString();
  const days = floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  const { year, month, day } = civilDate(days);
  const hour = floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = floor(rest / 1000);
  const milli = rest - second * 1000;
  return `${four(year)}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}.${three(milli)}Z`;
}

/** The civil date of a day counted from 1970-01-01 (proleptic Gregorian; H. Hinnant's days-to-civil). */
function civilDate(days: number): { year: number; month: number; day: number } {
  const z = days + EPOCH_DAYS_FROM_MARCH_0000;
  const era = floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = floor(
    (dayOfEra - floor(dayOfEra / 1460) + floor(dayOfEra / 36_524) - floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + floor(yearOfEra / 4) - floor(yearOfEra / 100));
  const monthFromMarch = floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Days from 1970-01-01 to a civil date (H. Hinnant's days-from-civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + floor(yearOfEra / 4) - floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - EPOCH_DAYS_FROM_MARCH_0000;
}

const isLeap = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Reads `length` ASCII digits at `at`; -1 if any is not a digit. */
function digits(text: string, at: number, length: number): number {
  let n = 0;
  for (let i = at; i < at + length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

const SEPARATORS: [number, string][] = [
  [4, '-'],
  [7, '-'],
  [10, 'T'],
  [13, ':'],
  [16, ':'],
  [19, '.'],
  [23, 'Z'],
];

/**
 * The instant a string names when it is exactly what `isoInstant` prints for that instant (24 characters, a
 * four-digit year, every field in range); otherwise undefined.
 */
export function instantOfIso(text: string): number | undefined {
  if (text.length !== 24) return undefined;
  for (const [at, char] of SEPARATORS) if (text[at] !== char) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  const milli = digits(text, 20, 3);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return undefined;
  if (minute < 0 || minute > 59 || second < 0 || second > 59 || milli < 0) return undefined;
  if (day > (month === 2 && isLeap(year) ? 29 : MONTH_DAYS[month - 1])) return undefined;
  return daysFromCivil(year, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000 + milli;
}

/**
 * `Date.parse(text)`, the same number: the form isoInstant prints is read by integer arithmetic, anything else goes to
 * `Date.parse` (each lead of a batch has such timestamps, and the sandbox's `Date` is the SDK's wrapper).
 */
export function parseInstant(text: string): number {
  return instantOfIso(text) ?? Date.parse(text);
}
