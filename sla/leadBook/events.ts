// Lead events (contact attempts, dispositions, stage changes): checking a batch, then applying it,
// which meets clocks, opens the acceptance window and closes rejected leads.
import { isMilestoneClock, type ClockKind } from '../clockKind';
import type { LeadEventRecord } from '../records';
import { conversionStages, type ConversionStage, type LeadEvent } from '../leadEvents';
import { closeRemovedLead, retireIfSettled, stopClocks } from './closing';
import { applyStatusChange, meetMilestones, startMilestones, type LeadFact } from './milestones';
import { clockTerms, elapsedLessPauses, settlePause } from './pause';
import { escalationChain, supersedePendingStep } from './escalation';
import { startAcceptanceClock } from './intake';
import {
  clockRecord,
  iso,
  knownLead,
  leadClockKinds,
  note,
  type BookContext,
  type ClockState,
  type LeadBook,
  type LeadState,
  type LeadStatus,
} from './state';
import { configOf, elapsedForTier } from './terms';
import { getOwn } from '../dict';
import { parseInstant } from '../isoInstant';
import { leadChanged } from './changes';

const MAX_EVENT_IDS = 16;

const stageRank = (stage: ConversionStage | undefined) => (stage ? conversionStages.indexOf(stage) : -1);

/** Problems with a batch of lead events; empty when every event may be applied. */
export function validateLeadEvents(book: LeadBook, events: LeadEvent[], ctx: BookContext): string[] {
  const problems: string[] = [];
  events.forEach((event, i) => {
    const where = `events[${i}]`;
    const lead = getOwn(book.leads, event.leadId);
    if (!lead) {
      const known = knownLead(book, event.leadId);
      problems.push(
        known === 'closed'
          ? `${where}.leadId: lead "${event.leadId}" is already closed (rejected, recycled or returned to nurture); its clocks no longer run`
          : `${where}.leadId: unknown lead "${event.leadId}" — admit it first`,
      );
      return;
    }
    if (lead.eventIds.includes(event.eventId)) return; // repeat: a no-op, not an error
    const at = parseInstant(event.at);
    if (at < lead.createdAt) {
      problems.push(`${where}.at: ${event.at} is before the lead was created (${iso(lead.createdAt)})`);
    }
    if (at > ctx.now + configOf(ctx, lead).responseSla.intakeSkew) {
      problems.push(`${where}.at: ${event.at} is in the future (now ${iso(ctx.now)})`);
    }
    if (event.type === 'disposition') {
      const dispositions = configOf(ctx, lead).responseSla.dispositions;
      if (event.decision === 'reject') {
        if (!event.reason)
          problems.push(
            `${where}.reason: a rejection needs a disposition reason (${Object.keys(dispositions).join(', ')})`,
          );
        else if (!getOwn(dispositions, event.reason)) {
          problems.push(
            `${where}.reason: "${event.reason}" is not an allowed disposition reason (${Object.keys(dispositions).join(', ')})`,
          );
        }
      }
      if (lead.status === 'accepted') problems.push(`${where}: lead "${lead.leadId}" was already accepted`);
    }
    if (event.type === 'stage' && stageRank(event.stage) <= stageRank(lead.stage)) {
      problems.push(
        `${where}.stage: out of order — lead "${lead.leadId}" is already at ${lead.stage}; stages go ${conversionStages.join(' → ')}`,
      );
    }
  });
  return problems;
}

/**
 * `closed`: an earlier event of the same batch closed the lead; `superseded`: the lead already has that decision
 * or a later stage (e.g. a second accept, or MQL after SQL in one batch). Neither changes anything.
 */
export type EventOutcome = {
  eventId: string;
  leadId: string;
  result: 'applied' | 'duplicate' | 'closed' | 'superseded';
  status: LeadStatus | 'closed';
};

type FirstTouchObserver = (lead: LeadState, elapsedMs: number, wallMs: number) => void;

export interface EventObservers {
  onFirstTouch?: FirstTouchObserver;
  /** A clock met after its deadline before the deadline had fired: the breach is recorded at the deadline. */
  onBreach?: (lead: LeadState, clock: ClockKind) => void;
  /** A touch reported late showed the clock was met before its deadline: the breach fired earlier is withdrawn. */
  onBreachRetracted?: (lead: LeadState, clock: ClockKind, breachedOwnerId: string) => void;
  onDisposition?: (lead: LeadState, decision: 'accept' | 'reject', reason: string | undefined) => void;
  onStage?: (lead: LeadState, stage: ConversionStage) => void;
  /** The event settled the lead (e.g. a rejection) and it left the book. */
  onRetired?: (lead: LeadState) => void;
  /**
   * Whether a late touch's breach records the escalation step the contract had due before the touch as superseded
   * (default). Asked only when that happens; runs recorded before it existed answer false.
   */
  recordsSupersededOnLateBreach?: () => boolean;
}

/**
 * A breach that fired before we heard the clock was satisfied (or paused) in time is withdrawn, if the report came
 * within the allowed lateness; false when it came later and the breach stands.
 */
