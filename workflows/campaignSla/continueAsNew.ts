// When a run hands over to a fresh one, and the guard for a state too large to hand over.
import { log, makeContinueAsNewFunc, patched, workflowInfo } from '@temporalio/workflow';
import { carryOverTooLargeAlert } from '../../sla/alertWording';
import { encodeCarryOver } from '../../sla/carryOver';
import { jsonSizeBytes } from '../../sla/inputLimits';
import { openLeadCount } from '../../sla/leadBook';
import type { CampaignRun, CampaignSlaInput } from './run';

/**
 * A run hands over once its history passes this many events. A query on a closed run (and every workflow task after
 * the worker's cache lost the run) replays the whole history: a closed 4,109-event run took 3.2 s, close to the UI's
 * 5 s workflow task limit, so runs now continue as new at 2,000 events, about half that. Counted in events rather
 * than bytes because replay time follows the activations replayed; the server still suggests continue-as-new by
 * size (continueAsNewSuggested) for runs whose few events are large.
 */
const MAX_HISTORY_BEFORE_CONTINUE = 2_000;
/** The threshold before patch `earlier-continue-as-new`: histories recorded under it took their decisions with it. */
const LEGACY_MAX_HISTORY_BEFORE_CONTINUE = 8_000;
const MAX_UPDATES_BEFORE_CONTINUE = 1_500;
/** Temporal rejects a payload over 2 MB; continuing as new with a bigger carry-over would wedge the workflow. */
export const MAX_CARRY_OVER_BYTES = 1_800_000;

/**
 * The history is long enough to hand over, or a versioned deployment has a new current version for this pinned run
 * to move to, unless the open leads are known not to fit a carry-over.
 */
export function dueToContinue(run: CampaignRun): boolean {
  const info = workflowInfo();
  const due =
    info.continueAsNewSuggested ||
    info.targetWorkerDeploymentVersionChanged ||
    historyTooLong(info.historyLength) ||
    run.updatesThisRun > MAX_UPDATES_BEFORE_CONTINUE;
  return due && openLeadCount(run.state.book) < run.carryOverGuard.tooLargeAt;
}

/**
 * Past 2,000 events. The patch is asked only then, so shorter runs record no marker; a history recorded before it
 * (no marker) replays with the old 8,000-event rule, and a run in flight takes up the new one at its next workflow task.
 */
function historyTooLong(historyLength: number): boolean {
  if (historyLength <= MAX_HISTORY_BEFORE_CONTINUE) return false;
  return patched('earlier-continue-as-new') || historyLength > LEGACY_MAX_HISTORY_BEFORE_CONTINUE;
}

/**
 * Continues as new on the deployment's current version: a run is pinned to the code that started it (runtime/deployment),
 * so continue-as-new is where a campaign takes up a new release. Unversioned workers ignore the behavior.
 */
export function continueOnCurrentVersion(next: CampaignSlaInput): Promise<never> {
  return makeContinueAsNewFunc<(input: CampaignSlaInput) => Promise<unknown>>({
    initialVersioningBehavior: 'AUTO_UPGRADE',
  })(next);
}

/** The next run's input with this run's state carried over, and its size as a payload. */
export function nextRunInput(run: CampaignRun): { next: CampaignSlaInput; bytes: number } {
  const carryOver = encodeCarryOver({ ...run.state, continuedAsNew: run.state.continuedAsNew + 1 });
  const next: CampaignSlaInput = { ...run.input, carryOver };
  return { next, bytes: jsonSizeBytes(next) };
}

/** True when the carry-over would be too large even without the unflushed ledger writes it holds. */
export function tooLargeEvenFlushed(run: CampaignRun, bytes: number): boolean {
  return bytes - jsonSizeBytes(run.state.book.outbox) > MAX_CARRY_OVER_BYTES;
}

/** Keeps this run going until fewer leads are open; tells ops once per run. */
export function carryOverTooLarge(run: CampaignRun, bytes: number): void {
  const { state, campaignId, carryOverGuard } = run;
  const openLeads = openLeadCount(state.book);
  carryOverGuard.tooLargeAt = openLeads;
  log.error('carry-over too large to continue as new', { campaignId, openLeads, bytes, limit: MAX_CARRY_OVER_BYTES });
  if (carryOverGuard.reported) return;
  carryOverGuard.reported = true;
  run.pendingAlerts.push(
    carryOverTooLargeAlert(campaignId, {
      openLeads,
      bytes,
      limit: MAX_CARRY_OVER_BYTES,
      continuedAsNew: state.continuedAsNew,
    }),
  );
}
