// One long-lived workflow per campaign (entity pattern). It orchestrates only: SLA math lives in sla/,
// I/O lives in activities. One timer at a time — the earliest due clock, check, poll, expiry or quarter
// end — instead of one server timer per lead. The loop never waits on an activity: it starts them, keeps
// firing clocks on time, and applies their results when they complete (see inFlight.ts).
import { allHandlersFinished, ApplicationFailure, condition, patched, sleep, workflowInfo } from '@temporalio/workflow';
import { decodeCarryOver } from '../../sla/carryOver';
import { parseAcceptedConfig, parseCampaignConfig } from '../../sla/config';
import { nextDueAt, openLeadCount, outboxSize } from '../../sla/leadBook';
import { nextProposalExpiry } from '../../sla/proposals';
import { recordConfigVersion } from './activities';
import { dispatchEffects, fireDueClocks } from './clockEffects';
import {
  carryOverTooLarge,
  boundsHandOverWait,
  continueOnCurrentVersion,
  dueToContinue,
  giveUpDrainIfOverdue,
  handlersSettled,
  handsOverInDecidingTask,
  MAX_CARRY_OVER_BYTES,
  nextRun,
  startDraining,
  stopDraining,
  tooLargeEvenFlushed,
} from './continueAsNew';
import { alertsFlowWhileDraining, handOverCarriesDeliveries } from './deliveries';
import { decideDstRule } from './dstRule';
import { startCrmPoll } from './crmPoll';
import { failureMessage } from './escalation';
import { registerHandlers } from './handlers';
import { idle, readyToHandOver, track } from './inFlight';
import { handleExpiredProposals } from './proposalLifecycle';
import { decideLedgerEncoding, ledgerWriteDueAt } from './ledgerWrites';
import { decidePublishTiming, publish, stalePublishDueAt } from './publish';
import { closeLiveQuarter, liveQuarterEndsAt } from './quarter';
import { nextRouteAttemptAt } from './routing';
import { createRun, type CampaignRun, type CampaignSlaInput, type CampaignSlaResult } from './run';
import { startVelocityCheck } from './spendLoop';
import { waitToWake } from './wakeUp';
import { decideDecisionTime, decisionNow, noteCommand, sleepFixingTime } from './decisionTime';
import {
  ATTRIBUTED_SLA_FIGURES,
  initialState,
  reviveState,
  withinRuleForNewFigures,
  type CampaignCarryOver,
} from './state';

/** Before patch waits-wake-for-updates, waits up to this long were plain timers; see the loop. */
const SHORT_WAIT_MS = 250;
/**
 * Patch: every wait, a short one too, ends for an Update or a finished activity (its timer stands, so nothing is
 * cancelled and nothing races). Before, the loop sat out its last 250 ms before a deadline in a timer it would not
 * leave, and the server fires a workflow's next timer on its timer queue's beat (see README, "Deadline timers"):
 * under back-to-back Updates, deadlines due meanwhile escalated 0.7-1.2 s late though every batch's task ran past them.
 */
const WAITS_WAKE_FOR_UPDATES = 'waits-wake-for-updates';
const MAX_BUSY_ITERATIONS = 3;

