// The compact form of a campaign's state for continue-as-new. Temporal refuses a payload over 2 MB
// and the plain LeadBook costs ~630 bytes of JSON per open lead (~950 once touched), so carrying it
// as is failed above ~3,000 open leads and left the workflow task failing forever. This form keeps
// exactly what the engine needs to behave the same after continue-as-new, at ~90 bytes for an
// untouched lead and ~180 for a touched one:
// - the due queue is not carried: decode rebuilds it from the clocks (rebuildDueQueue);
// - tiers, owner IDs and history texts are interned into one string table and referred to by index;
// - each lead is a positional array whose trailing default values are left out;
// - times are exact millisecond offsets (a lead's createdAt from the book's epoch, its other times from
//   its createdAt): collectDue compares due times with !==, so no rounding to seconds;
// - a lead keeps its last CARRIED_HISTORY_ENTRIES history entries; the ledger keeps every event,
//   clock outcome and escalation step;
// - closedLeadIds keeps the CARRIED_CLOSED_LEAD_IDS most recently closed.
// Format 6 deflates that form (zlib, RFC 1950) and hands it to the next run as a binary payload, its second
// argument: Salesforce IDs, tiers and offsets repeat, so 50,000 open leads with Salesforce-shaped IDs take about
// 0.5 MB instead of 4.6 MB. The run's first argument then holds only a marker with counts.
// Pure and deterministic: it runs inside workflow code.
import { Unzlib, strFromU8, strToU8, zlibSync } from 'fflate/browser';
import { z } from 'zod';
import type { LeadActivityBatch } from './records';
import { emptyDueQueue } from './dueQueue';
import { dict, toDict } from './dict';
import { conversionStages, formatIssues } from './leadEvents';
import {
  emptyOutbox,
  openLeadCount,
  outboxSize,
  rebuildDueQueue,
  type ClockState,
  type LeadBook,
  type LeadHistoryEntry,
  type LeadState,
  type LeadStatus,
} from './leadBook';
import { isMilestoneClock, milestoneClock, milestoneName, type ClockKind } from './clockKind';

/**
 * Format 2 added a clock's failed step attempts, breached owner and breach retraction as trailing clock
 * positions; a format-1 carry-over (a run started by the previous release) decodes with them absent.
 */
/** 3 adds each reassigned lead's owner spans (position 15); 1 and 2 read as leads that kept one owner. */
/** 4 adds the reps' recent breaches, out-of-rotation spells and CRM-deactivated reps; earlier formats read as none. */
/**
 * 5 adds milestone clocks (lead position 16), each clock's pause (clock positions 12-15), the lead's CRM status
 * (position 17) and the milestone tally; earlier formats read as leads without milestones.
 */
const CARRY_OVER_FORMAT = 5;
/** 6 is format 5 packed: the marker in the first argument, the deflated carry-over in the second. */
const PACKED_FORMAT = 6;
const READABLE_FORMATS: readonly number[] = [1, 2, 3, 4, 5, PACKED_FORMAT];
/**
 * A packed carry-over inflating past this is refused before it can exhaust the worker's memory: deflate reaches
 * ratios of 1,000:1, so a 2 MB payload could otherwise claim 2 GB. 50,000 touched open leads take about 10 MB.
 */
export const MAX_UNPACKED_CARRY_OVER_BYTES = 64 * 1024 * 1024;
/** History entries kept per lead; the `lead` query shows these, the ledger has the full record. */
export const CARRIED_HISTORY_ENTRIES = 3;
/**
 * Closed lead IDs kept for duplicate detection. A lead closed longer ago than that and sent again is
 * admitted again; the ledger's (campaign_id, lead_id) primary key keeps its original leads row.
 */
export const CARRIED_CLOSED_LEAD_IDS = 5_000;

const leadStatuses: readonly LeadStatus[] = ['open', 'accepted', 'rejected', 'nurture', 'recycled'];

const offsetSchema = z.number().refine(Number.isFinite, 'must be a finite number of milliseconds');
const indexSchema = z.number().int().nonnegative();
const optionalOffset = offsetSchema.nullable().optional();

