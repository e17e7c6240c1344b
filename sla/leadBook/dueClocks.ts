// The due queue of a lead book: scheduling each running clock's warning, breach or next escalation step,
// and firing whatever is due. Work is proportional to what is due, not to the number of open leads.
import { isMilestoneClock, type ClockKind } from '../clockKind';
import { emptyDueQueue, peekDueAt, popDue, pushDue } from '../dueQueue';
import { retireIfSettled } from './closing';
import { escalationChain, planEscalationStep, type EscalationEffect } from './escalation';
import {
  clockRecord,
  leadClockKinds,
  note,
  type BookContext,
  type ClockState,
  type LeadBook,
  type LeadState,
} from './state';
import { configOf } from './terms';
import { getOwn } from '../dict';
import { leadChanged } from './changes';

export interface ClockAlertEffect {
  type: 'warning' | 'breach';
  leadId: string;
  clock: ClockKind;
  ownerId: string;
  tier: string;
  deadline: number;
  /** Breach of a clock with no escalation chain (a milestone declared not to escalate, or an empty chain). */
  escalates?: false;
}

export type DueEffect = ClockAlertEffect | EscalationEffect;

export interface DueObservers {
  onBreach?: (lead: LeadState, clock: ClockKind) => void;
  /** The lead left the SLA (e.g. returned to nurture) without ever being contacted. */
  onClosedUntouched?: (lead: LeadState) => void;
}

/** Queues what the clock is waiting for next: its warning and breach, or its next escalation step. */
export function scheduleClock(book: LeadBook, leadId: string, kind: ClockKind, clock: ClockState): void {
  if (clock.metAt !== undefined || clock.stoppedAt !== undefined) return;
  // A paused milestone waits for its resume, which schedules it again; a warning due before the pause still fires.
  if (clock.pausedAt !== undefined) {
    if (clock.warnedAt === undefined && clock.warnAt <= clock.pausedAt)
      pushDue(book.due, clock.warnAt, `${leadId}|${kind}|warn`);
    return;
  }
  if (clock.breachedAt === undefined) {
    if (clock.warnedAt === undefined && clock.warnAt < clock.deadline)
      pushDue(book.due, clock.warnAt, `${leadId}|${kind}|warn`);
    pushDue(book.due, clock.deadline, `${leadId}|${kind}|breach`);
  } else if (clock.nextStepAt !== undefined) {
    pushDue(book.due, clock.nextStepAt, `${leadId}|${kind}|step`);
  }
}

/** Rebuilds the due queue from lead state, e.g. after continue-as-new carried only the leads. */
export function rebuildDueQueue(book: LeadBook): void {
  book.due = emptyDueQueue();
  for (const lead of Object.values(book.leads)) {
    for (const kind of leadClockKinds(lead)) {
      const clock = lead.clocks[kind];
      if (clock) scheduleClock(book, lead.leadId, kind, clock);
    }
  }
}

/** Fires everything due at or before ctx.now: warnings, breaches and escalation steps. */
export function collectDue(book: LeadBook, ctx: BookContext, observers: DueObservers = {}): DueEffect[] {
  const effects: DueEffect[] = [];
  const fireClockAlert = (
    type: ClockAlertEffect['type'],
    lead: LeadState,
    kind: ClockKind,
    clock: ClockState,
    withoutChain = false,
  ) => {
    effects.push({
      type,
      leadId: lead.leadId,
      clock: kind,
      ownerId: lead.ownerId,
      tier: lead.tier,
      deadline: clock.deadline,
      ...(withoutChain ? { escalates: false as const } : {}),
    });
    book.outbox.clocks.push(clockRecord(ctx.campaignId, lead, kind, clock));
  };
  for (let entry = popDue(book.due, ctx.now); entry; entry = popDue(book.due, ctx.now)) {
    const [dueAt, key] = entry;
    const [leadId, kind, what] = key.split('|') as [string, ClockKind, 'warn' | 'breach' | 'step'];
    const lead = getOwn(book.leads, leadId);
    const clock = lead?.clocks[kind];
    if (!lead || !clock || clock.metAt !== undefined || clock.stoppedAt !== undefined) continue; // satisfied since
    const config = configOf(ctx, lead);
    // A pause moved the clock's warning and deadline: entries for the old ones, or due while paused, are stale.
    const pausable = isMilestoneClock(kind) || clock.pausedAt !== undefined || clock.pausedMs !== undefined;
    if (pausable && (what === 'warn' || what === 'breach')) {
      const current = what === 'warn' ? clock.warnAt : clock.deadline;
      if (dueAt !== current || (clock.pausedAt !== undefined && dueAt > clock.pausedAt)) continue;
    }
    if (what === 'warn') {
      if (clock.warnedAt !== undefined || clock.breachedAt !== undefined) continue;
      clock.warnedAt = dueAt;
      leadChanged(book, leadId);
      note(lead, dueAt, `${kind} warning`);
      fireClockAlert('warning', lead, kind, clock);
    } else if (what === 'breach') {
      if (clock.breachedAt !== undefined) continue;
      clock.breachedAt = dueAt;
      clock.breachedOwnerId = lead.ownerId;
      leadChanged(book, leadId);
      note(lead, dueAt, `${kind} breached`);
      const chain = escalationChain(config, kind);
      fireClockAlert('breach', lead, kind, clock, chain.length === 0);
      observers.onBreach?.(lead, kind);
      if (chain.length > 0) {
        clock.nextStep = 0;
        // Spaced from when the breach is seen: after an outage the chain still runs step by step.
        clock.nextStepAt = Math.max(dueAt, ctx.now) + chain[0].after;
        pushDue(book.due, clock.nextStepAt, `${leadId}|${kind}|step`);
      }
    } else {
      if (clock.nextStep === undefined || clock.nextStepAt !== dueAt || clock.stepInFlight !== undefined) continue;
      effects.push(planEscalationStep(book, lead, kind, clock, config, ctx.now));
    }
    if (retireIfSettled(book, lead) && lead.firstTouchAt === undefined) observers.onClosedUntouched?.(lead);
  }
  return effects;
}

export function nextDueAt(book: LeadBook): number | undefined {
  return peekDueAt(book.due);
}
