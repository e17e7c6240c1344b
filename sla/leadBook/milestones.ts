// Milestone clocks: the contract's own clocks beyond the built-in three. Each starts on a CRM fact, is met by any
// of its stop facts, and is paused while the lead's CRM status is in its pause set: a paused clock keeps its
// remaining time and resumes with it, and the stopped time is recorded. Facts count at their event time.
import { isMilestoneClock, milestoneClock, milestoneName, type ClockKind, type MilestoneClock } from '../clockKind';
import type { CampaignConfig, MilestoneCondition, MilestoneConfig, MilestoneFact } from '../config';
import { dict, type Dict } from '../dict';
import { scheduleClock } from './dueClocks';
import { beginPause, clockTerms, endPause, milestoneTime } from './pause';
import {
  clockRecord,
  iso,
  leadClockKinds,
  note,
  type BookContext,
  type ClockState,
  type LeadBook,
  type LeadState,
} from './state';
import { configOf, type TimeBase } from './terms';
import { leadChanged } from './changes';

/** What happened to a lead, as milestones see it: a named fact, or its CRM status becoming `status`. */
export type LeadFact = { fact: MilestoneFact } | { status: string };

/** How a clock that is no longer open ended, or that it is still open. */
type MilestoneOutcome = 'met' | 'breached' | 'stopped' | 'pending';

/** Per milestone: clocks of leads that left the book, folded; open leads are classified on demand. */
export interface MilestoneTally {
  started: number;
  met: number;
  breached: number;
  stopped: number;
  /**
   * Clocks that were paused at least once, and the time they stood still in pauses that ended (by a resume, a
   * meet or a stop), in each milestone's own time base; a clock paused now adds its pause when that ends.
   */
  paused: number;
  pausedMs: number;
}

export interface MilestoneFigures extends MilestoneTally {
  pending: number;
  /** Clocks paused right now. */
  pausedNow: number;
  /** met / (met + breached); null before anything was decided. */
  share: number | null;
}

/** The lead's milestones under its terms, for its tier, by clock key. */
function milestonesFor(config: CampaignConfig, lead: LeadState): Array<[MilestoneClock, MilestoneConfig]> {
  const all = config.responseSla.milestones;
  if (!all) return [];
  return Object.entries(all)
    .filter(([, milestone]) => !milestone.tiers || milestone.tiers.includes(lead.tier))
    .map(([name, milestone]) => [milestoneClock(name), milestone]);
}

const conditionMatches = (condition: MilestoneCondition, fact: LeadFact): boolean =>
  typeof condition === 'string'
    ? 'fact' in fact && fact.fact === condition
    : 'status' in fact && condition.status.includes(fact.status);

const isOpen = (clock: ClockState) =>
  clock.metAt === undefined && clock.stoppedAt === undefined && clock.breachedAt === undefined;

/** Running milestones the fact stops are met at its event time (`meet`: the built-in clocks' rule). */
export function meetMilestones(
  ctx: BookContext,
  lead: LeadState,
  fact: LeadFact,
  at: number,
  meet: (kind: MilestoneClock, at: number) => void,
): void {
  const config = configOf(ctx, lead);
  for (const [kind, milestone] of milestonesFor(config, lead)) {
    const clock = lead.clocks[kind];
    if (!clock || clock.metAt !== undefined || clock.stoppedAt !== undefined || clock.startedAt > at) continue;
    if (!milestone.stop.some((stop) => conditionMatches(stop, fact))) continue;
    meet(kind, at);
  }
}

/** Milestones the fact starts begin at its event time, paused if the lead is in one of their pause statuses. */
export function startMilestones(book: LeadBook, ctx: BookContext, lead: LeadState, fact: LeadFact, at: number): void {
  const config = configOf(ctx, lead);
  for (const [kind, milestone] of milestonesFor(config, lead)) {
    if (lead.clocks[kind] || !conditionMatches(milestone.start, fact)) continue;
    startMilestone(book, ctx, lead, kind, milestone, config, at);
  }
}

function startMilestone(
  book: LeadBook,
  ctx: BookContext,
  lead: LeadState,
  kind: MilestoneClock,
  milestone: MilestoneConfig,
  config: CampaignConfig,
  at: number,
): void {
  const time = milestoneTime(config, milestone);
  const clock: ClockState = {
    startedAt: at,
    warnAt: time.add(at, milestone.within * milestone.warnAt),
    deadline: time.add(at, milestone.within),
  };
  lead.clocks[kind] = clock;
  leadChanged(book, lead.leadId);
  note(lead, at, `${milestoneName(kind)} started`);
  pauseIfWaiting(lead, clock, milestone.pauseWhile?.status ?? [], time, kind, at);
  scheduleClock(book, lead.leadId, kind, clock);
  book.outbox.clocks.push(clockRecord(ctx.campaignId, lead, kind, clock));
}

/** A clock that starts while the lead is in one of its pause statuses starts paused. */
export function pauseIfWaiting(
  lead: LeadState,
  clock: ClockState,
  pauseStatuses: readonly string[],
  time: TimeBase,
  kind: ClockKind,
  at: number,
): void {
  if (lead.crmStatus === undefined || !pauseStatuses.includes(lead.crmStatus)) return;
  beginPause(clock, time, at);
  note(lead, at, `${kind} paused (${lead.crmStatus})`);
}

/**
 * The lead's CRM status became `status` at `at`: clocks whose pause set holds it pause (milestones, and the
 * built-in acceptance and follow-up clocks under responseSla.pauseWhile), paused ones whose set does not resume with
 * the time they had left. A change older than the status we know is history and ignored.
 */