/** `packedCarryOver` is the previous run's state when it continued as new (carry-over format 6); absent otherwise. */
export async function campaignSla(input: CampaignSlaInput, packedCarryOver?: Uint8Array): Promise<CampaignSlaResult> {
  // A continued run goes on with the configs its campaign carried; only a first run validates the raw input.
  const carry = input.carryOver
    ? reviveState(decodeCarryOver<CampaignCarryOver>(input.carryOver, packedCarryOver))
    : undefined;
  // A first run's config meets every rule when the run starts. Replayed, it was accepted then: a later release's new
  // rule must not stop it (parseAcceptedConfig), and with no stricter rule both read the config the same.
  const initialConfig = carry
    ? carry.configs[carry.currentVersion]
    : workflowInfo().unsafe.isReplaying
      ? parseAcceptedConfig(input.config)
      : parseCampaignConfig(input.config);
  const run = createRun(
    input,
    initialConfig.campaign.id,
    carry ?? initialState(initialConfig, patched(ATTRIBUTED_SLA_FIGURES), withinRuleForNewFigures()),
  );
  const { state } = run;
  decideDstRule(run);
  decidePublishTiming(run);
  registerHandlers(run);

  if (!carry) {
    try {
      await recordConfigVersion({
        campaignId: run.campaignId,
        configVersion: initialConfig.version,
        config: initialConfig,
        recordedAt: new Date().toISOString(),
      });
    } catch (err) {
      // E.g. this campaign ID already ran with another config under the same version: a clear, final refusal.
      throw ApplicationFailure.create({
        type: 'CampaignConfigRefused',
        nonRetryable: true,
        message: `campaign ${run.campaignId} cannot start: ${failureMessage(err)}`,
      });
    }
  }
  publish(run, true);

  const waitsWakeForUpdates = patched(WAITS_WAKE_FOR_UPDATES);
  decideDecisionTime(run);
  decideLedgerEncoding(run);
  const boundedHandOverWait = boundsHandOverWait();
  run.handOver.carriesDeliveries = handOverCarriesDeliveries();
  run.handOver.alertsFlowWhileDraining = alertsFlowWhileDraining();
  // Alerts the previous run handed over undelivered go first.
  if (state.unsentAlerts) run.pendingAlerts.push(...state.unsentAlerts);
  delete state.unsentAlerts;
  let busyIterations = 0;
  for (;;) {
    const now = decisionNow(run);
    const cfg = run.config();
    const afterWindow = now >= run.windowEnd();
    const pollDue = cfg.campaign.crm.pollEvery > 0 && !run.inFlight.crmPoll && !run.draining;
    const checkDue = !afterWindow && !run.inFlight.velocityCheck && !run.draining;
    const candidates = [
      nextDueAt(state.book),
      pollDue ? state.nextCrmPollAt : undefined,
      checkDue ? Math.max(state.spend.nextCheckAt, run.windowStart()) : undefined,
      run.inFlight.expiry ? undefined : nextProposalExpiry(state.spend.proposals),
      afterWindow ? undefined : run.windowEnd(),
      liveQuarterEndsAt(run),
      stalePublishDueAt(run),
      nextRouteAttemptAt(run),
      ledgerWriteDueAt(run),
    ].filter((t): t is number => t !== undefined);
    const wakeAt = Math.min(...candidates);
    run.wake = false;
    const summary = `next SLA deadline ${new Date(wakeAt).toISOString()}`;
    if (wakeAt - now > SHORT_WAIT_MS || (wakeAt > now && waitsWakeForUpdates)) {
      await waitToWake(run, wakeAt, () => run.wake, summary);
    }
    // Runs recorded before patch waits-wake-for-updates: a short wait was not cut short, since cancelling a timer
    // about to fire races its firing (the time-skipping test server rejects that completion).
    else if (wakeAt > now) await sleep(wakeAt - now, { summary });
    // Something due now that this iteration cannot consume must not spin the loop without yielding.
    else if (++busyIterations > MAX_BUSY_ITERATIONS) await sleepFixingTime(run, SHORT_WAIT_MS, 'yield');
    if (wakeAt > now) busyIterations = 0;
    // A pass that made a command fixed this task's time (decisionTime.ts): what came due by then is a second pass's.
    let t = decisionNow(run);
    for (let decided = -Infinity; t > decided; decided = t, t = decisionNow(run)) {
      fireDueClocks(run);
      if (pollDue && !run.inFlight.crmPoll && t >= state.nextCrmPollAt) startCrmPoll(run);
      startExpiryIfDue(run, t);
      if (checkDue && !run.inFlight.velocityCheck && t >= run.windowStart() && t >= state.spend.nextCheckAt)
        startVelocityCheck(run);
      if (t >= liveQuarterEndsAt(run) && !state.closedQuarters.includes(state.quarter)) {
        track(run, 'quarter report', closeLiveQuarter(run, false));
        noteCommand(run);
      }
      dispatchEffects(run);
    }
    publish(run);

    if (t >= run.windowEnd() && openLeadCount(state.book) === 0) break;
    if (t >= run.windowEnd() + cfg.responseSla.followUp.within) break;

    if (dueToContinue(run)) {
      // Start nothing new; hand over once what is in flight has landed and no handler is mid-way. After a drain
      // gave up, the run hands over all the same if nothing is in flight, and drains again after a pause.
      if (!boundedHandOverWait) run.draining = true;
      else if (t >= run.handOver.nextDrainAt) startDraining(run);
      // Ready: nothing in flight, every handler finished; after waiting for handlers to settle, ready again.
      if (readyToHandOver(run) && (allHandlersFinished() || ((await handlersSettled(run)) && readyToHandOver(run)))) {
        // Histories recorded before patch hand-over-in-deciding-task replay a 1 ms wait here; before standing
        // wake-up timers, this task could still carry the loop's timer cancellation.
        if (!handsOverInDecidingTask()) await sleep(1);
      }
      if (readyToHandOver(run) && (allHandlersFinished() || ((await handlersSettled(run)) && readyToHandOver(run)))) {
        const next = nextRun(run);
        if (next && next.bytes <= MAX_CARRY_OVER_BYTES) await continueOnCurrentVersion(next);
        // Too large. If unflushed ledger writes made the difference, the next iteration flushes them and tries
        // again; otherwise keep running this run and try again only once fewer leads are open.
        if (tooLargeEvenFlushed(run, next)) {
          carryOverTooLarge(run, next);
          stopDraining(run);
        } else run.ledgerWrites.flushBeforeHandOver = true;
      }
      if (boundedHandOverWait) giveUpDrainIfOverdue(run);
    }
  }

  run.ended = true;
  await drain(run);
  if (!state.closedQuarters.includes(state.quarter)) await closeLiveQuarter(run, true);
  publish(run, true);
  return {
    campaignId: run.campaignId,
    endedAt: new Date().toISOString(),
    breachedLeads: state.breachedLeads,
    closedQuarters: state.closedQuarters,
  };
}

function startExpiryIfDue(run: CampaignRun, now: number): void {
  const expiry = nextProposalExpiry(run.state.spend.proposals);
  if (run.inFlight.expiry || expiry === undefined || now < expiry) return;
  run.inFlight.expiry = true;
  track(
    run,
    'proposal expiry',
    handleExpiredProposals(run).finally(() => {
      run.inFlight.expiry = false;
    }),
  );
}

/** At the end of the campaign: every handler, alert, step and ledger row lands before the final report. */
async function drain(run: CampaignRun): Promise<void> {
  for (;;) {
    await condition(allHandlersFinished);
    fireDueClocks(run);
    dispatchEffects(run);
    if (idle(run) && outboxSize(run.state.book) === 0 && allHandlersFinished()) return;
    run.wake = false;
    await waitToWake(run, Date.now() + 60_000, () => run.wake || (idle(run) && !run.inFlight.ledgerWrite), 'draining');
  }
}
