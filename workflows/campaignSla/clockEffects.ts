// Lead clocks falling due, and the effects they queue: alerts, escalation steps and ledger writes. Each is
// handed to an activity that runs while the loop goes on; an escalation step counts as done only when its
// activity confirms the side effect, and a failed one comes due again with backoff.
import { nurtureStatusOf } from '../../sla/config';
import { log, metricMeter, patched } from '@temporalio/workflow';
import { countBreaches, countFailedEscalationSteps } from '../slaMetrics';
import { clockAlert, leadRemovedAlert, opsEscalationAlert, outOfRotationAlert } from '../../sla/alertWording';
import { alertDeliveries } from '../../sla/alerts';
import { noteRepBreach, retractRepBreach } from '../../sla/availability';
import { getOwn } from '../../sla/dict';
import { followUpTaskFor } from '../../sla/followUpTask';
import { noteBreach, noteBreachRetracted, noteClosedUntouched } from '../../sla/campaignCompliance';
import { isMilestoneClock, type ClockKind } from '../../sla/clockKind';
import {
  collectDue,
  contractRepIds,
  completeEscalationStep,
  dropPlannedStepIfHandled,
  releasePlannedStep,
  type EscalationEffect,
  type LeadState,
  type StepResult,
} from '../../sla/leadBook';
import { createFollowUpTasks, runEscalationSteps, sendAlerts } from './activities';
import { failureMessage, raiseEscalation } from './escalation';
import { deliver, holdsAlerts } from './deliveries';
import { track } from './inFlight';
import { dispatchLedgerWrite } from './ledgerWrites';
import { dispatchRoutes } from './routing';
import { followUpsFromDispatch } from './retryTiming';
import { decisionContext, noteCommand } from './decisionTime';
import type { CampaignRun } from './run';

const MAX_RECENT_BREACHES = 20;
const HOUR_MS = 3_600_000;
/** Steps per activity: enough to keep actions low, few enough that one slow CRM call delays little. */
const STEPS_PER_ACTIVITY = 100;
const RELEASE_HELD_STEPS = 'release-steps-held-by-handover';
const DROP_STEPS_OF_HANDLED_LEADS = 'drop-planned-steps-of-handled-leads';
/** Patch: breaches may take a rep out of rotation, with an alert runs before this release never sent. */
const OUT_OF_ROTATION = 'out-of-rotation';
/** Patch: follow-up warnings create CRM Tasks, an activity runs before this release never scheduled. */
const FOLLOW_UP_TASKS = 'follow-up-tasks';

const MILESTONES_APART_FROM_BREACHED_LEADS = 'milestones-apart-from-breached-leads';
/**
 * Patch: a failed reassign step keeps the owner it picked and its retry writes that one again. Runs recorded before
 * took the next round-robin turn on each retry (a lead whose first write had landed was moved twice).
 */
const KEEP_REASSIGNEE_ON_RETRY = 'keep-reassignee-on-retry';

/**
 * BreachedLeads counts response-clock breaches; milestone breaches are counted per milestone (slaState.milestones).
 * Runs recorded before counted both (a campaign with milestones could show more breaches than leads).
 */
function countsAsResponseBreach(clock: ClockKind): boolean {
  return !isMilestoneClock(clock) || !patched(MILESTONES_APART_FROM_BREACHED_LEADS);
}

export function countBreach(run: CampaignRun, lead: LeadState, clock: ClockKind): void {
  const { state } = run;
  noteBreach(state.compliance, lead, clock, run.leadConfig(lead));
  // Rotation follows response breaches; a milestone missed (no opportunity yet) says less about the rep's pace.
  if (!isMilestoneClock(clock)) countRepBreach(run, lead, clock);
  countBreaches(metricMeter, run.campaignId, clock, 1);
  if (countsAsResponseBreach(clock)) state.breachedLeads++;
  state.recentBreaches.unshift({
    leadId: lead.leadId,
    clock,
    tier: lead.tier,
    ownerId: lead.ownerId,
    at: new Date(lead.clocks[clock]?.breachedAt ?? Date.now()).toISOString(),
  });
  state.recentBreaches.length = Math.min(state.recentBreaches.length, MAX_RECENT_BREACHES);
}

