// Pausing a milestone clock: while paused it keeps what was left of its deadline (and of its warning, if still
// ahead), and resumes with it; the time it stood still is added to pausedMs, in the milestone's own time base.
import { addBusinessTime, businessTimeBetween, type BusinessCalendar } from '../calendar';
import { milestoneName, type MilestoneClock } from '../clockKind';
import type { CampaignConfig, MilestoneConfig } from '../config';
import { getOwn } from '../dict';
import type { ClockState } from './state';

export interface TimeBase {
  add(start: number, ms: number): number;
  between(from: number, to: number): number;
}

export function milestoneOf(config: CampaignConfig, kind: MilestoneClock): MilestoneConfig | undefined {
  const all = config.responseSla.milestones;
  return all ? getOwn(all, milestoneName(kind)) : undefined;
}

/** A milestone's time base: wall time, or business time on its calendar. */
export function milestoneTime(config: CampaignConfig, milestone: MilestoneConfig): TimeBase {
  if (milestone.clock === 'wall')
    return { add: (start, ms) => start + ms, between: (from, to) => Math.max(0, to - from) };
  const calendar = getOwn(config.calendars, milestone.calendar) as BusinessCalendar;
  return {
    add: (start, ms) => addBusinessTime(new Date(start), ms, calendar).getTime(),
    between: (from, to) => businessTimeBetween(new Date(from), new Date(to), calendar),
  };
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

/** Ends a pause the clock is in at `at` (it is met or stopped then), using the milestone's time base. */
export function settlePause(config: CampaignConfig, kind: MilestoneClock, clock: ClockState, at: number): void {
  if (clock.pausedAt === undefined) return;
  const milestone = milestoneOf(config, kind);
  const time: TimeBase = milestone
    ? milestoneTime(config, milestone)
    : { add: (start, ms) => start + ms, between: (from, to) => Math.max(0, to - from) };
  endPause(clock, time, at);
}

/**
 * Time the clock ran from its start to `at` in its own time base, stopped time left out: what the deadline had
 * left at `at`, taken from the milestone's duration (pauses moved the deadline by exactly the time they stood).
 */
export function milestoneElapsed(config: CampaignConfig, kind: MilestoneClock, clock: ClockState, at: number): number {
  const milestone = milestoneOf(config, kind);
  if (!milestone) return Math.max(0, at - clock.startedAt - (clock.pausedMs ?? 0));
  const time = milestoneTime(config, milestone);
  return at <= clock.deadline
    ? Math.max(0, milestone.within - time.between(at, clock.deadline))
    : milestone.within + time.between(clock.deadline, at);
}