/**
 * [startedAt, warnAt, deadline, warnedAt, metAt, breachedAt, stoppedAt, nextStep, nextStepAt, stepAttempts,
 * breachedOwner (string index), breachRetractedAt, pausedAt, remainingMs, warnRemainingMs, pausedMs,
 * reassignPick's stepIndex, reassignPick's owner (string index)]; absent = null, trailing nulls left out.
 * remainingMs, warnRemainingMs and pausedMs are durations, not offsets.
 */
const compactClockSchema = z.tuple([
  offsetSchema,
  offsetSchema,
  offsetSchema,
  optionalOffset,
  optionalOffset,
  optionalOffset,
  optionalOffset,
  indexSchema.nullable().optional(),
  optionalOffset,
  indexSchema.nullable().optional(),
  indexSchema.nullable().optional(),
  optionalOffset,
  optionalOffset,
  z.number().nonnegative().nullable().optional(),
  z.number().nonnegative().nullable().optional(),
  z.number().nonnegative().nullable().optional(),
  indexSchema.nullable().optional(),
  indexSchema.nullable().optional(),
]);
type CompactClock = z.infer<typeof compactClockSchema>;

/** [at offset, string index] */
const compactHistorySchema = z.tuple([offsetSchema, indexSchema]);

/**
 * [leadId, tier, owner, createdAt, configVersion, history, firstTouch, followUp, acceptance, status,
 * attempts, reassignments, firstTouchAt, stage, eventIds, owners]. tier, owner and history texts index the
 * string table; status and stage index leadStatuses and conversionStages. Positions from history on
 * are left out at the end of the array while they hold their default (empty, null or 0; status open).
 */
export const compactLeadSchema = z.tuple([
  z.string(),
  indexSchema,
  indexSchema,
  offsetSchema,
  z.number().int(),
  z.array(compactHistorySchema).optional(),
  compactClockSchema.nullable().optional(),
  compactClockSchema.nullable().optional(),
  compactClockSchema.nullable().optional(),
  z
    .number()
    .int()
    .min(0)
    .max(leadStatuses.length - 1)
    .optional(),
  z.number().int().nonnegative().optional(),
  z.number().int().nonnegative().optional(),
  offsetSchema.nullable().optional(),
  z
    .number()
    .int()
    .min(0)
    .max(conversionStages.length - 1)
    .nullable()
    .optional(),
  z.array(z.string()).optional(),
  /** [from offset, owner index] per owner span, for leads that changed owner. */
  z.array(z.tuple([offsetSchema, indexSchema])).optional(),
  /** [milestone name index, clock] per milestone clock the lead has started. */
  z.array(z.tuple([indexSchema, compactClockSchema])).optional(),
  /** [CRM status index, since offset], for leads whose status the CRM reported. */
  z.tuple([indexSchema, offsetSchema]).nullable().optional(),
]);
type CompactLead = z.infer<typeof compactLeadSchema>;

// The zod schemas above are the reference, and they name the field when a lead is wrong. Checking 50,000 leads with
// them held a new run's first workflow task for about a second (tuples take zod's slow path, and it copies every
// lead), so each lead is first checked by the predicates below: a lead they pass, zod passes too (the test holds
// them to that), and zod runs only on the rest of the book, or on all of it when a lead does not pass.
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isIndex = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isAbsent = (v: unknown) => v === undefined || v === null;
const isIndexBelow = (n: number) => (v: unknown) => isIndex(v) && (v as number) < n;
const isPairOf =
  (first: (v: unknown) => boolean, second: (v: unknown) => boolean) =>
  (v: unknown): boolean =>
    Array.isArray(v) && v.length === 2 && first(v[0]) && second(v[1]);
const isArrayOf =
  (item: (v: unknown) => boolean) =>
  (v: unknown): boolean =>
    Array.isArray(v) && v.every(item);
