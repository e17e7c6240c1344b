import { DateTime, IANAZone } from 'luxon';

// Business-hours calendars: SLA clocks only tick inside local wall-clock windows.
// Pure and deterministic (imported by Temporal workflow code): no I/O, no clock reads.

type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export type BusinessCalendar = {
  timezone: string; // IANA, e.g. "Australia/Sydney"
  hours: Partial<Record<Weekday, Array<[string, string]>>>; // local "HH:MM" windows, several per day allowed
  holidays?: string[]; // local dates "YYYY-MM-DD"
};

// Ordered like luxon's `weekday` (1 = Monday … 7 = Sunday).
const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const MINUTES_PER_DAY = 24 * 60;
const MS_PER_DAY = 24 * 60 * 60 * 1000;
// Upper bound for addBusinessTime's walk; a valid calendar never needs this many days.
const MAX_DAYS_WALKED = 3 * 366;
/**
 * Weeks of a calendar's business hours that a business-time duration may take (config validation refuses longer
 * ones). The walk covers MAX_DAYS_WALKED - 1 = 1,097 whole local days after the start's own: 156 whole weeks. The
 * 52 weeks kept in reserve absorb what tz transitions take: a skipped local hour (or day, as Samoa's 2011-12-30)
 * costs at most the business windows of the day or two around it, and a zone has a handful in three years.
 */
const PLACEABLE_WEEKS = 104;
const MS_PER_MINUTE = 60_000;

const TIME_PATTERN = /^(\d{2}):(\d{2})$/;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

type CivilDate = { year: number; month: number; day: number };
/** A local date as whole days since 1970-01-01: walking days is integer arithmetic, with no Date or string made. */
type DayNumber = number;
// Real-time span in epoch milliseconds, half-open: [start, end).
type Interval = { start: number; end: number };
type MinuteWindow = { start: number; end: number }; // minutes after local midnight, end may be 1440
type CompiledCalendar = {
  /** Windows placed as before patch wall-clock-dst (keepLegacyDstRule): see dayIntervals. */
  legacyDst: boolean;
  zone: IANAZone;
  windows: Record<Weekday, MinuteWindow[]>; // sorted by start, non-overlapping
  holidays: ReadonlySet<DayNumber>;
  /** Local date -> its windows as real-time intervals: resolving a local time in a zone is the costly step. */
  days: Map<DayNumber, Interval[]>;
  /** Quarter-hour (epoch ms / OFFSET_BUCKET_MS) -> the zone's UTC offset in minutes throughout it, if constant. */
  offsets: Map<number, number | null>;
};
/**
 * Zone offsets are looked up per quarter hour: tz transitions fall on quarter hours in UTC (offsets and the local
 * times of changes are whole quarter hours), and a bucket whose two ends disagree is resolved per instant.
 */
const OFFSET_BUCKET_MS = 15 * 60 * 1000;
/** About seven months of quarter hours per calendar. */
const MAX_CACHED_OFFSETS = 20_000;
/** Days kept per calendar: a few years of deadlines; cleared when full, as a recomputed day is identical. */
const MAX_CACHED_DAYS = 2_000;

/**
 * Each calendar object is compiled once: config calendars are never mutated, and a workflow evaluates the same
 * few calendars for every lead (a WeakMap, so dropped configs free their compiled form).
 */
const compiledCalendars = new WeakMap<BusinessCalendar, CompiledCalendar>();
const legacyDstCalendars = new WeakSet<BusinessCalendar>();

/**
 * Places this calendar object's windows as before patch wall-clock-dst, for a workflow replaying a run recorded
 * under it: its deadlines came from that placement.
 */
export function keepLegacyDstRule(calendar: BusinessCalendar): void {
  legacyDstCalendars.add(calendar);
}

/**
 * The instant at which `durationMs` of business time has elapsed after `start`.
 * A zero duration means "as soon as business is open": `start` itself when it is
 * business time, otherwise the start of the next window.
 */
export function addBusinessTime(start: Date, durationMs: number, calendar: BusinessCalendar): Date {
  return new Date(addBusinessMs(instantOf(start, 'start'), durationMs, calendar));
}

