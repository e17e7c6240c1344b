// When a run hands over to a fresh one, and the guard for a state too large to hand over.
import {
  allHandlersFinished,
  condition,
  log,
  makeContinueAsNewFunc,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
import { carryOverTooLargeAlert, opsEscalationAlert } from '../../sla/alertWording';
import { alertsToCarry, type Alert } from '../../sla/alerts';
import { packCarryOver, packedSizeBytes } from '../../sla/carryOver';
import { jsonSizeBytes } from '../../sla/inputLimits';
import { knownLead, openLeadCount, rebuildDueQueue } from '../../sla/leadBook';
import { cancelDeliveries } from './deliveries';
import { decisionNow, sleepFixingTime } from './decisionTime';
import type { CampaignRun, CampaignSlaInput } from './run';
import { STANDING_WAKE_UP_TIMERS } from './wakeUp';

/**
 * A run hands over once its history passes this many events. A query on a closed run (and every workflow task after
 * the worker's cache lost the run) replays the whole history: a closed 4,109-event run took 3.2 s, close to the UI's
 * 5 s workflow task limit, so runs now continue as new at 2,000 events, about half that. Counted in events rather
 * than bytes because replay time follows the activations replayed; the server still suggests continue-as-new by
 * size (continueAsNewSuggested) for runs whose few events are large.
 */
export const MAX_HISTORY_BEFORE_CONTINUE = 2_000;
/** The threshold before patch `earlier-continue-as-new`: histories recorded under it took their decisions with it. */
const LEGACY_MAX_HISTORY_BEFORE_CONTINUE = 8_000;
const MAX_UPDATES_BEFORE_CONTINUE = 1_500;
/** Temporal rejects a payload over 2 MB; continuing as new with a bigger carry-over would wedge the workflow. */
export const MAX_CARRY_OVER_BYTES = 1_800_000;
/**
 * Open leads a run hands over at most. The next run's first workflow task unpacks, validates and decodes every one:
 * about 3 s for 50,000 on the bench's 2-core machine, against Temporal's 10 s workflow task timeout. Packed,
 * 150,000 leads with Salesforce's sequential IDs would fit the byte guard, and their first task could time out
 * again and again. Runs of earlier releases could not carry more than ~19,000, so no recorded hand-over passes it.
 */
export const MAX_CARRIED_OPEN_LEADS = 60_000;

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
 * Patch: a drain that has not handed over within HAND_OVER_WAIT_MS gives up. While a run drains it starts no
 * escalation step, intake route, CRM poll or ledger write, so that what is in flight can land; but what is in flight
 * may be an alert or a ledger write retrying through a webhook or Postgres outage for minutes, and new alerts keep
 * starting. A chaos run's drain lasted 5 minutes (11,000 events) behind such alerts while every step due was held.
 * Now the run gives up after HAND_OVER_WAIT_MS, starts what it held, and drains again HAND_OVER_RETRY_MS later; it
 * hands over whenever nothing is in flight, draining or not. Asked once as the loop starts, so its marker's place
 * never depends on the run's state; runs recorded before wait for their drain to land.
 */
export function boundsHandOverWait(): boolean {
  return patched('bounded-hand-over-wait');
}
/** A drain's longest hold on steps, routes, polls and ledger writes: normally it lands within a task or two. */
const HAND_OVER_WAIT_MS = 5_000;
/**
 * The pause before the next drain, doubling after each that gave up: the held work runs meanwhile, and the run hands
 * over as soon as nothing is in flight. Each drain adds a few events, so a long outage adds few.
 */
const HAND_OVER_RETRY_MS = 25_000;
const HAND_OVER_RETRY_MAX_MS = 5 * 60_000;

/**
 * Starts a drain: nothing new starts from here on (see `draining`). Its own timer makes this task one with a
 * command, whose time a replay reads the same: a replay runs a task without commands at the next one's time
 * (retryTiming.ts), which would move the drain's deadline. So the drain counts from this task's own time, not from
 * the time the loop decided by (decisionTime.ts): every delivery started before it started before that time.
 */
export function startDraining(run: CampaignRun): void {
  if (run.draining) return;
  run.draining = true;
  run.handOver.drainingSince = Date.now();
  run.handOver.cancellingWaits = 0;
  run.handOver.alertsCancelled = false;
  wakeAfter(run, HAND_OVER_WAIT_MS, 'hand-over wait');
}

/**
 * A drain past its wait gives up: what it held starts, and the next drain waits for its own timer. First, though,
 * alerts and ledger writes still in flight from before the drain are retrying through an outage (a healthy one lands
 * in milliseconds): they are cancelled and carried over (deliveries.ts), and the drain waits once more. Under patch
 * alerts-flow-while-draining alerts start during a drain too, so a second wait may cancel those sent during the
 * first (new alerts stop once one is cancelled). No more than two: a drain that must flush the ledger before it can
 * hand over starts a write again after each cancelled one, and would hold its steps for as long as Postgres is down.
 */
export function giveUpDrainIfOverdue(run: CampaignRun): void {
  const { alertsFlowWhileDraining, cancellingWaits, drainingSince } = run.handOver;
  if (!run.draining || decisionNow(run) < drainingSince + HAND_OVER_WAIT_MS) return;
  const maxCancellingWaits = alertsFlowWhileDraining ? 2 : 1;
  if (cancellingWaits < maxCancellingWaits && cancelDeliveries(run, drainingSince) > 0) {
    run.handOver.cancellingWaits++;
    run.handOver.drainingSince = Date.now();
    wakeAfter(run, HAND_OVER_WAIT_MS, 'hand-over wait');
    return;
  }
  log.warn('hand-over gave up waiting for work in flight; draining again later', {
    campaignId: run.campaignId,
    drains: run.handOver.gaveUp + 1,
    inFlight: run.inFlight.count,
    historyLength: workflowInfo().historyLength,
  });
  stopDraining(run);
  const pause = Math.min(HAND_OVER_RETRY_MS * 2 ** run.handOver.gaveUp, HAND_OVER_RETRY_MAX_MS);
  run.handOver.gaveUp++;
  run.handOver.nextDrainAt = Date.now() + pause;
  wakeAfter(run, pause, 'next hand-over');
}

function wakeAfter(run: CampaignRun, ms: number, summary: string): void {
  void sleepFixingTime(run, ms, summary).then(() => {
    run.wake = true;
  });
}

/** Ends a drain that did not hand over: steps it released are planned again, and its rows are written as usual. */
export function stopDraining(run: CampaignRun): void {
  run.draining = false;
  run.ledgerWrites.flushBeforeHandOver = false;
  if (run.stepsReleased) rebuildDueQueue(run.state.book);
  run.stepsReleased = false;
}

/**
 * Called when some handler has not finished. A handler that returns at once (admitting leads, recording events)
 * still counts as running until the SDK completes its Update later in the same activation, and the loop looks right
 * after such an Update woke it: under a steady stream of Updates it never saw all handlers finished and a run went on
 * to the server's limit of 2,000 Updates per run, which then refused every Update. So wait for those within the
 * activation; never for handlers awaiting activities (the clocks must not wait on them): the next wake-up looks again.
 * The loop calls this only when allHandlersFinished() is false, so runs recorded before it replay without an await.
 */
export async function handlersSettled(run: CampaignRun): Promise<boolean> {
  if (run.awaitingHandlers > 0 || !patched('settle-handlers-before-hand-over')) return false;
  await condition(() => allHandlersFinished() || run.awaitingHandlers > 0);
  return allHandlersFinished();
}

/**
 * A run whose wake-up timers stand (none is ever cancelled) hands over in the task that found it ready. The 1 ms
 * timer it used to wait on first is a server round trip through the timer queue: under a steady stream of
 * Updates the dev server fired one after 27 more workflow tasks and 345 more events.
 */
export function handsOverInDecidingTask(): boolean {
  return patched(STANDING_WAKE_UP_TIMERS) && patched('hand-over-in-deciding-task');
}

/**
 * Continues as new on the deployment's current version: a run is pinned to the code that started it (runtime/deployment),
 * so continue-as-new is where a campaign takes up a new release. Unversioned workers ignore the behavior.
 */
export function continueOnCurrentVersion(next: NextRun): Promise<never> {
  return makeContinueAsNewFunc<(input: CampaignSlaInput, packed: Uint8Array) => Promise<unknown>>({
    initialVersioningBehavior: 'AUTO_UPGRADE',
  })(next.input, next.packed);
}

/** The next run's arguments, this run's state packed into the second, and their size as payloads. */
interface NextRun {
  input: CampaignSlaInput;
  packed: Uint8Array;
  bytes: number;
}

/** The next run's arguments, or null when the open leads are more than one run may carry. */
export function nextRun(run: CampaignRun): NextRun | null {
  if (openLeadCount(run.state.book) > MAX_CARRIED_OPEN_LEADS) return null;
  const unsentAlerts = alertsCarried(run);
  const { marker, packed } = packCarryOver({
    ...run.state,
    continuedAsNew: run.state.continuedAsNew + 1,
    ...(unsentAlerts.length > 0 ? { unsentAlerts } : {}),
  });
  const input: CampaignSlaInput = { ...run.input, carryOver: marker };
  return { input, packed, bytes: jsonSizeBytes(input) + packed.byteLength };
}

/**
 * Undelivered alerts a hand-over carries at most: through a long webhook outage they pile up run after run, and the
 * carry-over must stay far under its guard (about 40 bytes each packed).
 */
const MAX_CARRIED_ALERTS = 2_000;

/** The queued alerts the next run sends first; past the cap, one alert saying how many were dropped takes their place. */
function alertsCarried(run: CampaignRun): Alert[] {
  const { carried, dropped } = alertsToCarry(run.pendingAlerts, MAX_CARRIED_ALERTS - 1);
  if (dropped === 0) return carried;
  const { campaignId, state } = run;
  return [
    ...carried,
    opsEscalationAlert(
      campaignId,
      'Undelivered alerts dropped',
      `${dropped} alerts raised while alerts could not be delivered were more than a run carries over ` +
        `(${MAX_CARRIED_ALERTS}); the ledger and the dashboard keep the breaches and steps they reported`,
      `${campaignId}:alerts-dropped:${state.continuedAsNew + 1}`,
    ),
  ];
}

/**
 * True when the carry-over would be too large even without the unflushed ledger writes it holds (as packed), or
 * when there is none because too many leads are open.
 */
export function tooLargeEvenFlushed(run: CampaignRun, next: NextRun | null): boolean {
  return next === null || next.bytes - packedSizeBytes(run.state.book.outbox) > MAX_CARRY_OVER_BYTES;
}

/**
 * The run's hand-over was refused as too large, so it takes no new leads until it has handed over: each would grow
 * a history that can no longer be cut, towards replays slower than the workflow task timeout and Temporal's history
 * limit, and keep the open leads above what fits. Leads already open keep their clocks; as they close, the run
 * tries again, and the next run takes new leads.
 */
export function refusesNewLeads(run: CampaignRun): boolean {
  return run.carryOverGuard.tooLargeAt !== Infinity;
}

/** Why new leads are refused while the run cannot hand over; null when it takes them, or `leads` holds none new. */
export function newLeadsRefusal(run: CampaignRun, leads: readonly { leadId: string }[]): string | null {
  if (!refusesNewLeads(run)) return null;
  const { book } = run.state;
  // A retried batch whose leads are all in (or closed) is answered as before: nothing new enters.
  const fresh = leads.filter((lead) => knownLead(book, lead.leadId) === 'unknown').length;
  if (fresh === 0) return null;
  return (
    `campaign ${run.campaignId} takes no new leads: its ${openLeadCount(book)} open leads are more than one run can ` +
    `hand over (refused at ${run.carryOverGuard.tooLargeAt}), so ${fresh} new lead${fresh === 1 ? ' is' : 's are'} ` +
    'refused until enough leads close for the run to hand over; admit them into another campaign'
  );
}

/** Keeps this run going until fewer leads are open; tells ops once per run. */
export function carryOverTooLarge(run: CampaignRun, next: NextRun | null): void {
  const bytes = next?.bytes ?? null;
  const { state, campaignId, carryOverGuard } = run;
  const openLeads = openLeadCount(state.book);
  carryOverGuard.tooLargeAt = openLeads;
  log.error('carry-over too large to continue as new', {
    campaignId,
    openLeads,
    bytes,
    limit: MAX_CARRY_OVER_BYTES,
    openLeadsLimit: MAX_CARRIED_OPEN_LEADS,
  });
  if (carryOverGuard.reported) return;
  carryOverGuard.reported = true;
  run.pendingAlerts.push(
    carryOverTooLargeAlert(campaignId, {
      openLeads,
      bytes,
      limit: MAX_CARRY_OVER_BYTES,
      openLeadsLimit: MAX_CARRIED_OPEN_LEADS,
      continuedAsNew: state.continuedAsNew,
    }),
  );
}
