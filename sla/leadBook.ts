// The per-lead SLA clocks of one campaign: intake, events, warnings, breaches and escalation chains.
// Pure and deterministic: the campaign workflow owns one LeadBook and executes the effects it returns.
import type { ClockOutcomeRecord, LeadActivityBatch, LeadEventRecord } from './records';
import { clockKinds, type ClockKind } from './clockKind';
import { addBusinessTime, businessTimeBetween, type BusinessCalendar } from './calendar';
import type { CampaignConfig, EscalationStep, TierConfig } from './config';
import { emptyDueQueue, peekDueAt, popDue, pushDue, type DueQueue } from './dueQueue';
import type { ConversionStage, LeadEvent, NewLead } from './leadEvents';
import { conversionStages } from './leadEvents';
import { initialRoundRobinState, pickNextRep, type RoundRobinState } from './roundRobin';

export type LeadStatus = 'open' | 'accepted' | 'rejected' | 'nurture' | 'recycled';

export interface ClockState {
  startedAt: number;
  warnAt: number;
  deadline: number;
  warnedAt?: number;
  metAt?: number;
  breachedAt?: number;
  /** Set when the lead closed (rejected, nurtured) before this clock was met. */
  stoppedAt?: number;
  /** Escalation chain progress after a breach: index and due time of the next step. */
  nextStep?: number;
  nextStepAt?: number;
}

export interface LeadHistoryEntry {
  at: number;
  what: string;
}

export interface LeadState {
  leadId: string;
  tier: string;
  ownerId: string;
  createdAt: number;
  configVersion: number;
  status: LeadStatus;
  stage?: ConversionStage;
  attempts: number;
  firstTouchAt?: number;
  reassignments: number;
  clocks: Partial<Record<ClockKind, ClockState>>;
  /** Recent event IDs, so a repeated event is a no-op. */
  eventIds: string[];
  history: LeadHistoryEntry[];
}

export interface LeadBook {
  leads: Record<string, LeadState>;
  /** IDs of leads closed in this quarter (bounded), so late duplicates are recognised. */
  closedLeadIds: string[];
  due: DueQueue;
  /** Open leads per owner, for capacity caps. */
  ownerLoad: Record<string, number>;
  roundRobin: Record<string, RoundRobinState>;
  outbox: LeadActivityBatch;
}

export interface BookContext {
  campaignId: string;
  now: number;
  /** Config versions by number; open clocks keep the terms they started under. */
  configs: Record<number, CampaignConfig>;
  currentVersion: number;
}

export interface ClockAlertEffect {
  type: 'warning' | 'breach';
  leadId: string;
  clock: ClockKind;
  ownerId: string;
  tier: string;
  deadline: number;
}

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

export type DueEffect = ClockAlertEffect | EscalationEffect;

export type FirstTouchObserver = (lead: LeadState, elapsedMs: number, wallMs: number) => void;

const MAX_CLOSED_IDS = 20_000;
const MAX_EVENT_IDS = 16;
const MAX_HISTORY = 24;

export function emptyLeadBook(): LeadBook {
  return {
    leads: {},
    closedLeadIds: [],
    due: emptyDueQueue(),
    ownerLoad: {},
    roundRobin: {},
    outbox: emptyOutbox(),
  };
}

export function emptyOutbox(): LeadActivityBatch {
  return { leads: [], events: [], clocks: [] };
}

export function drainOutbox(book: LeadBook): LeadActivityBatch {
  const batch = book.outbox;
  book.outbox = emptyOutbox();
  return batch;
}

export function outboxSize(book: LeadBook): number {
  return book.outbox.leads.length + book.outbox.events.length + book.outbox.clocks.length;
}

const iso = (ms: number) => new Date(ms).toISOString();

function configOf(ctx: BookContext, lead: LeadState): CampaignConfig {
  return ctx.configs[lead.configVersion] ?? ctx.configs[ctx.currentVersion];
}