/**
 * addBusinessTime on epoch milliseconds. Lead intake takes two such deadlines per lead; in the workflow sandbox
 * every `Date` made goes through the SDK's wrapper, so the clocks' arithmetic makes none.
 */
export function addBusinessMs(from: number, durationMs: number, calendar: BusinessCalendar): number {
  if (!Number.isFinite(from)) throw new Error(`start: must be a valid instant, got ${from}`);
  if (!Number.isFinite(durationMs) || durationMs < 0) {
    throw new Error(`addBusinessTime: durationMs must be a finite number >= 0, got ${durationMs}`);
  }
  let remaining = durationMs;
  let reached: number | undefined;
  walkBusinessIntervals(compileCalendar(calendar), from, MAX_DAYS_WALKED, (start, end) => {
    if (remaining > end - start) {
      remaining -= end - start;
      return false;
    }
    reached = start + remaining;
    return true;
  });
  if (reached !== undefined) return reached;
  throw new Error(
    `addBusinessTime: could not place ${durationMs} ms of business time within ${MAX_DAYS_WALKED} days ` +
      `after ${new Date(from).toISOString()}; the calendar has too few business windows (check hours and holidays)`,
  );
}

/** How much business time a calendar is sure to place, from any start: see placeableBusinessTime. */
export type PlaceableBusinessTime = {
  /** The longest duration addBusinessMs places from any start (0: none can be relied on). */
  maxMs: number;
  /** Business time in a week with no holidays: the windows' local lengths. */
  weeklyMs: number;
  /** Weeks of that the bound is made of. */
  weeks: number;
  /** Business time the listed holidays take within the walk's span, where they take the most. */
  holidayMs: number;
};

/**
 * The longest business-time duration that addBusinessMs is sure to place from any start instant:
 * PLACEABLE_WEEKS weeks of the calendar's windows, less the most business time its listed holidays take within any
 * MAX_DAYS_WALKED consecutive local days (the walk's span; holidays outside it cannot hinder it). Throws for an
 * invalid calendar, as the arithmetic does.
 */
export function placeableBusinessTime(calendar: BusinessCalendar): PlaceableBusinessTime {
  const compiled = compileCalendar(calendar);
  const windowMs = (weekday: Weekday) =>
    compiled.windows[weekday].reduce((sum, window) => sum + (window.end - window.start) * MS_PER_MINUTE, 0);
  const weeklyMs = WEEKDAYS.reduce((sum, weekday) => sum + windowMs(weekday), 0);
  const holidays = [...compiled.holidays].sort((a, b) => a - b);
  let holidayMs = 0;
  let inSpan = 0;
  // Two pointers over the sorted local dates: the span [holidays[first], holidays[first] + MAX_DAYS_WALKED).
  for (let first = 0, next = 0; first < holidays.length; first++) {
    for (; next < holidays.length && holidays[next] < holidays[first] + MAX_DAYS_WALKED; next++)
      inSpan += windowMs(weekdayOf(holidays[next]));
    holidayMs = Math.max(holidayMs, inSpan);
    inSpan -= windowMs(weekdayOf(holidays[first]));
  }
  return {
    maxMs: Math.max(0, PLACEABLE_WEEKS * weeklyMs - holidayMs),
    weeklyMs,
    weeks: PLACEABLE_WEEKS,
    holidayMs,
  };
}

/** Milliseconds of business time in [start, end); 0 when end <= start. */
export function businessTimeBetween(start: Date, end: Date, calendar: BusinessCalendar): number {
  return businessMsBetween(instantOf(start, 'start'), instantOf(end, 'end'), calendar);
}

/** businessTimeBetween on epoch milliseconds. */
export function businessMsBetween(from: number, until: number, calendar: BusinessCalendar): number {
  if (!Number.isFinite(from)) throw new Error(`start: must be a valid instant, got ${from}`);
  if (!Number.isFinite(until)) throw new Error(`end: must be a valid instant, got ${until}`);
  const compiled = compileCalendar(calendar);
  if (until <= from) return 0;
  // Local days can differ from real days by a UTC offset; two spare days cover that.
  const daysToWalk = Math.ceil((until - from) / MS_PER_DAY) + 2;
  let total = 0;
  walkBusinessIntervals(compiled, from, daysToWalk, (start, end) => {
    if (start >= until) return true;
    total += Math.min(end, until) - start;
    return false;
  });
  return total;
}