export function uncountBreach(run: CampaignRun, lead: LeadState, clock: ClockKind, breachedOwnerId: string): void {
  const { state } = run;
  const deadline = lead.clocks[clock]?.deadline;
  if (deadline !== undefined && !isMilestoneClock(clock))
    retractRepBreach(state.book.rotation, breachedOwnerId, deadline);
  noteBreachRetracted(state.compliance, lead, clock, breachedOwnerId, run.leadConfig(lead));
  if (countsAsResponseBreach(clock)) state.breachedLeads = Math.max(0, state.breachedLeads - 1);
  state.recentBreaches = state.recentBreaches.filter((b) => !(b.leadId === lead.leadId && b.clock === clock));
}

/** With routing.outOfRotation, a rep's breaches may take them out of rotation; ops hear when that happens. */
function countRepBreach(run: CampaignRun, lead: LeadState, clock: ClockKind): void {
  const config = run.config();
  const rule = config.responseSla.routing.outOfRotation;
  if (!rule || !patched(OUT_OF_ROTATION)) return;
  const state = lead.clocks[clock];
  const repId = state?.breachedOwnerId ?? lead.ownerId;
  const until = noteRepBreach(run.state.book.rotation, config, repId, state?.breachedAt ?? Date.now());
  if (until !== undefined) run.pendingAlerts.push(outOfRotationAlert(run.campaignId, repId, rule.breaches, until));
}

/** A campaign whose leads live in the CRM asks for a follow-up Task where the attempts fall short at the warning. */
function queueFollowUpTask(run: CampaignRun, leadId: string, deadline: number): void {
  const lead = getOwn(run.state.book.leads, leadId);
  if (!lead) return;
  const config = run.leadConfig(lead);
  if (config.campaign.crm.pollEvery <= 0) return;
  const task = followUpTaskFor(run.campaignId, lead, config, deadline);
  if (task && patched(FOLLOW_UP_TASKS)) run.pendingFollowUpTasks.push(task);
}

export function fireDueClocks(run: CampaignRun): void {
  const { state, campaignId } = run;
  const now = Date.now();
  const effects = collectDue(state.book, decisionContext(run), {
    onClosedUntouched: (lead) => noteClosedUntouched(state.compliance, lead, run.leadConfig(lead)),
    onBreach: (lead, clock) => countBreach(run, lead, clock),
  });
  // The breach alert goes out on its own (it needs no CRM); notifying the owner is the chain's first step.
  for (const effect of effects) {
    if (effect.type === 'escalation') run.pendingEscalations.push({ ...effect, at: new Date(now).toISOString() });
    else {
      run.pendingAlerts.push(clockAlert(campaignId, effect));
      if (effect.type === 'warning' && effect.clock === 'followUp')
        queueFollowUpTask(run, effect.leadId, effect.deadline);
    }
  }
  if (effects.length) log.info('SLA clocks fired', { campaignId, effects: effects.length });
}

/** Hands queued alerts, escalation steps and ledger rows to activities without waiting for them. */
export function dispatchEffects(run: CampaignRun): void {
  const { state } = run;
  if (run.pendingAlerts.length && !holdsAlerts(run)) {
    // Runs before patch hand-over-carries-deliveries sent every queued alert in one delivery.
    const queued = run.pendingAlerts.splice(0);
    for (const alerts of run.handOver.carriesDeliveries ? alertDeliveries(queued) : [queued]) {
      track(
        run,
        'alerts',
        deliver(
          run,
          'alerts',
          () => sendAlerts(alerts),
          () => run.pendingAlerts.unshift(...alerts),
        ),
      );
    }
  }
  while (run.pendingFollowUpTasks.length) {
    const tasks = run.pendingFollowUpTasks.splice(0, STEPS_PER_ACTIVITY);
    track(
      run,
      'follow-up tasks',
      createFollowUpTasks({ campaignId: run.campaignId, tasks, at: new Date().toISOString() }).catch((err: unknown) =>
        raiseEscalation(
          run,
          'Follow-up tasks could not be created in the CRM',
          err,
          `${run.campaignId}:follow-up-tasks:${Math.floor(Date.now() / HOUR_MS)}`,
        ),
      ),
    );
    noteCommand(run);
  }
  // While draining for continue-as-new, steps are not sent: they are pending again (a touch meanwhile supersedes
  // them) and the next run plans them from nextStepAt. Runs recorded before that kept them planned.
  // A step planned in this activation whose lead was handled since (a touch that came with the overdue timers)
  // is not sent: superseded if it was due before the touch, else it lapses.
  if (run.pendingEscalations.length && patched(DROP_STEPS_OF_HANDLED_LEADS)) {
    const observers = {
      onClosedUntouched: (lead: LeadState) => noteClosedUntouched(state.compliance, lead, run.leadConfig(lead)),
    };
    const ctx = decisionContext(run);
    const stillDue = run.pendingEscalations.filter(
      (step) => !dropPlannedStepIfHandled(state.book, ctx, step, observers),
    );
    run.pendingEscalations.splice(0, run.pendingEscalations.length, ...stillDue);
  }
  if (run.draining && run.pendingEscalations.length && patched(RELEASE_HELD_STEPS)) {
    for (const step of run.pendingEscalations.splice(0)) releasePlannedStep(state.book, step);
    run.stepsReleased = true;
  }
  while (!run.draining && run.pendingEscalations.length) {
    dispatchSteps(run, run.pendingEscalations.splice(0, STEPS_PER_ACTIVITY));
  }
  dispatchRoutes(run);
  dispatchLedgerWrite(run);
}