function tierOf(config: CampaignConfig, tier: string): TierConfig {
  const found = config.responseSla.tiers[tier];
  if (!found) throw new Error(`unknown tier "${tier}"`);
  return found;
}

function calendarFor(config: CampaignConfig, tier: TierConfig): BusinessCalendar {
  return config.calendars[tier.calendar];
}

/** Deadline arithmetic in wall or business time. */
function addTime(
  config: CampaignConfig,
  tier: TierConfig,
  clock: 'wall' | 'business',
  start: number,
  ms: number,
): number {
  if (clock === 'wall') return start + ms;
  return addBusinessTime(new Date(start), ms, calendarFor(config, tier)).getTime();
}

/** Time to first touch, in business time where the tier counts business time. */
export function elapsedForTier(config: CampaignConfig, tierName: string, from: number, to: number): number {
  const tier = tierOf(config, tierName);
  if (tier.clock === 'wall') return Math.max(0, to - from);
  return businessTimeBetween(new Date(from), new Date(to), calendarFor(config, tier));
}

function note(lead: LeadState, at: number, what: string): void {
  lead.history.push({ at, what });
  if (lead.history.length > MAX_HISTORY) lead.history.splice(0, lead.history.length - MAX_HISTORY);
}

function scheduleClock(book: LeadBook, leadId: string, kind: ClockKind, clock: ClockState): void {
  if (clock.metAt !== undefined || clock.stoppedAt !== undefined) return;
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
    for (const kind of clockKinds) {
      const clock = lead.clocks[kind];
      if (clock) scheduleClock(book, lead.leadId, kind, clock);
    }
  }
}

function clockRecord(
  campaignId: string,
  lead: LeadState,
  kind: ClockKind,
  clock: ClockState,
  extra: Partial<ClockOutcomeRecord> = {},
): ClockOutcomeRecord {
  return {
    campaignId,
    leadId: lead.leadId,
    clock: kind,
    startedAt: iso(clock.startedAt),
    deadline: iso(clock.deadline),
    ...(clock.warnedAt !== undefined ? { warnedAt: iso(clock.warnedAt) } : {}),
    ...(clock.metAt !== undefined ? { metAt: iso(clock.metAt) } : {}),
    ...(clock.breachedAt !== undefined ? { breachedAt: iso(clock.breachedAt) } : {}),
    ...extra,
  };
}

function pushEvent(book: LeadBook, record: LeadEventRecord): void {
  book.outbox.events.push(record);
}

export function knownLead(book: LeadBook, leadId: string): 'open' | 'closed' | 'unknown' {
  if (book.leads[leadId]) return 'open';
  return book.closedLeadIds.includes(leadId) ? 'closed' : 'unknown';
}

/** Problems with a batch of new leads; empty when the whole batch may be admitted. */
export function validateAdmission(leads: NewLead[], ctx: BookContext): string[] {
  const config = ctx.configs[ctx.currentVersion];
  const tiers = Object.keys(config.responseSla.tiers);
  const problems: string[] = [];
  leads.forEach((lead, i) => {
    if (!config.responseSla.tiers[lead.tier]) {
      problems.push(`leads[${i}].tier: unknown tier "${lead.tier}" (configured tiers: ${tiers.join(', ')})`);
    }
    const createdAt = Date.parse(lead.createdAt);
    if (createdAt > ctx.now + config.responseSla.intakeSkew) {
      problems.push(
        `leads[${i}].createdAt: ${lead.createdAt} is in the future beyond the allowed skew of ${config.responseSla.intakeSkew / 1000}s (now ${iso(ctx.now)})`,
      );
    }
  });
  return problems;
}

export type AdmitOutcome = {
  leadId: string;
  result: 'admitted' | 'duplicate';
  status: LeadStatus | 'closed';
  ownerId?: string;
};

