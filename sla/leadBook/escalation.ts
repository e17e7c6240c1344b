// The escalation chain a breached clock walks through (notify owner → reassign → notify manager →
// return to nurture, as configured), and the round-robin routing that reassignment uses.
import { isMilestoneClock, type ClockKind } from '../clockKind';
import type { CampaignConfig, EscalationStep, RepConfig } from '../config';
import { repUnavailability } from '../availability';
import { pushDue } from '../dueQueue';
import { initialRoundRobinState, pickNextRep } from '../roundRobin';
import { closeRemovedLead, removalInstant, stopClocks } from './closing';
import { iso, note, ownerSpans, type BookContext, type ClockState, type LeadBook, type LeadState } from './state';
import { configOf } from './terms';
import { milestoneOf } from './pause';
import { retireIfSettled } from './closing';
import { getOwn } from '../dict';
import type { EscalationStepRecord, LeadEventRecord } from '../records';
import type { Alert } from '../alerts';
import { leadChanged } from './changes';

export interface EscalationEffect {
  type: 'escalation';
  leadId: string;
  clock: ClockKind;
  tier: string;
  stepIndex: number;
  step: EscalationStep['step'];
  ownerId: string;
  /** reassign: the new owner; null when nobody in the pool could take the lead. */
  newOwnerId?: string | null;
  managerId?: string;
  pool?: string;
  reason?: string;
}

/** The chain a breach of this clock walks: the contract's, or none for a milestone declared not to escalate. */
export function escalationChain(config: CampaignConfig, kind: ClockKind): EscalationStep[] {
  if (isMilestoneClock(kind) && milestoneOf(config, kind)?.escalate === false) return [];
  return config.responseSla.escalation;
}

function managerFor(config: CampaignConfig, ownerId: string, poolHint?: string): { managerId?: string; pool?: string } {
  const pools = config.responseSla.pools;
  const owning = Object.entries(pools).find(([, pool]) => pool.reps.some((rep) => rep.id === ownerId));
  const name = owning?.[0] ?? poolHint ?? Object.keys(pools)[0];
  return { managerId: name ? getOwn(pools, name)?.managerId : undefined, pool: name };
}

/** Picks the rep a reassignment would hand the lead to (the round-robin turn is taken); the owner changes on success. */
export function pickReassignee(
  book: LeadBook,
  lead: LeadState,
  poolName: string,
  config: CampaignConfig,
  now: number,
): { newOwnerId: string | null; reason?: string } {
  const pool = getOwn(config.responseSla.pools, poolName);
  if (!pool) return { newOwnerId: null, reason: `pool ${poolName} is not configured` };
  const state = getOwn(book.roundRobin, poolName) ?? initialRoundRobinState();
  const reps = new Map(pool.reps.map((rep) => [rep.id, rep]));
  const pick = pickNextRep(pool, state, {
    excludeRepId: lead.ownerId,
    load: book.ownerLoad,
    poolName,
    unavailable: (repId) => repUnavailability(config, reps.get(repId) as RepConfig, now, book),
  });
  if (pick.repId === null) return { newOwnerId: null, reason: pick.reason };
  book.roundRobin[poolName] = pick.state;
  return { newOwnerId: pick.repId };
}

export function changeOwner(book: LeadBook, lead: LeadState, newOwnerId: string, at: number): void {
  lead.owners = [...ownerSpans(lead), { ownerId: newOwnerId, from: at }];
  book.ownerLoad[lead.ownerId] = Math.max(0, (getOwn(book.ownerLoad, lead.ownerId) ?? 1) - 1);
  book.ownerLoad[newOwnerId] = (getOwn(book.ownerLoad, newOwnerId) ?? 0) + 1;
  lead.ownerId = newOwnerId;
  lead.reassignments += 1;
  leadChanged(book, lead.leadId);
}

// A failed reassign step keeps the owner it picked (ClockState.reassignPick): it may still have moved the lead (the CRM
// took the write and the read-back after it failed, or the activity was lost after the write), so its retry writes
// the same owner again, which is harmless, instead of taking the next round-robin turn and moving the lead twice.

/** The owner a failed attempt of this reassign step picked, for its retry to write again. */
function keptReassignee(clock: ClockState, stepIndex: number): string | undefined {
  const pick = clock.reassignPick;
  return pick && (clock.stepAttempts ?? 0) > 0 && pick.stepIndex === stepIndex ? pick.newOwnerId : undefined;
}

function forgetReassignee(clock: ClockState): void {
  delete clock.reassignPick;
}