const optional = (check: (v: unknown) => boolean) => (v: unknown) => v === undefined || check(v);
const nullable = (check: (v: unknown) => boolean) => (v: unknown) => isAbsent(v) || check(v);
const isNonNegative = (v: unknown) => isNumber(v) && v >= 0;

/** compactClockSchema's positions. */
const CLOCK_POSITIONS: readonly ((v: unknown) => boolean)[] = [
  isNumber,
  isNumber,
  isNumber,
  ...Array<(v: unknown) => boolean>(4).fill(nullable(isNumber)),
  nullable(isIndex),
  nullable(isNumber),
  nullable(isIndex),
  nullable(isIndex),
  nullable(isNumber),
  nullable(isNumber),
  ...Array<(v: unknown) => boolean>(3).fill(nullable(isNonNegative)),
];
const REQUIRED_CLOCK_POSITIONS = 3;

function isCompactClock(v: unknown): boolean {
  if (!Array.isArray(v) || v.length < REQUIRED_CLOCK_POSITIONS || v.length > CLOCK_POSITIONS.length) return false;
  for (let i = 0; i < v.length; i++) if (!CLOCK_POSITIONS[i](v[i])) return false;
  return true;
}

/** compactLeadSchema's positions. */
const LEAD_POSITIONS: readonly ((v: unknown) => boolean)[] = [
  (v) => typeof v === 'string',
  isIndex,
  isIndex,
  isNumber,
  Number.isSafeInteger,
  optional(isArrayOf(isPairOf(isNumber, isIndex))),
  nullable(isCompactClock),
  nullable(isCompactClock),
  nullable(isCompactClock),
  optional(isIndexBelow(leadStatuses.length)),
  optional(isIndex),
  optional(isIndex),
  nullable(isNumber),
  nullable(isIndexBelow(conversionStages.length)),
  optional(isArrayOf((v) => typeof v === 'string')),
  optional(isArrayOf(isPairOf(isNumber, isIndex))),
  optional(isArrayOf(isPairOf(isIndex, isCompactClock))),
  nullable(isPairOf(isIndex, isNumber)),
];
const REQUIRED_LEAD_POSITIONS = 5;

/** Whether a value is a compact lead that compactLeadSchema accepts; false may still be one (zod then decides). */
export function isCompactLead(v: unknown): v is CompactLead {
  if (!Array.isArray(v) || v.length < REQUIRED_LEAD_POSITIONS || v.length > LEAD_POSITIONS.length) return false;
  for (let i = 0; i < v.length; i++) if (!LEAD_POSITIONS[i](v[i])) return false;
  return true;
}

/** Defaults of the lead positions that may be left out (index 5 on). */
const leadDefaults = [[], null, null, null, 0, 0, 0, null, null, [], [], [], null] as const;
const FIRST_OPTIONAL_POSITION = 5;

const isBatch = (v: unknown): v is LeadActivityBatch =>
  typeof v === 'object' &&
  v !== null &&
  ['leads', 'events', 'clocks'].every((k) => Array.isArray((v as Record<string, unknown>)[k]));

const compactLeadBookSchema = z.strictObject({
  /** Interned tiers, owner IDs and history texts. */
  strings: z.array(z.string()),
  /** Leads' createdAt are offsets from this time (the earliest createdAt; 0 with no leads). */
  epoch: offsetSchema,
  leads: z.array(compactLeadSchema),
  closedLeadIds: z.array(z.string()),
  ownerLoad: z.record(z.string(), z.number()),
  roundRobin: z.record(z.string(), z.strictObject({ scores: z.record(z.string(), z.number()) })),
  /** Absent when no rep has a recent breach or a spell out of rotation. */
  rotation: z
    .record(z.string(), z.strictObject({ breaches: z.array(offsetSchema), outUntil: offsetSchema.optional() }))
    .optional(),
  /** Absent when the CRM has deactivated none of the campaign's reps. */
  inactiveReps: z.array(z.string()).optional(),
  /** Milestone clocks of leads gone, by milestone name; absent before any left. */
  milestoneTally: z
    .record(
      z.string(),
      z.strictObject({
        started: indexSchema,
        met: indexSchema,
        breached: indexSchema,
        stopped: indexSchema,
        paused: indexSchema,
        pausedMs: z.number().nonnegative(),
      }),
    )
    .optional(),
  /** Ledger writes not flushed before continue-as-new (Updates accepted while flushing); absent when empty. */
  outbox: z.custom<LeadActivityBatch>(isBatch, 'must be an object with leads, events and clocks arrays').optional(),
});
export type CompactLeadBook = z.infer<typeof compactLeadBookSchema>;