/** Whether `at` falls inside a business window (windows are half-open: closing time is not business time). */
export function isBusinessTime(at: Date, calendar: BusinessCalendar): boolean {
  const instant = instantOf(at, 'at');
  // Only the local day containing `at` can hold a window covering it.
  let open = false;
  walkBusinessIntervals(compileCalendar(calendar), instant, 1, (start) => {
    open = start === instant;
    return true;
  });
  return open;
}

/** Problems with the calendar, each prefixed by the path of the offending field; empty when valid. */
export function validateCalendar(calendar: BusinessCalendar): string[] {
  const input: unknown = calendar;
  if (!isRecord(input)) return ['calendar: must be an object with timezone, hours and optional holidays'];
  return [...timezoneProblems(input.timezone), ...hoursProblems(input.hours), ...holidayProblems(input.holidays)];
}

function timezoneProblems(timezone: unknown): string[] {
  if (typeof timezone !== 'string') return ['timezone: must be an IANA time zone name string'];
  // IANAZone.create caches per name, so repeated validation stays cheap.
  return IANAZone.create(timezone).isValid ? [] : [`timezone: "${timezone}" is not a valid IANA time zone`];
}

function hoursProblems(hours: unknown): string[] {
  if (!isRecord(hours)) return ['hours: must be an object keyed by weekday (mon..sun)'];
  const problems: string[] = [];
  let windowCount = 0;
  for (const [key, value] of Object.entries(hours)) {
    if (!(WEEKDAYS as readonly string[]).includes(key)) {
      problems.push(`hours.${key}: unknown weekday, expected one of ${WEEKDAYS.join(', ')}`);
      continue;
    }
    if (value === undefined) continue;
    if (!Array.isArray(value)) {
      problems.push(`hours.${key}: must be a list of ["HH:MM", "HH:MM"] windows`);
      continue;
    }
    const parsed: Array<{ path: string; label: string; window: MinuteWindow }> = [];
    value.forEach((entry: unknown, index) => {
      const path = `hours.${key}[${index}]`;
      const result = windowOrProblems(entry, path);
      if (Array.isArray(result)) problems.push(...result);
      else parsed.push({ path, ...result });
    });
    windowCount += value.length;
    parsed.sort((a, b) => a.window.start - b.window.start);
    for (let i = 1; i < parsed.length; i++) {
      const previous = parsed[i - 1];
      const current = parsed[i];
      if (current.window.start < previous.window.end) {
        problems.push(`${current.path}: window ${current.label} overlaps ${previous.path} ${previous.label}`);
      }
    }
  }
  if (windowCount === 0) {
    problems.push('hours: no business windows in the week, so business-time deadlines could never be reached');
  }
  return problems;
}

function windowOrProblems(entry: unknown, path: string): { label: string; window: MinuteWindow } | string[] {
  if (!Array.isArray(entry) || entry.length !== 2) return [`${path}: must be a ["HH:MM", "HH:MM"] pair`];
  const [startText, endText] = entry as unknown[];
  const start = parseTime(startText);
  const end = parseTime(endText);
  const problems: string[] = [];
  if (start === undefined)
    problems.push(`${path}: start ${JSON.stringify(startText)} is not a time between "00:00" and "23:59"`);
  else if (start === MINUTES_PER_DAY) problems.push(`${path}: start "24:00" is only allowed as an end`);
  if (end === undefined)
    problems.push(`${path}: end ${JSON.stringify(endText)} is not a time between "00:00" and "24:00"`);
  if (problems.length > 0 || start === undefined || end === undefined) return problems;
  if (end <= start) return [`${path}: end "${endText}" is not after start "${startText}"`];
  return { label: `${startText}-${endText}`, window: { start, end } };
}

function holidayProblems(holidays: unknown): string[] {
  if (holidays === undefined) return [];
  if (!Array.isArray(holidays)) return ['holidays: must be a list of "YYYY-MM-DD" dates'];
  return holidays.flatMap((holiday: unknown, index) =>
    parseDate(holiday) ? [] : [`holidays[${index}]: ${JSON.stringify(holiday)} is not a valid "YYYY-MM-DD" date`],
  );
}