/**
 * Hands the clock's next escalation step to the caller as an effect. Nothing about the lead changes yet: the
 * step is in flight until completeEscalationStep hears its side effect (CRM write, notification) is done.
 */
export function planEscalationStep(
  book: LeadBook,
  lead: LeadState,
  kind: ClockKind,
  clock: ClockState,
  config: CampaignConfig,
  now: number,
): EscalationEffect {
  const index = clock.nextStep as number;
  const step = config.responseSla.escalation[index];
  // nextStepAt stays: a run that continues as new without the in-flight mark simply runs the step again.
  clock.stepInFlight = index;
  const base = { type: 'escalation' as const, leadId: lead.leadId, clock: kind, tier: lead.tier, stepIndex: index };
  if (step.step === 'reassign') {
    // A retry writes the owner the failed attempt picked (its write may have landed); the turn is taken once.
    const kept = keptReassignee(clock, index);
    const { newOwnerId, reason } =
      kept === undefined ? pickReassignee(book, lead, step.pool as string, config, now) : { newOwnerId: kept };
    return { ...base, step: 'reassign', ownerId: lead.ownerId, newOwnerId, pool: step.pool, reason };
  }
  if (step.step === 'notify-manager') {
    const chain = config.responseSla.escalation;
    const manager = managerFor(config, lead.ownerId, chain.find((s) => s.step === 'reassign')?.pool);
    return { ...base, step: 'notify-manager', ownerId: lead.ownerId, ...manager };
  }
  return { ...base, step: step.step, ownerId: lead.ownerId };
}

/**
 * The lead was handled (touched, decided) before a step that had fallen due succeeded: the step will not run, since
 * it would act on a lead someone is working, and the ledger records it as superseded instead of leaving a gap. That
 * includes a step the contract had due (breach + its offset) that was still waiting because an earlier step ran
 * late. A step still in flight is settled by its result (see completeEscalationStep); one not yet due just lapses.
 */
export function supersedePendingStep(
  book: LeadBook,
  ctx: BookContext,
  lead: LeadState,
  kind: ClockKind,
  clock: ClockState,
  handledAt: number,
): void {
  forgetReassignee(clock);
  if (clock.nextStep === undefined || clock.stepInFlight !== undefined) return;
  const failedAttempts = clock.stepAttempts ?? 0;
  const step = configOf(ctx, lead).responseSla.escalation[clock.nextStep] as EscalationStep | undefined;
  // Due by the contract (its offset from the breach) or by the chain's own spacing after a late step.
  const dueAt = Math.min(clock.nextStepAt ?? Infinity, (clock.breachedAt ?? Infinity) + (step?.after ?? Infinity));
  if (failedAttempts === 0 && dueAt > handledAt) return;
  recordSupersededStep(book, ctx, lead, kind, clock.nextStep, handledAt, failedAttempts);
}

function recordSupersededStep(
  book: LeadBook,
  ctx: BookContext,
  lead: LeadState,
  kind: ClockKind,
  stepIndex: number,
  handledAt: number,
  failedAttempts: number,
): void {
  const step = configOf(ctx, lead).responseSla.escalation[stepIndex] as EscalationStep | undefined;
  if (!step) return;
  (book.outbox.steps ??= []).push({
    campaignId: ctx.campaignId,
    leadId: lead.leadId,
    clock: kind,
    stepIndex,
    step: step.step,
    at: iso(ctx.now),
    outcome: { superseded: true, handledAt: iso(handledAt), failedAttempts },
  });
  note(lead, ctx.now, `${step.step} superseded: the lead was handled at ${iso(handledAt)}`);
}

/**
 * A planned step that will not be sent in this run (the run is handing over to the next): it is pending again,
 * due at its nextStepAt, so a touch meanwhile supersedes it and the next run plans it. It gets no new due entry
 * here: a run that goes on after all must rebuild its due queue.
 */
export function releasePlannedStep(
  book: LeadBook,
  step: Pick<EscalationEffect, 'leadId' | 'clock' | 'stepIndex'>,
): void {
  const clock = getOwn(book.leads, step.leadId)?.clocks[step.clock];
  if (clock?.stepInFlight === step.stepIndex) delete clock.stepInFlight;
}

/**
 * A planned step not yet sent whose lead was handled in the meantime (a touch that arrived with the timers that
 * planned it): it will not run, since it would act on a lead someone is working. The ledger records it as
 * superseded when the contract had it due before the handling; otherwise it lapses. True when dropped.
 */