export function applyStatusChange(
  book: LeadBook,
  ctx: BookContext,
  lead: LeadState,
  status: string,
  at: number,
  withdrawBreach: (kind: ClockKind, clock: ClockState, why: string) => boolean,
): boolean {
  if (lead.crmStatusAt !== undefined && at < lead.crmStatusAt) return false;
  lead.crmStatus = status;
  lead.crmStatusAt = at;
  const config = configOf(ctx, lead);
  for (const kind of leadClockKinds(lead)) {
    const clock = lead.clocks[kind];
    if (!clock || clock.metAt !== undefined || clock.stoppedAt !== undefined) continue;
    const terms = clockTerms(config, lead, kind);
    if (!terms || terms.pauseStatuses.length === 0) continue;
    const { time } = terms;
    const pauses = terms.pauseStatuses.includes(status);
    if (pauses && clock.pausedAt === undefined && at < clock.deadline) {
      // Paused before its deadline: a breach fired meanwhile (the change was reported late) did not happen.
      if (clock.breachedAt !== undefined && !withdrawBreach(kind, clock, `paused at ${iso(at)} (${status})`)) continue;
      beginPause(clock, time, Math.max(at, clock.startedAt));
      note(lead, at, `${kind} paused (${status})`);
      book.outbox.clocks.push(clockRecord(ctx.campaignId, lead, kind, clock));
    } else if (!pauses && clock.pausedAt !== undefined) {
      endPause(clock, time, Math.max(at, clock.pausedAt));
      note(lead, at, `${kind} resumed, due ${iso(clock.deadline)}`);
      scheduleClock(book, lead.leadId, kind, clock);
      book.outbox.clocks.push(clockRecord(ctx.campaignId, lead, kind, clock));
    }
  }
  return true;
}

function milestoneOutcome(clock: ClockState): MilestoneOutcome {
  if (clock.breachedAt !== undefined) return 'breached';
  if (clock.metAt !== undefined) return 'met';
  if (clock.stoppedAt !== undefined) return 'stopped';
  return 'pending';
}

const emptyTally = (): MilestoneTally => ({ started: 0, met: 0, breached: 0, stopped: 0, paused: 0, pausedMs: 0 });

function addClock(tally: MilestoneTally, clock: ClockState, outcome: MilestoneOutcome, stopped: number): void {
  tally.started += 1;
  if (outcome !== 'pending') tally[outcome] += 1;
  if (clock.pausedMs !== undefined || clock.pausedAt !== undefined) {
    tally.paused += 1;
    tally.pausedMs += stopped;
  }
}

/** Folds a leaving lead's milestone clocks into the book's tally (its clocks are met, breached or stopped by then). */
export function foldMilestones(book: LeadBook, lead: LeadState): void {
  for (const [kind, clock] of Object.entries(lead.clocks)) {
    if (!clock || !isMilestoneClock(kind)) continue;
    const name = milestoneName(kind);
    const tally = (book.milestoneTally ??= dict())[name] ?? (book.milestoneTally[name] = emptyTally());
    addClock(tally, clock, milestoneOutcome(clock), clock.pausedMs ?? 0);
  }
}

/** Every milestone's figures: the tally of leads gone plus the open leads as they stand (the ledger's definitions). */
export function milestoneFigures(book: LeadBook): Dict<MilestoneFigures> {
  const figures = dict<MilestoneFigures>();
  const entry = (name: string): MilestoneFigures =>
    figures[name] ?? (figures[name] = { ...emptyTally(), pending: 0, pausedNow: 0, share: null });
  for (const [name, tally] of Object.entries(book.milestoneTally ?? {})) Object.assign(entry(name), tally);
  for (const lead of Object.values(book.leads)) {
    for (const [kind, clock] of Object.entries(lead.clocks)) {
      if (!clock || !isMilestoneClock(kind)) continue;
      const figure = entry(milestoneName(kind));
      const outcome = milestoneOutcome(clock);
      addClock(figure, clock, outcome, clock.pausedMs ?? 0);
      if (outcome === 'pending') figure.pending += 1;
      if (clock.pausedAt !== undefined) figure.pausedNow += 1;
    }
  }
  for (const figure of Object.values(figures)) {
    const decided = figure.met + figure.breached;
    figure.share = decided > 0 ? figure.met / decided : null;
  }
  return figures;
}

/** Whether any milestone clock of the lead still runs (met, breached or stopped ones do not). */
export function hasRunningMilestone(lead: LeadState): boolean {
  return Object.entries(lead.clocks).some(([kind, clock]) => clock && isMilestoneClock(kind) && isOpen(clock));
}

/**
 * The CRM facts the milestones of any of the configs (open leads keep the version they came with) follow beyond
 * attempts and dispositions; null when none is needed.
 */
export function milestoneFactsNeeded(
  configs: readonly CampaignConfig[],
): { statuses?: true; meetings?: true; opportunities?: true } | null {
  const conditions = configs
    .flatMap((config) => Object.values(config.responseSla.milestones ?? {}))
    .flatMap((m) => [m.start, ...m.stop, ...(m.pauseWhile ? [m.pauseWhile] : [])]);
  const needs = {
    ...(conditions.some((c) => typeof c !== 'string') ? { statuses: true as const } : {}),
    ...(conditions.includes('meetingBooked') ? { meetings: true as const } : {}),
    ...(conditions.includes('opportunity') ? { opportunities: true as const } : {}),
  };
  return Object.keys(needs).length > 0 ? needs : null;
}