function withdrawBreach(
  ctx: BookContext,
  lead: LeadState,
  kind: ClockKind,
  clock: ClockState,
  why: string,
  observers: EventObservers,
): boolean {
  if (ctx.now > clock.deadline + configOf(ctx, lead).responseSla.allowedLateness) return false;
  const breachedOwnerId = clock.breachedOwnerId ?? lead.ownerId;
  delete clock.breachedAt;
  delete clock.breachedOwnerId;
  clock.breachRetractedAt = ctx.now;
  note(lead, ctx.now, `${kind} breach withdrawn: ${why}, reported late`);
  observers.onBreachRetracted?.(lead, kind, breachedOwnerId);
  return true;
}

/**
 * Meets a clock at the event's own time, whenever we hear of it. Before the deadline is on time, even when
 * reported late: a breach already fired is withdrawn if the report came within the allowed lateness. After the
 * deadline is a breach, even when the report beat the deadline's timer (a stalled worker, a slow poll).
 */
function meetClock(
  book: LeadBook,
  ctx: BookContext,
  lead: LeadState,
  kind: ClockKind,
  at: number,
  observers: EventObservers,
): void {
  const clock = lead.clocks[kind];
  if (!clock || clock.metAt !== undefined || clock.stoppedAt !== undefined) return;
  const config = configOf(ctx, lead);
  // Met while paused: the pause ends there, and the deadline it kept is still ahead.
  settlePause(config, lead, kind, clock, at);
  if (at <= clock.deadline && clock.breachedAt !== undefined) {
    withdrawBreach(ctx, lead, kind, clock, `met at ${iso(at)}`, observers);
  } else if (at > clock.deadline && clock.breachedAt === undefined) {
    clock.breachedAt = clock.deadline;
    clock.breachedOwnerId = lead.ownerId;
    note(lead, clock.deadline, `${kind} breached`);
    observers.onBreach?.(lead, kind);
    // The chain never started (the touch came first), yet by the contract its first step was due before the
    // touch: the ledger says so, instead of leaving a gap. The later steps lapse behind it.
    const first = escalationChain(config, kind)[0];
    if (first && clock.deadline + first.after <= at && (observers.recordsSupersededOnLateBreach?.() ?? true)) {
      clock.nextStep = 0;
    }
  }
  clock.metAt = at;
  // Whatever satisfies the clock also stops its escalation chain; a step already in flight still completes
  // (the book follows what the CRM did) but schedules no next step.
  supersedePendingStep(book, ctx, lead, kind, clock, at);
  delete clock.nextStep;
  delete clock.nextStepAt;
  delete clock.stepAttempts;
  // In the clock's own time base, paused or not: acceptance may count business time on a wall-clock tier, and
  // follow-up counts wall time on a business one. First touch has no terms of its own: it runs on its tier's.
  const elapsedBusinessMs =
    elapsedLessPauses(config, lead, kind, clock, at) ??
    clockTerms(config, lead, kind)?.time.between(clock.startedAt, at) ??
    elapsedForTier(config, lead.tier, clock.startedAt, at);
  book.outbox.clocks.push(
    clockRecord(ctx.campaignId, lead, kind, clock, {
      elapsedBusinessMs,
      elapsedWallMs: at - clock.startedAt,
      metRecordedAt: iso(ctx.now),
    }),
  );
}

function pushEvent(book: LeadBook, record: LeadEventRecord): void {
  book.outbox.events.push(record);
}