export function dropPlannedStepIfHandled(
  book: LeadBook,
  ctx: BookContext,
  step: Pick<EscalationEffect, 'leadId' | 'clock' | 'stepIndex'>,
  observers: StepObservers = {},
): boolean {
  const lead = getOwn(book.leads, step.leadId);
  const clock = lead?.clocks[step.clock];
  if (!lead || !clock || clock.stepInFlight !== step.stepIndex) return false;
  const handledAt = clock.metAt ?? clock.stoppedAt;
  if (handledAt === undefined) return false;
  delete clock.stepInFlight;
  forgetReassignee(clock);
  delete clock.nextStep;
  delete clock.nextStepAt;
  const due = configOf(ctx, lead).responseSla.escalation[step.stepIndex] as EscalationStep | undefined;
  if (due && clock.breachedAt !== undefined && clock.breachedAt + due.after <= handledAt) {
    recordSupersededStep(book, ctx, lead, step.clock, step.stepIndex, handledAt, clock.stepAttempts ?? 0);
  }
  delete clock.stepAttempts;
  if (retireIfSettled(book, lead) && lead.firstTouchAt === undefined) observers.onClosedUntouched?.(lead);
  return true;
}

/** How long a failed step waits before it is tried again: 2 s doubling to 5 min. */
export function stepRetryDelayMs(failedAttempts: number): number {
  return Math.min(300_000, 2_000 * 2 ** Math.max(0, failedAttempts - 1));
}

export type StepResult =
  | {
      leadId: string;
      clock: ClockKind;
      stepIndex: number;
      ok: true;
      /** The side effect is done but its ledger rows could not be written: the workflow's ledger writes carry them. */
      unrecorded?: { step: EscalationStepRecord; events: LeadEventRecord[] };
      /** Reassign: the CRM shows this owner, not the one written (its own automation moved the lead); it stands. */
      ownerInCrm?: string;
      /**
       * The CRM write is done but the notification after it was not delivered: the step is done all the same (a
       * retry would write again), and the workflow sends this alert through its own alert outbox, at least once.
       */
      unsentAlert?: Alert;
    }
  | {
      leadId: string;
      clock: ClockKind;
      stepIndex: number;
      ok: false;
      error: string;
      /** The CRM no longer holds the lead (deleted, or merged into `mergedInto`): no retry can mend the step. */
      removed?: { mergedInto: string | null; removedAt?: string };
    };

export type StepCompletion = 'done' | 'failed' | 'stale' | 'removed';

export interface StepObservers {
  /** The lead left the SLA (returned to nurture) without ever being contacted. */
  onClosedUntouched?: (lead: LeadState) => void;
  /**
   * Whether a failed step overtaken by a touch is written to the ledger as superseded (default). Runs recorded
   * before that existed pass false, so their replay schedules no ledger write they never made.
   */
  recordSuperseded?: boolean;
  /**
   * Whether a step the contract had due before the lead was handled, but which waited on a confirmation that came
   * after, is written as superseded (default). Runs recorded before that existed pass false.
   */
  recordSupersededAfterConfirmed?: boolean;
  /**
   * Whether a failed reassign step keeps the owner it picked, so its retry writes the same one (default). Runs
   * recorded before that existed pass false: their retries took the next round-robin turn.
   */
  keepReassignee?: boolean;
  /**
   * Whether the next step, or a failed step's retry, is timed from when the step was dispatched (its `at`) instead of
   * from the workflow task that hears its result. The dispatch is tied to a command, so its time replays the same;
   * the result's task may not: a replay from scratch merges a task that made no command into the next one
   * (temporalio/sdk-core, find_end_index_of_next_wft_seq; temporalio/sdk-rust issue 1606) and reads the later time.
   * Runs recorded before this existed pass false.
   */
  spacedFromDispatch?: boolean;
}

/**
 * Applies what an escalation step did once its side effect is confirmed: the owner changes only when the CRM
 * took the reassignment, the lead is nurtured only when the CRM says so. A failed step stays pending and
 * comes due again with backoff; the next step is spaced from when this one actually ran.
 */