/** A campaign workflow's carry-over with its lead book in compact form; everything else is carried as is. */
export type CompactCarryOver<S extends { book: LeadBook }> = Omit<S, 'book'> & {
  format: typeof CARRY_OVER_FORMAT;
  book: CompactLeadBook;
};

function interner() {
  const strings: string[] = [];
  const indices = new Map<string, number>();
  return {
    strings,
    intern(s: string): number {
      let index = indices.get(s);
      if (index === undefined) {
        index = strings.length;
        strings.push(s);
        indices.set(s, index);
      }
      return index;
    },
  };
}

function encodeClock(clock: ClockState, base: number, intern: (s: string) => number): CompactClock {
  const rel = (t: number | undefined) => (t === undefined ? null : t - base);
  const full: CompactClock = [
    clock.startedAt - base,
    clock.warnAt - base,
    clock.deadline - base,
    rel(clock.warnedAt),
    rel(clock.metAt),
    rel(clock.breachedAt),
    rel(clock.stoppedAt),
    clock.nextStep ?? null,
    rel(clock.nextStepAt),
    clock.stepAttempts ?? null,
    clock.breachedOwnerId === undefined ? null : intern(clock.breachedOwnerId),
    rel(clock.breachRetractedAt),
    rel(clock.pausedAt),
    clock.remainingMs ?? null,
    clock.warnRemainingMs ?? null,
    clock.pausedMs ?? null,
    clock.reassignPick?.stepIndex ?? null,
    clock.reassignPick === undefined ? null : intern(clock.reassignPick.newOwnerId),
  ];
  while (full.length > 3 && full[full.length - 1] === null) full.pop();
  return full;
}

function isDefault(value: unknown, fallback: unknown): boolean {
  if (Array.isArray(fallback)) return Array.isArray(value) && value.length === 0;
  return value === fallback;
}

function encodeLead(lead: LeadState, epoch: number, intern: (s: string) => number): CompactLead {
  const base = lead.createdAt;
  const clock = (kind: ClockKind) => {
    const state = lead.clocks[kind];
    return state ? encodeClock(state, base, intern) : null;
  };
  const history = lead.history
    .slice(-CARRIED_HISTORY_ENTRIES)
    .map((entry): [number, number] => [entry.at - base, intern(entry.what)]);
  const full: CompactLead = [
    lead.leadId,
    intern(lead.tier),
    intern(lead.ownerId),
    lead.createdAt - epoch,
    lead.configVersion,
    history,
    clock('firstTouch'),
    clock('followUp'),
    clock('acceptance'),
    leadStatuses.indexOf(lead.status),
    lead.attempts,
    lead.reassignments,
    lead.firstTouchAt === undefined ? null : lead.firstTouchAt - base,
    lead.stage === undefined ? null : conversionStages.indexOf(lead.stage),
    lead.eventIds,
    (lead.owners ?? []).map((span): [number, number] => [span.from - base, intern(span.ownerId)]),
    Object.entries(lead.clocks).flatMap(([kind, state]): Array<[number, CompactClock]> =>
      state && isMilestoneClock(kind) ? [[intern(milestoneName(kind)), encodeClock(state, base, intern)]] : [],
    ),
    lead.crmStatus === undefined ? null : [intern(lead.crmStatus), (lead.crmStatusAt as number) - base],
  ];
  while (
    full.length > FIRST_OPTIONAL_POSITION &&
    isDefault(full[full.length - 1], leadDefaults[full.length - 1 - FIRST_OPTIONAL_POSITION])
  )
    full.pop();
  return full;
}