/** Minutes after midnight for "HH:MM" (00:00-24:00), undefined when malformed. */
function parseTime(text: unknown): number | undefined {
  const match = typeof text === 'string' ? TIME_PATTERN.exec(text) : null;
  if (!match) return undefined;
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  if (Number(match[2]) > 59 || minutes > MINUTES_PER_DAY) return undefined;
  return minutes;
}

function parseDate(text: unknown): CivilDate | undefined {
  const match = typeof text === 'string' ? DATE_PATTERN.exec(text) : null;
  if (!match) return undefined;
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  // Round-tripping through UTC rejects impossible dates such as 2026-02-30.
  return formatDate(civilDateOf(dayNumberOf(date))) === text ? date : undefined;
}

function compileCalendar(calendar: BusinessCalendar): CompiledCalendar {
  const legacyDst = legacyDstCalendars.has(calendar);
  const cached = compiledCalendars.get(calendar);
  if (cached && cached.legacyDst === legacyDst) return cached;
  const problems = validateCalendar(calendar);
  if (problems.length > 0) throw new Error(`Invalid business calendar: ${problems.join('; ')}`);
  const windows = {} as Record<Weekday, MinuteWindow[]>;
  for (const weekday of WEEKDAYS) {
    windows[weekday] = (calendar.hours[weekday] ?? [])
      .map(([start, end]) => ({ start: parseTime(start) as number, end: parseTime(end) as number }))
      .sort((a, b) => a.start - b.start);
  }
  const compiled = {
    legacyDst,
    zone: IANAZone.create(calendar.timezone),
    windows,
    holidays: new Set((calendar.holidays ?? []).map((holiday) => dayNumberOf(parseDate(holiday) as CivilDate))),
    days: new Map<DayNumber, Interval[]>(),
    offsets: new Map<number, number | null>(),
  };
  compiledCalendars.set(calendar, compiled);
  return compiled;
}

/**
 * One local date's business windows as real-time intervals, in order (none on a holiday): every instant whose local
 * wall-clock reading falls on that date inside one of its windows. Where clocks fall back, a window over the repeated
 * hour holds both passes of it; where they spring forward, the skipped local times hold no instant. Before patch
 * wall-clock-dst each window edge was resolved on its own by luxon, which takes the later offset in an overlap: a
 * window ending at 24:00 on the day before a fall-back at midnight (America/Havana) reached past the next local
 * midnight, where no walk from that next day saw it, and a 24/7 calendar lost that hour.
 */
function dayIntervals(calendar: CompiledCalendar, day: DayNumber): Interval[] {
  let intervals = calendar.days.get(day);
  if (!intervals) {
    const date = civilDateOf(day);
    const windows = calendar.holidays.has(day) ? [] : calendar.windows[weekdayOf(day)];
    intervals = calendar.legacyDst
      ? windows.map((window) => ({
          start: localInstant(date, window.start, calendar.zone),
          end: localInstant(date, window.end, calendar.zone),
        }))
      : wallClockIntervals(calendar.zone, day, windows);
    if (calendar.days.size >= MAX_CACHED_DAYS) calendar.days.clear();
    calendar.days.set(day, intervals);
  }
  return intervals;
}

/** The local date of an instant in the calendar's zone. */
function localDayAt(calendar: CompiledCalendar, ms: number): DayNumber {
  const bucket = Math.floor(ms / OFFSET_BUCKET_MS);
  let offset = calendar.offsets.get(bucket);
  if (offset === undefined) {
    const first = calendar.zone.offset(bucket * OFFSET_BUCKET_MS);
    const last = calendar.zone.offset((bucket + 1) * OFFSET_BUCKET_MS - 1);
    offset = first === last ? first : null;
    if (calendar.offsets.size >= MAX_CACHED_OFFSETS) calendar.offsets.clear();
    calendar.offsets.set(bucket, offset);
  }
  return Math.floor((ms + (offset ?? calendar.zone.offset(ms)) * 60_000) / MS_PER_DAY);
}

/**
 * Business windows as real-time intervals, in order, clipped to start at `from`,
 * covering at most `maxDays` local days beginning with the day containing `from`;
 * `visit` gets each until it returns true. Intervals never overlap: a window endpoint
 * in a spring-forward gap is shifted forward by luxon, which can push it past the
 * next endpoint, so each interval is clipped to begin where the previous one ended.
 */
