// Pausing a clock: while paused it keeps what was left of its deadline (and of its warning, if still ahead), and
// resumes with it; the time it stood still is added to pausedMs, in the clock's own time base. Milestones pause
// on their own `pauseWhile`; the built-in acceptance and follow-up clocks on responseSla.pauseWhile. First touch
// never pauses: nobody can be waiting on a customer no one has contacted.
import { isMilestoneClock, milestoneName, type ClockKind, type MilestoneClock } from '../clockKind';
import type { CampaignConfig, MilestoneConfig } from '../config';
import { getOwn } from '../dict';
import type { ClockState, LeadState } from './state';
import { tierOf, timeBase, wallTime, type TimeBase } from './terms';

export function milestoneOf(config: CampaignConfig, kind: MilestoneClock): MilestoneConfig | undefined {
  const all = config.responseSla.milestones;
  return all ? getOwn(all, milestoneName(kind)) : undefined;
}

/** A milestone's time base: wall time, or business time on its calendar. */
export function milestoneTime(config: CampaignConfig, milestone: MilestoneConfig): TimeBase {
  return timeBase(config, milestone.clock, milestone.calendar);
}

/** How a clock of the lead runs: its duration and time base, and the statuses that pause it (empty: never). */
export interface ClockTerms {
  within: number;
  time: TimeBase;
  pauseStatuses: readonly string[];
}

export function clockTerms(config: CampaignConfig, lead: LeadState, kind: ClockKind): ClockTerms | undefined {
  if (isMilestoneClock(kind)) {
    const milestone = milestoneOf(config, kind);
    if (!milestone) return undefined;
    return {
      within: milestone.within,
      time: milestoneTime(config, milestone),
      pauseStatuses: milestone.pauseWhile?.status ?? [],
    };
  }
  const sla = config.responseSla;
  const pauseStatuses = sla.pauseWhile?.status ?? [];
  if (kind === 'followUp') return { within: sla.followUp.within, time: wallTime, pauseStatuses };
  if (kind === 'acceptance') {
    const time = timeBase(config, sla.acceptance.clock, tierOf(config, lead.tier).calendar);
    return { within: sla.acceptance.within, time, pauseStatuses };
  }
  return undefined;
}

export function beginPause(clock: ClockState, time: TimeBase, at: number): void {
  clock.pausedAt = at;
  clock.remainingMs = time.between(at, clock.deadline);
  if (clock.warnedAt === undefined && clock.warnAt > at) clock.warnRemainingMs = time.between(at, clock.warnAt);
}

export function endPause(clock: ClockState, time: TimeBase, at: number): void {
  const pausedAt = clock.pausedAt as number;
  clock.pausedMs = (clock.pausedMs ?? 0) + time.between(pausedAt, Math.max(at, pausedAt));
  clock.deadline = time.add(Math.max(at, pausedAt), clock.remainingMs ?? 0);
  if (clock.warnRemainingMs !== undefined) clock.warnAt = time.add(Math.max(at, pausedAt), clock.warnRemainingMs);
  delete clock.pausedAt;
  delete clock.remainingMs;
  delete clock.warnRemainingMs;
}

/** Ends a pause the clock is in at `at` (it is met or stopped then), in the clock's time base. */
export function settlePause(config: CampaignConfig, lead: LeadState, kind: ClockKind, clock: ClockState, at: number) {
  if (clock.pausedAt === undefined) return;
  endPause(clock, clockTerms(config, lead, kind)?.time ?? wallTime, at);
}

/**
 * Time a clock that was paused ran from its start to `at` in its own time base, stopped time left out: what its
 * deadline had left at `at`, taken from its duration (pauses moved the deadline by exactly the time they stood).
 * Undefined for a clock that never paused, whose elapsed time is measured from its start as before.
 */
export function elapsedLessPauses(
  config: CampaignConfig,
  lead: LeadState,
  kind: ClockKind,
  clock: ClockState,
  at: number,
): number | undefined {
  const terms = clockTerms(config, lead, kind);
  if (!terms) return undefined;
  if (!isMilestoneClock(kind) && clock.pausedMs === undefined) return undefined;
  return at <= clock.deadline
    ? Math.max(0, terms.within - terms.time.between(at, clock.deadline))
    : terms.within + terms.time.between(clock.deadline, at);
}