/** The compact form of a lead book. The book is not modified. */
export function encodeLeadBook(book: LeadBook): CompactLeadBook {
  const leads = Object.values(book.leads);
  const epoch = leads.reduce((min, lead) => Math.min(min, lead.createdAt), Infinity);
  const table = interner();
  const compact: CompactLeadBook = {
    strings: table.strings,
    epoch: leads.length ? epoch : 0,
    // Object.values order is kept, so the rebuilt due queue orders equal due times as before.
    leads: leads.map((lead) => encodeLead(lead, epoch, table.intern)),
    closedLeadIds: book.closedLeadIds.slice(-CARRIED_CLOSED_LEAD_IDS),
    ownerLoad: book.ownerLoad,
    roundRobin: book.roundRobin,
  };
  if (Object.keys(book.rotation).length > 0) compact.rotation = book.rotation;
  if (book.inactiveReps.length > 0) compact.inactiveReps = book.inactiveReps;
  if (book.milestoneTally && Object.keys(book.milestoneTally).length > 0) compact.milestoneTally = book.milestoneTally;
  if (outboxSize(book) > 0) compact.outbox = book.outbox;
  return compact;
}

function lookup(strings: string[], index: number, path: string): string {
  const value = strings[index];
  if (value === undefined) {
    throw new Error(`${path}: string index ${index} is outside the string table (${strings.length} entries)`);
  }
  return value;
}

function decodeClock(clock: CompactClock, base: number, strings: string[], path: string): ClockState {
  const [startedAt, warnAt, deadline, warnedAt, metAt, breachedAt, stoppedAt, nextStep, nextStepAt] = clock;
  const [, , , , , , , , , stepAttempts, breachedOwner, breachRetractedAt, pausedAt, remainingMs] = clock;
  const [, , , , , , , , , , , , , , warnRemainingMs, pausedMs, pickStep, pickOwner] = clock;
  const state: ClockState = { startedAt: base + startedAt, warnAt: base + warnAt, deadline: base + deadline };
  if (warnedAt != null) state.warnedAt = base + warnedAt;
  if (metAt != null) state.metAt = base + metAt;
  if (breachedAt != null) state.breachedAt = base + breachedAt;
  if (stoppedAt != null) state.stoppedAt = base + stoppedAt;
  if (nextStep != null) state.nextStep = nextStep;
  if (nextStepAt != null) state.nextStepAt = base + nextStepAt;
  if (stepAttempts != null) state.stepAttempts = stepAttempts;
  if (breachedOwner != null) state.breachedOwnerId = lookup(strings, breachedOwner, `${path}[10]`);
  if (breachRetractedAt != null) state.breachRetractedAt = base + breachRetractedAt;
  if (pausedAt != null) state.pausedAt = base + pausedAt;
  if (remainingMs != null) state.remainingMs = remainingMs;
  if (warnRemainingMs != null) state.warnRemainingMs = warnRemainingMs;
  if (pausedMs != null) state.pausedMs = pausedMs;
  if (pickStep != null && pickOwner != null)
    state.reassignPick = { stepIndex: pickStep, newOwnerId: lookup(strings, pickOwner, `${path}[17]`) };
  return state;
}