function walkBusinessIntervals(
  calendar: CompiledCalendar,
  from: number,
  maxDays: number,
  visit: (start: number, end: number) => boolean,
): void {
  const first = localDayAt(calendar, from);
  let covered = from; // everything before this instant has been visited or lies before `from`
  for (let day = first; day < first + maxDays; day++) {
    for (const window of dayIntervals(calendar, day)) {
      if (window.end <= covered) continue;
      const start = window.start > covered ? window.start : covered;
      covered = window.end;
      if (visit(start, window.end)) return;
    }
  }
}

/**
 * The instants whose local wall-clock reading lies in one of a date's windows, merged and in order. Readings are
 * "wall ms" (the local date and time read as if UTC); an instant t reads t + offset(t). The zone's offset is taken
 * as changing at most once in the 54 hours that can hold the date's readings (offsets lie within ±15 h).
 */
function wallClockIntervals(zone: IANAZone, day: DayNumber, windows: readonly MinuteWindow[]): Interval[] {
  if (windows.length === 0) return [];
  const midnight = day * MS_PER_DAY;
  const lo = midnight - 15 * 60 * MS_PER_MINUTE;
  const hi = midnight + MS_PER_DAY + 15 * 60 * MS_PER_MINUTE;
  const spans: { from: number; to: number; offsetMs: number }[] = [];
  const before = zone.offset(lo);
  const after = zone.offset(hi);
  if (before === after) spans.push({ from: lo, to: hi, offsetMs: before * MS_PER_MINUTE });
  else {
    // The first instant on the new offset, to the millisecond.
    let [low, high] = [lo, hi];
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if (zone.offset(mid) === before) low = mid;
      else high = mid;
    }
    spans.push({ from: lo, to: high, offsetMs: before * MS_PER_MINUTE });
    spans.push({ from: high, to: hi, offsetMs: after * MS_PER_MINUTE });
  }
  const found: Interval[] = [];
  for (const window of windows) {
    const readFrom = midnight + window.start * MS_PER_MINUTE;
    const readTo = midnight + window.end * MS_PER_MINUTE;
    for (const span of spans) {
      const start = Math.max(span.from, readFrom - span.offsetMs);
      const end = Math.min(span.to, readTo - span.offsetMs);
      if (start < end) found.push({ start, end });
    }
  }
  found.sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const interval of found) {
    const last = merged[merged.length - 1];
    if (last && interval.start <= last.end) last.end = Math.max(last.end, interval.end);
    else merged.push({ ...interval });
  }
  return merged;
}

/** Epoch ms of a local wall-clock minute on a local date, as luxon resolves it (before patch wall-clock-dst). */
function localInstant(date: CivilDate, minuteOfDay: number, zone: IANAZone): number {
  // "24:00" is midnight at the start of the following local day.
  const day = minuteOfDay === MINUTES_PER_DAY ? civilDateOf(dayNumberOf(date) + 1) : date;
  const minute = minuteOfDay % MINUTES_PER_DAY;
  return DateTime.fromObject({ ...day, hour: Math.floor(minute / 60), minute: minute % 60 }, { zone }).toMillis();
}

// Calendar-date arithmetic only (no time zone involved), done on UTC dates.
function dayNumberOf(date: CivilDate): DayNumber {
  return Date.UTC(date.year, date.month - 1, date.day) / MS_PER_DAY;
}

function civilDateOf(day: DayNumber): CivilDate {
  const utc = new Date(day * MS_PER_DAY);
  return { year: utc.getUTCFullYear(), month: utc.getUTCMonth() + 1, day: utc.getUTCDate() };
}

/** 1970-01-01 was a Thursday (index 3 from Monday). */
function weekdayOf(day: DayNumber): Weekday {
  return WEEKDAYS[(((day + 3) % 7) + 7) % 7];
}

function formatDate(date: CivilDate): string {
  const pad = (value: number, width: number) => String(value).padStart(width, '0');
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}

function instantOf(value: Date, name: string): number {
  const ms = value instanceof Date ? value.getTime() : NaN;
  if (Number.isNaN(ms)) throw new Error(`${name}: must be a valid Date, got ${String(value)}`);
  return ms;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