export function completeEscalationStep(
  book: LeadBook,
  ctx: BookContext,
  result: StepResult,
  effect: EscalationEffect & { at?: string },
  observers: StepObservers = {},
): StepCompletion {
  const lead = getOwn(book.leads, result.leadId);
  const clock = lead?.clocks[result.clock];
  if (!lead || !clock || clock.stepInFlight !== result.stepIndex) return 'stale';
  delete clock.stepInFlight;
  forgetReassignee(clock);
  if (!result.ok && result.removed) {
    // Its clocks stop when it left the CRM (recorded histories have no time there: when we learnt of it).
    const { mergedInto, removedAt } = result.removed;
    closeRemovedLead(
      book,
      ctx,
      lead,
      mergedInto,
      removedAt === undefined ? ctx.now : removalInstant(lead, removedAt, ctx),
    );
    if (retireIfSettled(book, lead) && lead.firstTouchAt === undefined) observers.onClosedUntouched?.(lead);
    return 'removed';
  }
  // Handled: met, stopped, or its breach withdrawn (a pause reported late showed the clock had stopped in time).
  const handled = clock.metAt !== undefined || clock.stoppedAt !== undefined || clock.breachedAt === undefined;
  const dispatchedAt = observers.spacedFromDispatch && effect.at !== undefined ? Date.parse(effect.at) : ctx.now;
  if (!result.ok) {
    clock.stepAttempts = (clock.stepAttempts ?? 0) + 1;
    if (!handled) {
      clock.nextStepAt = dispatchedAt + stepRetryDelayMs(clock.stepAttempts);
      pushDue(book.due, clock.nextStepAt, `${lead.leadId}|${result.clock}|step`);
      if (effect.step === 'reassign' && effect.newOwnerId && observers.keepReassignee !== false)
        clock.reassignPick = { stepIndex: result.stepIndex, newOwnerId: effect.newOwnerId };
    } else {
      const handledAt = (clock.metAt ?? clock.stoppedAt ?? clock.breachRetractedAt) as number;
      if (observers.recordSuperseded !== false)
        recordSupersededStep(book, ctx, lead, result.clock, result.stepIndex, handledAt, clock.stepAttempts);
      delete clock.nextStep;
      delete clock.nextStepAt;
      delete clock.stepAttempts;
    }
    if (retireIfSettled(book, lead) && lead.firstTouchAt === undefined) observers.onClosedUntouched?.(lead);
    return 'failed';
  }
  delete clock.stepAttempts;
  if (result.unrecorded) {
    (book.outbox.steps ??= []).push(result.unrecorded.step);
    book.outbox.events.push(...result.unrecorded.events);
  }
  const config = configOf(ctx, lead);
  const chain = config.responseSla.escalation;
  const index = result.stepIndex;
  let next = index + 1;
  let skippedToManager = false;
  if (effect.step === 'reassign') {
    if (effect.newOwnerId) {
      const owner = result.ownerInCrm ?? effect.newOwnerId;
      note(
        lead,
        ctx.now,
        result.ownerInCrm === undefined
          ? `reassigned ${lead.ownerId} → ${owner}`
          : `reassignment to ${effect.newOwnerId} did not stick: the CRM shows ${owner}`,
      );
      // The same instant as the ledger's owner-change event: the step's own time.
      if (owner !== lead.ownerId)
        changeOwner(book, lead, owner, effect.at === undefined ? ctx.now : Date.parse(effect.at));
    } else {
      note(lead, ctx.now, `reassign skipped: ${effect.reason}`);
      // Nobody can take the lead: the manager step comes next, at once.
      const managerIndex = chain.findIndex((s, i) => i > index && s.step === 'notify-manager');
      if (managerIndex >= 0) {
        next = managerIndex;
        skippedToManager = true;
      }
    }
  } else if (effect.step === 'return-to-nurture') {
    if (!handled) {
      lead.status = 'nurture';
      note(lead, ctx.now, 'returned to nurture');
      stopClocks(book, ctx, lead, ctx.now);
    }
  } else {
    note(
      lead,
      ctx.now,
      effect.step === 'notify-manager'
        ? `manager ${effect.managerId ?? '(none)'} notified`
        : `owner ${effect.ownerId} notified`,
    );
  }
  if (handled && next < chain.length && observers.recordSupersededAfterConfirmed !== false) {
    // The chain ran late (an outage, a slow step): the lead was handled after the contract had this step due.
    const handledAt = (clock.metAt ?? clock.stoppedAt) as number;
    if ((clock.breachedAt as number) + chain[next].after <= handledAt)
      recordSupersededStep(book, ctx, lead, result.clock, next, handledAt, 0);
  }
  if (!handled && clock.stoppedAt === undefined && next < chain.length) {
    clock.nextStep = next;
    clock.nextStepAt = skippedToManager
      ? dispatchedAt
      : Math.max(
          (clock.breachedAt as number) + chain[next].after,
          dispatchedAt + chain[next].after - chain[index].after,
        );
    pushDue(book.due, clock.nextStepAt, `${lead.leadId}|${result.clock}|step`);
  } else {
    delete clock.nextStep;
    delete clock.nextStepAt;
  }
  if (retireIfSettled(book, lead) && lead.firstTouchAt === undefined) observers.onClosedUntouched?.(lead);
  return 'done';
}