function dispatchSteps(run: CampaignRun, steps: (EscalationEffect & { at: string })[]): void {
  track(
    run,
    'escalation steps',
    runEscalationSteps({
      campaignId: run.campaignId,
      steps,
      nurtureStatus: nurtureStatusOf(run.config()),
      repIds: contractRepIds(run.config()),
    }).then(
      (results) => applyStepResults(run, steps, results),
      (err: unknown) =>
        applyStepResults(
          run,
          steps,
          steps.map((s) => ({
            leadId: s.leadId,
            clock: s.clock,
            stepIndex: s.stepIndex,
            ok: false,
            error: failureMessage(err),
          })),
        ),
    ),
  );
  noteCommand(run);
}

function applyStepResults(run: CampaignRun, steps: EscalationEffect[], results: StepResult[]): void {
  const { state, campaignId } = run;
  const byKey = new Map(steps.map((s) => [`${s.leadId}|${s.clock}|${s.stepIndex}`, s]));
  // A superseded row can add a ledger write the runs before it never scheduled.
  const recordsSuperseded = patched('superseded-escalation-steps');
  const recordsSupersededAfterConfirmed = patched('superseded-after-confirmed-step');
  const keepReassignee = patched(KEEP_REASSIGNEE_ON_RETRY);
  const spacedFromDispatch = followUpsFromDispatch();
  let failed: StepResult | undefined;
  for (const result of results) {
    const effect = byKey.get(`${result.leadId}|${result.clock}|${result.stepIndex}`);
    if (!effect) continue;
    // The CRM took the step but its notification failed: the alert goes out with the run's own, at least once.
    // (Results recorded before this field existed never carry it.)
    if (result.ok && result.unsentAlert) run.pendingAlerts.push(result.unsentAlert);
    const outcome = completeEscalationStep(state.book, run.ctx(), result, effect, {
      onClosedUntouched: (lead) => noteClosedUntouched(state.compliance, lead, run.leadConfig(lead)),
      recordSuperseded: recordsSuperseded,
      recordSupersededAfterConfirmed: recordsSupersededAfterConfirmed,
      keepReassignee,
      spacedFromDispatch,
    });
    if (outcome === 'failed') {
      failed ??= result;
      countFailedEscalationSteps(metricMeter, campaignId, 1);
    }
    if (outcome === 'done') run.stepFailures.failing = 0;
    // Only results of activities that looked the lead up carry `removed`: recorded histories replay as before.
    if (outcome === 'removed' && !result.ok && result.removed)
      run.pendingAlerts.push(leadRemovedAlert(campaignId, result.leadId, result.removed.mergedInto));
  }
  if (failed && !failed.ok) {
    const firstOfEpisode = run.stepFailures.failing === 0;
    run.stepFailures.failing++;
    if (firstOfEpisode) {
      run.pendingAlerts.push(
        opsEscalationAlert(
          campaignId,
          'Escalation steps are failing',
          `${failed.error}. Failed steps stay pending and are retried with backoff until they succeed.`,
          // One alert per hour at most, however often failures and successes alternate.
          `${campaignId}:escalation-failing:${Math.floor(Date.now() / HOUR_MS)}`,
        ),
      );
    }
  }
  run.wake = true;
}
