// Ledger writes: the outbox's rows go to Postgres by one activity at a time, which keeps each clock's rows in the
// order they happened. Coalesced (patched): a write starts at once when the last one started at least
// LEDGER_WRITE_EVERY_MS ago; otherwise the rows wait for that, for a full write to pile up, or for the run to end.
// Back-to-back intake then takes one write per few batches instead of one per batch: each write is an activity
// whose scheduling, result and extra workflow task cost the campaign more than its rows do. While a run drains
// to hand over, no write starts: the rows travel in the carry-over and the next run writes them first. A write
// started there held the hand-over up, and under a steady stream of Updates one always was (the bench's scale
// stage sent 2,000 Updates and never saw the hand-over). Only a carry-over too large with its rows flushes them.
import { log, patched } from '@temporalio/workflow';
import { opsEscalationAlert } from '../../sla/alertWording';
import {
  drainEncodedOutbox,
  drainOutbox,
  MAX_LEDGER_WRITE_BYTES,
  outboxSize,
  returnToOutbox,
} from '../../sla/leadBook';
import { encodeLeadActivity, type ColumnarLeadActivity } from '../../sla/recordColumns';
import type { LeadActivityBatch } from '../../sla/records';
import { recordLeadActivity } from './activities';
import { failureMessage } from './escalation';
import { deliver } from './deliveries';
import { track } from './inFlight';
import { decisionNow } from './decisionTime';
import type { CampaignRun } from './run';

/** Patch: ledger writes of at most MAX_LEDGER_WRITE_BYTES each, instead of the whole outbox in one. */
const BOUNDED_LEDGER_WRITES = 'bounded-ledger-writes';
/** Patch: writes coalesced as above, capped on their encoding; runs recorded before wrote whenever none was in flight. */
const COALESCED_LEDGER_WRITES = 'coalesced-ledger-writes';
const LEDGER_WRITE_EVERY_MS = 1_000;
/** A full write: 2,000 admitted leads' rows (a lead and its two clocks each), about 230 KB encoded. */
const LEDGER_WRITE_ROWS = 6_000;
/**
 * Patch: a write's encoding folds the clocks each lead was admitted with onto its row (recordColumns.ts, format 2),
 * so an intake's write carries a third of the rows. Runs recorded before encode every row: a smaller encoding lets
 * more rows into a write capped on its bytes, which would change when the next write starts.
 */
const ADMISSION_CLOCKS_ON_LEAD_ROWS = 'admission-clocks-on-lead-rows';

export function decideLedgerEncoding(run: CampaignRun): void {
  run.ledgerWrites.foldsAdmissionClocks = patched(ADMISSION_CLOCKS_ON_LEAD_ROWS);
}

/** When the next coalesced write may start; none while a hand-over carries the rows instead. */
function writeMayStartAt(run: CampaignRun): number | undefined {
  if (run.draining) return run.ledgerWrites.flushBeforeHandOver ? decisionNow(run) : undefined;
  return run.ledgerWrites.lastAt + LEDGER_WRITE_EVERY_MS;
}

/** When the loop must wake to write rows that wait for the next write, if any. */
export function ledgerWriteDueAt(run: CampaignRun): number | undefined {
  if (run.inFlight.ledgerWrite || outboxSize(run.state.book) === 0 || !patched(COALESCED_LEDGER_WRITES))
    return undefined;
  return writeMayStartAt(run);
}

export function dispatchLedgerWrite(run: CampaignRun): void {
  const { book } = run.state;
  if (run.inFlight.ledgerWrite || outboxSize(book) === 0) return;
  const decidedAt = decisionNow(run);
  const coalesced = patched(COALESCED_LEDGER_WRITES);
  const startAt = coalesced ? writeMayStartAt(run) : decidedAt;
  const writeNow =
    run.ended ||
    (startAt !== undefined && decidedAt >= startAt) ||
    (!run.draining && outboxSize(book) >= LEDGER_WRITE_ROWS);
  if (!writeNow) return;
  run.inFlight.ledgerWrite = true;
  // The write is a command: this task's time replays the same.
  run.ledgerWrites.lastAt = Date.now();
  const { rows, encoded } = coalesced
    ? drainEncodedOutbox(book, LEDGER_WRITE_ROWS, MAX_LEDGER_WRITE_BYTES, {
        foldAdmissionClocks: run.ledgerWrites.foldsAdmissionClocks,
      })
    : encodedAsBefore(drainOutbox(book, uncoalescedCap()));
  track(
    run,
    'ledger',
    deliver(
      run,
      'ledger',
      () => recordLeadActivity(encoded),
      () => returnToOutbox(run.state.book, rows),
    )
      .catch((err: unknown) => refused(run, rows, err))
      .finally(() => {
        run.inFlight.ledgerWrite = false;
      }),
  );
}

/** Runs recorded before coalescing: bounded on the rows' JSON (patched), or the whole outbox in one write. */
function uncoalescedCap(): number {
  return patched(BOUNDED_LEDGER_WRITES) ? MAX_LEDGER_WRITE_BYTES : Infinity;
}

function encodedAsBefore(rows: LeadActivityBatch): { rows: LeadActivityBatch; encoded: ColumnarLeadActivity } {
  return { rows, encoded: encodeLeadActivity(rows, { foldAdmissionClocks: false }) };
}

function refused(run: CampaignRun, rows: LeadActivityBatch, err: unknown): void {
  log.error('ledger write refused', { campaignId: run.campaignId, error: failureMessage(err) });
  run.pendingAlerts.push(
    opsEscalationAlert(
      run.campaignId,
      'Ledger refused lead activity',
      failureMessage(err),
      `${run.campaignId}:ledger-refused:${rows.clocks[0]?.leadId ?? rows.events[0]?.leadId ?? 'batch'}`,
    ),
  );
}