/** Admits validated leads and starts their clocks. A known lead ID is an idempotent no-op. */
export function admitLeads(book: LeadBook, leads: NewLead[], ctx: BookContext): AdmitOutcome[] {
  const config = ctx.configs[ctx.currentVersion];
  return leads.map((input) => {
    const existing = book.leads[input.leadId];
    if (existing)
      return { leadId: input.leadId, result: 'duplicate', status: existing.status, ownerId: existing.ownerId };
    if (book.closedLeadIds.includes(input.leadId))
      return { leadId: input.leadId, result: 'duplicate', status: 'closed' };
    const tier = tierOf(config, input.tier);
    const createdAt = Math.min(Date.parse(input.createdAt), ctx.now);
    const sla = config.responseSla;
    const firstTouchDeadline = addTime(config, tier, tier.clock, createdAt, tier.firstTouch);
    const lead: LeadState = {
      leadId: input.leadId,
      tier: input.tier,
      ownerId: input.ownerId,
      createdAt,
      configVersion: ctx.currentVersion,
      status: 'open',
      attempts: 0,
      reassignments: 0,
      clocks: {
        firstTouch: {
          startedAt: createdAt,
          warnAt: addTime(config, tier, tier.clock, createdAt, tier.firstTouch * tier.warnAt),
          deadline: firstTouchDeadline,
        },
        followUp: {
          startedAt: createdAt,
          warnAt: createdAt + sla.followUp.within * tier.warnAt,
          deadline: createdAt + sla.followUp.within,
        },
      },
      eventIds: [],
      history: [{ at: createdAt, what: `created (tier ${input.tier}, owner ${input.ownerId})` }],
    };
    book.leads[lead.leadId] = lead;
    book.ownerLoad[lead.ownerId] = (book.ownerLoad[lead.ownerId] ?? 0) + 1;
    for (const kind of ['firstTouch', 'followUp'] as const)
      startClock(book, ctx.campaignId, lead, kind, lead.clocks[kind] as ClockState);
    book.outbox.leads.push({
      campaignId: ctx.campaignId,
      leadId: lead.leadId,
      tier: lead.tier,
      ownerId: lead.ownerId,
      createdAt: iso(createdAt),
      configVersion: ctx.currentVersion,
    });
    return { leadId: lead.leadId, result: 'admitted', status: 'open', ownerId: lead.ownerId };
  });
}

function startClock(book: LeadBook, campaignId: string, lead: LeadState, kind: ClockKind, clock: ClockState): void {
  lead.clocks[kind] = clock;
  scheduleClock(book, lead.leadId, kind, clock);
  book.outbox.clocks.push(clockRecord(campaignId, lead, kind, clock));
}

/** The acceptance window opens at first touch: the owner has spoken to the lead and must now accept or reject it. */
function startAcceptanceClock(
  book: LeadBook,
  ctx: BookContext,
  lead: LeadState,
  config: CampaignConfig,
  at: number,
): void {
  const tier = tierOf(config, lead.tier);
  const window = config.responseSla.acceptance;
  startClock(book, ctx.campaignId, lead, 'acceptance', {
    startedAt: at,
    warnAt: addTime(config, tier, window.clock, at, window.within * tier.warnAt),
    deadline: addTime(config, tier, window.clock, at, window.within),
  });
}

const stageRank = (stage: ConversionStage | undefined) => (stage ? conversionStages.indexOf(stage) : -1);