/** Applies validated events. Call validateLeadEvents first; repeats (same eventId) are no-ops. */
export function applyLeadEvents(
  book: LeadBook,
  events: LeadEvent[],
  ctx: BookContext,
  observers: EventObservers = {},
): EventOutcome[] {
  return events.map((event): EventOutcome => {
    // Validation saw the book before the batch: earlier events of this batch may have closed or moved the lead.
    const lead = getOwn(book.leads, event.leadId);
    if (!lead) return { eventId: event.eventId, leadId: event.leadId, result: 'closed', status: 'closed' };
    if (lead.eventIds.includes(event.eventId))
      return { eventId: event.eventId, leadId: lead.leadId, result: 'duplicate', status: lead.status };
    const superseded =
      (event.type === 'disposition' && lead.status !== 'open') ||
      (event.type === 'stage' && stageRank(event.stage) <= stageRank(lead.stage));
    if (superseded) return { eventId: event.eventId, leadId: lead.leadId, result: 'superseded', status: lead.status };
    lead.eventIds.push(event.eventId);
    // An applied event may meet, breach, withdraw, pause or stop clocks: the summaries look at the lead again.
    leadChanged(book, lead.leadId);
    if (lead.eventIds.length > MAX_EVENT_IDS) lead.eventIds.shift();
    const at = parseInstant(event.at);
    const config = configOf(ctx, lead);
    const base = { campaignId: ctx.campaignId, leadId: lead.leadId, eventId: event.eventId, at: event.at };
    const meet = (kind: ClockKind, when: number) => meetClock(book, ctx, lead, kind, when, observers);
    const fact = (what: LeadFact) => {
      meetMilestones(ctx, lead, what, at, meet);
      startMilestones(book, ctx, lead, what, at);
    };
    if (event.type === 'contact') {
      lead.attempts += 1;
      note(lead, at, `contact attempt ${lead.attempts} (${event.channel}) by ${lead.ownerId}`);
      pushEvent(book, {
        ...base,
        kind: 'contact',
        detail: { channel: event.channel, attempt: lead.attempts, ownerId: lead.ownerId },
      });
      if (lead.firstTouchAt === undefined) {
        lead.firstTouchAt = at;
        meet('firstTouch', at);
        observers.onFirstTouch?.(lead, elapsedForTier(config, lead.tier, lead.createdAt, at), at - lead.createdAt);
        if (lead.status === 'open') startAcceptanceClock(book, ctx, lead, config, at);
        fact({ fact: 'firstActivity' });
      }
      if (lead.attempts >= config.responseSla.followUp.attempts) meet('followUp', at);
      fact({ fact: 'activity' });
    } else if (event.type === 'disposition') {
      meet('acceptance', at);
      observers.onDisposition?.(lead, event.decision, event.reason);
      if (event.decision === 'accept') {
        lead.status = 'accepted';
        note(lead, at, `accepted by ${lead.ownerId}`);
        pushEvent(book, { ...base, kind: 'accept', detail: { ownerId: lead.ownerId } });
        fact({ fact: 'accepted' });
      } else {
        const route = getOwn(config.responseSla.dispositions, event.reason as string);
        lead.status = route === 'nurture' ? 'nurture' : 'recycled';
        note(lead, at, `rejected: ${event.reason} → ${route}`);
        pushEvent(book, { ...base, kind: 'reject', detail: { reason: event.reason, route, ownerId: lead.ownerId } });
        // Milestones the rejection meets are met; every other clock stops; then those it starts (re-engagement).
        const facts: LeadFact[] = [{ fact: 'rejected' }, { fact: route === 'nurture' ? 'nurtured' : 'recycled' }];
        for (const what of facts) meetMilestones(ctx, lead, what, at, meet);
        for (const kind of leadClockKinds(lead)) {
          const clock = lead.clocks[kind];
          if (clock && clock.metAt === undefined && clock.stoppedAt === undefined)
            supersedePendingStep(book, ctx, lead, kind, clock, at);
        }
        stopClocks(book, ctx, lead, at);
        for (const what of facts) startMilestones(book, ctx, lead, what, at);
      }
    } else if (event.type === 'stage') {
      lead.stage = event.stage;
      note(lead, at, `stage ${event.stage}`);
      pushEvent(book, { ...base, kind: 'stage', detail: { stage: event.stage } });
      observers.onStage?.(lead, event.stage);
      if (event.stage === 'Opportunity') {
        meet('followUp', at);
        fact({ fact: 'opportunity' });
      }
    } else if (event.type === 'status') {
      pushEvent(book, { ...base, kind: 'status', detail: { status: event.status } });
      // A pause that withdraws a breach also ends the breach's chain: a step not yet run lapses, one in flight
      // completes but schedules no next step.
      const withdraw = (kind: ClockKind, clock: ClockState, why: string) => {
        if (!withdrawBreach(ctx, lead, kind, clock, why, observers)) return false;
        supersedePendingStep(book, ctx, lead, kind, clock, at);
        delete clock.nextStep;
        delete clock.nextStepAt;
        delete clock.stepAttempts;
        return true;
      };
      if (applyStatusChange(book, ctx, lead, event.status, at, withdraw)) fact({ status: event.status });
      else note(lead, at, `status ${event.status} (older than the status known, ignored)`);
    } else if (event.type === 'removed') {
      // A clock it left before its deadline was not breached: a breach fired meanwhile is withdrawn if the
      // report came within the allowed lateness, as for a touch. Steps still to run lapse.
      const withdrawn: ClockKind[] = [];
      for (const kind of leadClockKinds(lead)) {
        const clock = lead.clocks[kind];
        if (!clock || clock.metAt !== undefined || clock.stoppedAt !== undefined) continue;
        if (clock.breachedAt !== undefined && at < clock.deadline)
          if (withdrawBreach(ctx, lead, kind, clock, `left the CRM at ${iso(at)}`, observers)) withdrawn.push(kind);
        supersedePendingStep(book, ctx, lead, kind, clock, at);
      }
      closeRemovedLead(book, ctx, lead, event.mergedInto ?? null, at);
      // The ledger's row of a built-in clock hears of the withdrawal here (stopping alone leaves it to the event).
      for (const kind of withdrawn)
        if (!isMilestoneClock(kind))
          book.outbox.clocks.push(clockRecord(ctx.campaignId, lead, kind, lead.clocks[kind]!));
    } else {
      note(lead, at, 'meeting booked');
      pushEvent(book, { ...base, kind: 'meeting', detail: {} });
      fact({ fact: 'meetingBooked' });
    }
    const status = lead.status;
    if (retireIfSettled(book, lead)) observers.onRetired?.(lead);
    return { eventId: event.eventId, leadId: lead.leadId, result: 'applied', status };
  });
}
