// Lead activity batches in columns, for the ledger write's activity input: each record kind's keys once,
// the values every row shares (the campaign, usually the config version) once per batch, and timestamps as
// milliseconds from the batch's earliest. The input is stored in the workflow's history and sent to the
// activity, so a 500-lead intake's write carries far fewer bytes. Lossless for records that never hold
// null: a field left out comes back left out, and a column is timestamps only if every value in it is one.
// Format 2 also folds the clocks a lead was admitted with onto its row (startedClocks.ts): the ledger writes the same
// rows, from a third of the input. A worker that knows only format 1 refuses it, so it cannot drop the deadlines.
import { dict } from './dict';
import { instantOfIso, isoInstant } from './isoInstant';
import type { LeadActivityBatch, LeadRecord } from './records';
import { foldStartedClocks, type LeadRow } from './startedClocks';

const LEAD_ACTIVITY_COLUMNS = 'columns-2';
/** Written by workflows before admission's clocks were folded; still in their histories and retries. */
const UNFOLDED_COLUMNS = 'columns-1';

export interface RecordColumns {
  /** Values every row has, equal in all of them. */
  shared: Record<string, string | number | boolean>;
  /** The other keys, in the order the rows' values follow; null where a row has no such field. */
  keys: string[];
  rows: unknown[][];
  /** Keys whose values are ISO timestamps, carried as milliseconds after `epoch`. */
  times?: string[];
  epoch?: number;
}

/** The instant an ISO timestamp names, when the timestamp is exactly how that instant prints. */
const instantOf = (value: unknown) => (typeof value === 'string' ? instantOfIso(value) : undefined);

export interface ColumnarLeadActivity {
  format: typeof LEAD_ACTIVITY_COLUMNS | typeof UNFOLDED_COLUMNS;
  leads: RecordColumns;
  events: RecordColumns;
  clocks: RecordColumns;
  steps?: RecordColumns;
}

type Shareable = string | number | boolean;
const isShareable = (value: unknown): value is Shareable =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

export function toColumns(records: readonly object[]): RecordColumns {
  const rows = records as readonly Record<string, unknown>[];
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const record of rows) {
    for (const key in record) {
      if (!seen.has(key) && record[key] !== undefined) {
        seen.add(key);
        keys.push(key);
      }
    }
  }
  const shared = dict<Shareable>();
  const columns: string[] = [];
  const times: string[] = [];
  const instants = new Map<string, (number | undefined)[]>();
  let epoch = Infinity;
  // Rows of one write share most of their timestamps (a batch's arrival, its deadlines): each is parsed once.
  const parsed = new Map<unknown, number | null>();
  const instantIn = (value: unknown) => {
    let instant = parsed.get(value);
    if (instant === undefined) {
      instant = instantOf(value) ?? null;
      parsed.set(value, instant);
    }
    return instant ?? undefined;
  };
  for (const key of keys) {
    const first = rows[0][key];
    if (rows.length > 1 && isShareable(first) && rows.every((record) => record[key] === first)) {
      shared[key] = first;
      continue;
    }
    columns.push(key);
    // A column of timestamps only: every value present is one, exactly as it prints.
    const ms: (number | undefined)[] = [];
    let allTimes = true;
    for (const record of rows) {
      const value = record[key];
      if (value === undefined) {
        ms.push(undefined);
        continue;
      }
      const instant = instantIn(value);
      if (instant === undefined) {
        allTimes = false;
        break;
      }
      ms.push(instant);
      if (instant < epoch) epoch = instant;
    }
    if (allTimes) {
      times.push(key);
      instants.set(key, ms);
    }
  }
  const table: RecordColumns = {
    shared,
    keys: columns,
    rows: rows.map((record, row) =>
      columns.map((key) => {
        const ms = instants.get(key);
        if (ms) return ms[row] === undefined ? null : (ms[row] as number) - epoch;
        return record[key] ?? null;
      }),
    ),
  };
  if (times.length > 0) Object.assign(table, { times, epoch });
  return table;
}

export function fromColumns<T>(table: RecordColumns): T[] {
  const keys = [...Object.keys(table.shared), ...table.keys];
  // Only the records' own field names ever appear; anything else is not a batch this code wrote.
  const refused = keys.find((key) => key === '__proto__' || key === 'constructor' || key === 'prototype');
  if (refused !== undefined) throw new TypeError(`lead activity columns: field name "${refused}" refused`);
  const times = new Set(table.times ?? []);
  const isTime = table.keys.map((key) => times.has(key));
  const epoch = table.epoch ?? 0;
  // Entries copied one by one: spreading the shared values into each row cost twice the rest of the decoding.
  const shared = Object.entries(table.shared);
  return table.rows.map((values) => {
    // Null prototype: a field name can never reach Object.prototype, whatever a batch holds.
    const record: Record<string, unknown> = Object.create(null);
    for (const [key, value] of shared) record[key] = value;
    for (let i = 0; i < table.keys.length; i++) {
      const value = values[i];
      if (value === null || value === undefined) continue;
      record[table.keys[i]] = isTime[i] ? isoInstant(epoch + (value as number)) : value;
    }
    return record as T;
  });
}

/**
 * The lead with its folded deadlines as fields of its own; toColumns leaves out the undefined ones. Every field by
 * name (spreading the lead took 1.7 ms per 1,000 rows against 0.04 in Node 20): one added to LeadRecord does not
 * compile until it is listed here.
 */
const leadWithDeadlines = ({ lead, firstTouch, followUp }: LeadRow): LeadRecord =>
  ({
    campaignId: lead.campaignId,
    leadId: lead.leadId,
    tier: lead.tier,
    ownerId: lead.ownerId,
    createdAt: lead.createdAt,
    configVersion: lead.configVersion,
    firstTouchDeadline: firstTouch ?? undefined,
    followUpDeadline: followUp ?? undefined,
  }) satisfies Record<keyof LeadRecord, unknown>;

/** Format 2 when asked to fold admission's clocks (workflows since that patch), else format 1. */
export function encodeLeadActivity(
  batch: LeadActivityBatch,
  { foldAdmissionClocks }: { foldAdmissionClocks: boolean },
): ColumnarLeadActivity {
  const folded = foldAdmissionClocks ? foldStartedClocks(batch.leads, batch.clocks) : undefined;
  return {
    format: folded ? LEAD_ACTIVITY_COLUMNS : UNFOLDED_COLUMNS,
    leads: toColumns(folded ? folded.leads.map(leadWithDeadlines) : batch.leads),
    events: toColumns(batch.events),
    clocks: toColumns(folded ? folded.clocks : batch.clocks),
    ...(batch.steps && { steps: toColumns(batch.steps) }),
  };
}

/**
 * A batch as the ledger takes it, from any form: runs recorded before columns scheduled rows, and before folding
 * format 1. Folded leads carry their admission deadlines as fields, which the ledger reads (startedClocks.ts).
 */
export function decodeLeadActivity(input: LeadActivityBatch | ColumnarLeadActivity): LeadActivityBatch {
  if (!('format' in input)) return input;
  if (input.format !== LEAD_ACTIVITY_COLUMNS && input.format !== UNFOLDED_COLUMNS) {
    throw new TypeError(`lead activity in an unknown form "${String(input.format)}": a newer worker wrote it`);
  }
  return {
    leads: fromColumns(input.leads),
    events: fromColumns(input.events),
    clocks: fromColumns(input.clocks),
    ...(input.steps && { steps: fromColumns(input.steps) }),
  };
}