function decodeLead(compact: CompactLead, epoch: number, strings: string[], path: string): LeadState {
  const [
    leadId,
    tier,
    owner,
    createdOffset,
    configVersion,
    history,
    firstTouch,
    followUp,
    acceptance,
    status,
    attempts,
    reassignments,
    firstTouchAt,
    stage,
    eventIds,
    owners,
    milestones,
    crmStatus,
  ] = compact;
  const createdAt = epoch + createdOffset;
  const clocks: LeadState['clocks'] = {};
  // Same key order as a live lead: admission starts firstTouch and followUp, first touch adds acceptance.
  if (firstTouch) clocks.firstTouch = decodeClock(firstTouch, createdAt, strings, `${path}[6]`);
  if (followUp) clocks.followUp = decodeClock(followUp, createdAt, strings, `${path}[7]`);
  if (acceptance) clocks.acceptance = decodeClock(acceptance, createdAt, strings, `${path}[8]`);
  (milestones ?? []).forEach(([name, clock], i) => {
    clocks[milestoneClock(lookup(strings, name, `${path}[16][${i}][0]`))] = decodeClock(
      clock,
      createdAt,
      strings,
      `${path}[16][${i}][1]`,
    );
  });
  const lead: LeadState = {
    leadId,
    tier: lookup(strings, tier, `${path}[1]`),
    ownerId: lookup(strings, owner, `${path}[2]`),
    createdAt,
    configVersion,
    status: leadStatuses[status ?? 0],
    attempts: attempts ?? 0,
    reassignments: reassignments ?? 0,
    clocks,
    eventIds: eventIds ?? [],
    history: (history ?? []).map(([at, what], i): LeadHistoryEntry => ({
      at: createdAt + at,
      what: lookup(strings, what, `${path}[5][${i}][1]`),
    })),
  };
  if (stage != null) lead.stage = conversionStages[stage];
  if (firstTouchAt != null) lead.firstTouchAt = createdAt + firstTouchAt;
  if (crmStatus != null) {
    lead.crmStatus = lookup(strings, crmStatus[0], `${path}[17][0]`);
    lead.crmStatusAt = createdAt + crmStatus[1];
  }
  if (owners?.length) {
    lead.owners = owners.map(([from, owner], i) => ({
      from: createdAt + from,
      ownerId: lookup(strings, owner, `${path}[15][${i}][1]`),
    }));
  }
  return lead;
}

/** The book as compactLeadBookSchema parses it; its leads checked by isCompactLead first (see above). */
function parseCompactLeadBook(input: unknown, path: string): CompactLeadBook {
  const leads = (input as { leads?: unknown } | null)?.leads;
  if (typeof input === 'object' && Array.isArray(leads) && leads.every(isCompactLead)) {
    const rest = compactLeadBookSchema.safeParse({ ...input, leads: [] });
    if (rest.success) return { ...rest.data, leads };
  }
  const parsed = compactLeadBookSchema.safeParse(input);
  if (!parsed.success) throw new Error(`invalid carried-over lead book:\n${formatIssues(parsed.error, path)}`);
  return parsed.data;
}

/** Validates a compact lead book and rebuilds the LeadBook, due queue included. Errors name the bad field's path. */
export function decodeLeadBook(input: unknown, path = 'carryOver.book'): LeadBook {
  const compact = parseCompactLeadBook(input, path);
  const leads: LeadBook['leads'] = dict();
  compact.leads.forEach((encoded, i) => {
    const where = `${path}.leads[${i}]`;
    if (Object.hasOwn(leads, encoded[0])) throw new Error(`${where}[0]: lead "${encoded[0]}" appears twice`);
    leads[encoded[0]] = decodeLead(encoded, compact.epoch, compact.strings, where);
  });
  const book: LeadBook = {
    leads,
    closedLeadIds: compact.closedLeadIds,
    due: emptyDueQueue(), // rebuilt below
    ownerLoad: toDict(compact.ownerLoad),
    roundRobin: toDict(
      Object.fromEntries(Object.entries(compact.roundRobin).map(([pool, rr]) => [pool, { scores: toDict(rr.scores) }])),
    ),
    rotation: toDict(compact.rotation),
    inactiveReps: compact.inactiveReps ?? [],
    ...(compact.milestoneTally ? { milestoneTally: toDict(compact.milestoneTally) } : {}),
    outbox: compact.outbox ?? emptyOutbox(),
  };
  rebuildDueQueue(book);
  return book;
}

/** The carry-over to pass to continue-as-new: the lead book compacted, the rest as is. */
export function encodeCarryOver<S extends { book: LeadBook }>(state: S): CompactCarryOver<S> {
  return { ...state, format: CARRY_OVER_FORMAT, book: encodeLeadBook(state.book) };
}