/** Problems with a batch of lead events; empty when every event may be applied. */
export function validateLeadEvents(book: LeadBook, events: LeadEvent[], ctx: BookContext): string[] {
  const problems: string[] = [];
  events.forEach((event, i) => {
    const where = `events[${i}]`;
    const lead = book.leads[event.leadId];
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
    const at = Date.parse(event.at);
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
        else if (!dispositions[event.reason]) {
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

export type EventOutcome = { eventId: string; leadId: string; result: 'applied' | 'duplicate'; status: LeadStatus };

function meetClock(book: LeadBook, ctx: BookContext, lead: LeadState, kind: ClockKind, at: number): void {
  const clock = lead.clocks[kind];
  if (!clock || clock.metAt !== undefined || clock.stoppedAt !== undefined) return;
  clock.metAt = at;
  // Whatever satisfies the clock also stops its escalation chain.
  delete clock.nextStep;
  delete clock.nextStepAt;
  const config = configOf(ctx, lead);
  const elapsedBusinessMs = elapsedForTier(config, lead.tier, clock.startedAt, at);
  book.outbox.clocks.push(
    clockRecord(ctx.campaignId, lead, kind, clock, { elapsedBusinessMs, elapsedWallMs: at - clock.startedAt }),
  );
}

function stopClocks(lead: LeadState, at: number): void {
  for (const kind of clockKinds) {
    const clock = lead.clocks[kind];
    if (!clock || clock.metAt !== undefined || clock.stoppedAt !== undefined) continue;
    clock.stoppedAt = at;
    delete clock.nextStep;
    delete clock.nextStepAt;
  }
}

function isSettled(lead: LeadState): boolean {
  if (lead.status === 'rejected' || lead.status === 'nurture' || lead.status === 'recycled') return true;
  return clockKinds.every((kind) => {
    const clock = lead.clocks[kind];
    return (
      !clock ||
      clock.metAt !== undefined ||
      clock.stoppedAt !== undefined ||
      (clock.breachedAt !== undefined && clock.nextStepAt === undefined)
    );
  });
}

/** Removes a lead whose clocks are all settled, keeping its ID for duplicate detection. */
function retireIfSettled(book: LeadBook, lead: LeadState): boolean {
  if (!isSettled(lead)) return false;
  delete book.leads[lead.leadId];
  book.ownerLoad[lead.ownerId] = Math.max(0, (book.ownerLoad[lead.ownerId] ?? 1) - 1);
  book.closedLeadIds.push(lead.leadId);
  if (book.closedLeadIds.length > MAX_CLOSED_IDS)
    book.closedLeadIds.splice(0, book.closedLeadIds.length - MAX_CLOSED_IDS);
  return true;
}

export interface EventObservers {
  onFirstTouch?: FirstTouchObserver;
  onDisposition?: (lead: LeadState, decision: 'accept' | 'reject', reason: string | undefined) => void;
  onStage?: (lead: LeadState, stage: ConversionStage) => void;
}

/** Applies validated events. Call validateLeadEvents first; repeats (same eventId) are no-ops. */
export function applyLeadEvents(
  book: LeadBook,
  events: LeadEvent[],
  ctx: BookContext,
  observers: EventObservers = {},
): EventOutcome[] {
  return events.map((event) => {
    const lead = book.leads[event.leadId];
    if (lead.eventIds.includes(event.eventId))
      return { eventId: event.eventId, leadId: lead.leadId, result: 'duplicate', status: lead.status };
    lead.eventIds.push(event.eventId);
    if (lead.eventIds.length > MAX_EVENT_IDS) lead.eventIds.shift();
    const at = Date.parse(event.at);
    const config = configOf(ctx, lead);
    const base = { campaignId: ctx.campaignId, leadId: lead.leadId, eventId: event.eventId, at: event.at };
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
        meetClock(book, ctx, lead, 'firstTouch', at);
        observers.onFirstTouch?.(lead, elapsedForTier(config, lead.tier, lead.createdAt, at), at - lead.createdAt);
        if (lead.status === 'open') startAcceptanceClock(book, ctx, lead, config, at);
      }
      if (lead.attempts >= config.responseSla.followUp.attempts) meetClock(book, ctx, lead, 'followUp', at);
    } else if (event.type === 'disposition') {
      meetClock(book, ctx, lead, 'acceptance', at);
      observers.onDisposition?.(lead, event.decision, event.reason);
      if (event.decision === 'accept') {
        lead.status = 'accepted';
        note(lead, at, `accepted by ${lead.ownerId}`);
        pushEvent(book, { ...base, kind: 'accept', detail: { ownerId: lead.ownerId } });
      } else {
        const route = config.responseSla.dispositions[event.reason as string];
        lead.status = route === 'nurture' ? 'nurture' : 'recycled';
        note(lead, at, `rejected: ${event.reason} → ${route}`);
        pushEvent(book, { ...base, kind: 'reject', detail: { reason: event.reason, route, ownerId: lead.ownerId } });
        stopClocks(lead, at);
      }
    } else {
      lead.stage = event.stage;
      note(lead, at, `stage ${event.stage}`);
      pushEvent(book, { ...base, kind: 'stage', detail: { stage: event.stage } });
      observers.onStage?.(lead, event.stage);
      if (event.stage === 'Opportunity') meetClock(book, ctx, lead, 'followUp', at);
    }
    const status = lead.status;
    retireIfSettled(book, lead);
    return { eventId: event.eventId, leadId: lead.leadId, result: 'applied', status };
  });
}

function managerFor(config: CampaignConfig, ownerId: string, poolHint?: string): { managerId?: string; pool?: string } {
  const pools = config.responseSla.pools;
  const owning = Object.entries(pools).find(([, pool]) => pool.reps.some((rep) => rep.id === ownerId));
  const name = owning?.[0] ?? poolHint ?? Object.keys(pools)[0];
  return { managerId: name ? pools[name]?.managerId : undefined, pool: name };
}

function reassign(
  book: LeadBook,
  lead: LeadState,
  poolName: string,
  config: CampaignConfig,
): { newOwnerId: string | null; reason?: string } {
  const pool = config.responseSla.pools[poolName];
  const state = book.roundRobin[poolName] ?? initialRoundRobinState();
  const pick = pickNextRep(pool, state, { excludeRepId: lead.ownerId, load: book.ownerLoad, poolName });
  if (pick.repId === null) return { newOwnerId: null, reason: pick.reason };
  book.roundRobin[poolName] = pick.state;
  book.ownerLoad[lead.ownerId] = Math.max(0, (book.ownerLoad[lead.ownerId] ?? 1) - 1);
  book.ownerLoad[pick.repId] = (book.ownerLoad[pick.repId] ?? 0) + 1;
  lead.ownerId = pick.repId;
  lead.reassignments += 1;
  return { newOwnerId: pick.repId };
}

export interface DueObservers {
  onBreach?: (lead: LeadState, clock: ClockKind) => void;
  /** The lead left the SLA (e.g. returned to nurture) without ever being contacted. */
  onClosedUntouched?: (lead: LeadState) => void;
}

/**
 * Fires everything due at or before ctx.now: warnings, breaches and escalation steps.
 * Work is proportional to what is due, not to the number of open leads.
 */
export function collectDue(book: LeadBook, ctx: BookContext, observers: DueObservers = {}): DueEffect[] {
  const effects: DueEffect[] = [];
  const fireClockAlert = (type: ClockAlertEffect['type'], lead: LeadState, kind: ClockKind, clock: ClockState) => {
    effects.push({
      type,
      leadId: lead.leadId,
      clock: kind,
      ownerId: lead.ownerId,
      tier: lead.tier,
      deadline: clock.deadline,
    });
    book.outbox.clocks.push(clockRecord(ctx.campaignId, lead, kind, clock));
  };
  for (let entry = popDue(book.due, ctx.now); entry; entry = popDue(book.due, ctx.now)) {
    const [dueAt, key] = entry;
    const [leadId, kind, what] = key.split('|') as [string, ClockKind, 'warn' | 'breach' | 'step'];
    const lead = book.leads[leadId];
    const clock = lead?.clocks[kind];
    if (!lead || !clock || clock.metAt !== undefined || clock.stoppedAt !== undefined) continue; // satisfied since
    const config = configOf(ctx, lead);
    if (what === 'warn') {
      if (clock.warnedAt !== undefined || clock.breachedAt !== undefined) continue;
      clock.warnedAt = dueAt;
      note(lead, dueAt, `${kind} warning`);
      fireClockAlert('warning', lead, kind, clock);
    } else if (what === 'breach') {
      if (clock.breachedAt !== undefined) continue;
      clock.breachedAt = dueAt;
      note(lead, dueAt, `${kind} breached`);
      fireClockAlert('breach', lead, kind, clock);
      observers.onBreach?.(lead, kind);
      const chain = config.responseSla.escalation;
      if (chain.length > 0) {
        clock.nextStep = 0;
        clock.nextStepAt = dueAt + chain[0].after;
        pushDue(book.due, clock.nextStepAt, `${leadId}|${kind}|step`);
      }
    } else {
      if (clock.nextStep === undefined || clock.nextStepAt !== dueAt) continue;
      runEscalationStep(book, lead, kind, clock, config, dueAt, effects);
    }
    if (retireIfSettled(book, lead) && lead.firstTouchAt === undefined) observers.onClosedUntouched?.(lead);
  }
  return effects;
}

function runEscalationStep(
  book: LeadBook,
  lead: LeadState,
  kind: ClockKind,
  clock: ClockState,
  config: CampaignConfig,
  at: number,
  effects: DueEffect[],
): void {
  const chain = config.responseSla.escalation;
  let index = clock.nextStep as number;
  const base = { leadId: lead.leadId, clock: kind, tier: lead.tier };
  const step = chain[index];
  if (step.step === 'reassign') {
    const previousOwner = lead.ownerId;
    const { newOwnerId, reason } = reassign(book, lead, step.pool as string, config);
    effects.push({
      type: 'escalation',
      ...base,
      stepIndex: index,
      step: 'reassign',
      ownerId: previousOwner,
      newOwnerId,
      pool: step.pool,
      reason,
    });
    note(lead, at, newOwnerId ? `reassigned ${previousOwner} → ${newOwnerId}` : `reassign skipped: ${reason}`);
    if (newOwnerId === null) {
      // Nobody can take the lead: jump straight to the manager step, recording why.
      const managerIndex = chain.findIndex((s, i) => i > index && s.step === 'notify-manager');
      if (managerIndex >= 0) {
        index = managerIndex - 1;
        clock.nextStep = index + 1;
        clock.nextStepAt = at;
        pushDue(book.due, at, `${lead.leadId}|${kind}|step`);
        return;
      }
    }
  } else if (step.step === 'return-to-nurture') {
    lead.status = 'nurture';
    note(lead, at, 'returned to nurture');
    effects.push({ type: 'escalation', ...base, stepIndex: index, step: 'return-to-nurture', ownerId: lead.ownerId });
    stopClocks(lead, at);
    return;
  } else {
    const manager =
      step.step === 'notify-manager'
        ? managerFor(config, lead.ownerId, chain.find((s) => s.step === 'reassign')?.pool)
        : {};
    effects.push({ type: 'escalation', ...base, stepIndex: index, step: step.step, ownerId: lead.ownerId, ...manager });
    note(
      lead,
      at,
      step.step === 'notify-manager'
        ? `manager ${manager.managerId ?? '(none)'} notified`
        : `owner ${lead.ownerId} notified`,
    );
  }
  const next = index + 1;
  if (next < chain.length) {
    clock.nextStep = next;
    clock.nextStepAt = Math.max(at, (clock.breachedAt as number) + chain[next].after);
    pushDue(book.due, clock.nextStepAt, `${lead.leadId}|${kind}|step`);
  } else {
    delete clock.nextStep;
    delete clock.nextStepAt;
  }
}

export function nextDueAt(book: LeadBook): number | undefined {
  return peekDueAt(book.due);
}

export function openLeadCount(book: LeadBook): number {
  return Object.keys(book.leads).length;
}

/** Open clocks (not met, not stopped, not breached). O(open leads): for queries and throttled summaries only. */
export function openClockCount(book: LeadBook): number {
  let count = 0;
  for (const lead of Object.values(book.leads)) {
    for (const kind of clockKinds) {
      const clock = lead.clocks[kind];
      if (clock && clock.metAt === undefined && clock.stoppedAt === undefined && clock.breachedAt === undefined)
        count++;
    }
  }
  return count;
}