/** What a packed run's first argument carries in place of its state: counts only, shown as is in the Temporal UI. */
export interface PackedCarryOverMarker {
  format: typeof PACKED_FORMAT;
  openLeads: number;
  /** Size of the packed carry-over (the second argument), and of its JSON once inflated. */
  packedBytes: number;
  unpackedBytes: number;
}

/** Size in bytes of the value's JSON once deflated as a packed carry-over is. */
export function packedSizeBytes(value: unknown): number {
  return zlibSync(strToU8(JSON.stringify(value))).byteLength;
}

/** The carry-over for continue-as-new in format 6: the marker for the first argument, the packed state for the second. */
export function packCarryOver<S extends { book: LeadBook }>(
  state: S,
): { marker: PackedCarryOverMarker; packed: Uint8Array } {
  const json = strToU8(JSON.stringify(encodeCarryOver(state)));
  const packed = zlibSync(json);
  return {
    marker: {
      format: PACKED_FORMAT,
      openLeads: openLeadCount(state.book),
      packedBytes: packed.byteLength,
      unpackedBytes: json.byteLength,
    },
    packed,
  };
}

/** Inflates a packed carry-over, refusing one that is not zlib data or inflates past MAX_UNPACKED_CARRY_OVER_BYTES. */
function unpack(packed: unknown): unknown {
  // A binary payload may come from another realm than the workflow's, so no instanceof.
  if (!ArrayBuffer.isView(packed)) {
    throw new Error(
      "carryOver: format 6 needs the packed carry-over as the run's second argument (bytes); it is missing",
    );
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const inflater = new Unzlib((chunk) => {
    total += chunk.byteLength;
    if (total > MAX_UNPACKED_CARRY_OVER_BYTES) {
      throw new Error(`carryOver: the packed carry-over inflates past ${MAX_UNPACKED_CARRY_OVER_BYTES} bytes; refused`);
    }
    chunks.push(chunk);
  });
  try {
    inflater.push(new Uint8Array(packed.buffer, packed.byteOffset, packed.byteLength), true);
  } catch (err) {
    if (total > MAX_UNPACKED_CARRY_OVER_BYTES) throw err;
    throw new Error(`carryOver: the packed carry-over is not zlib data: ${(err as Error).message}`, { cause: err });
  }
  const json = new Uint8Array(total);
  chunks.reduce((at, chunk) => (json.set(chunk, at), at + chunk.byteLength), 0);
  try {
    return JSON.parse(strFromU8(json));
  } catch (err) {
    throw new Error(`carryOver: the packed carry-over is not JSON: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The workflow state from a carry-over written by encodeCarryOver (formats 1-5, in the first argument) or
 * packCarryOver (format 6: the marker in the first argument, `packed` the second).
 */
export function decodeCarryOver<S extends { book: LeadBook }>(
  carried: CompactCarryOver<S> | PackedCarryOverMarker,
  packed?: unknown,
): S {
  if (!READABLE_FORMATS.includes(carried.format)) {
    throw new Error(
      `carryOver.format: expected one of ${READABLE_FORMATS.join(', ')}, got ${JSON.stringify(carried.format)}; this worker cannot read that carry-over`,
    );
  }
  if (carried.format === PACKED_FORMAT) {
    const unpacked = unpack(packed) as Partial<CompactCarryOver<S>> | null;
    if (typeof unpacked !== 'object' || unpacked === null || unpacked.format !== CARRY_OVER_FORMAT) {
      throw new Error(
        `carryOver: the packed carry-over must hold a format ${CARRY_OVER_FORMAT} carry-over, got format ${JSON.stringify(unpacked?.format)}`,
      );
    }
    return decodeCarryOver(unpacked as CompactCarryOver<S>);
  }
  const { format: _format, book, ...rest } = carried;
  // `rest` is S without its book, which is restored here.
  return { ...rest, book: decodeLeadBook(book) } as unknown as S;
}
