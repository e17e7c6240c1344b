// The Temporal Schedule that closes every quarter: on the 1st of Jan/Apr/Jul/Oct at local midnight it
// starts the 'quarterlyReset' workflow, which rolls every running campaign into the new quarter.
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleOptions,
  type ScheduleSpec,
} from '@temporalio/client';
import { IANAZone } from 'luxon';
import { nextQuarter, parseQuarter, quarterBounds } from '../sla/quarter';
import { QUARTERLY_RESET_SCHEDULE_ID, TASK_QUEUE } from '../workflows/messages';

export const QUARTERLY_RESET_WORKFLOW = 'quarterlyReset';
export const QUARTERLY_RESET_WORKFLOW_ID_PREFIX = 'campaign-sla:quarterly-reset-run';
// A reset missed while the cluster was down is still worth running days later (it is idempotent per
// campaign and quarter); beyond a week someone should look and backfill on purpose.
const DEFAULT_CATCHUP_WINDOW = '7 days';

export interface QuarterlyScheduleOptions {
  /** IANA zone whose midnight starts a quarter, e.g. "UTC" or "America/New_York". */
  timezone: string;
  catchupWindow?: string | number;
  paused?: boolean;
}

export interface QuarterlyScheduleSummary {
  scheduleId: string;
  timezone: string;
  calendars: ScheduleDescription['spec']['calendars'];
  overlap: ScheduleDescription['policies']['overlap'];
  catchupWindowMs: number;
  paused: boolean;
  nextFireTimes: string[];
  recentActions: { scheduledAt: string; takenAt: string; workflowId: string }[];
  actionsTaken: number;
}

function quarterlyScheduleSpec(timezone: string): ScheduleSpec {
  return {
    calendars: [{ month: ['JANUARY', 'APRIL', 'JULY', 'OCTOBER'], dayOfMonth: 1, hour: 0, minute: 0 }],
    timezone,
  };
}

function scheduleOptions(options: QuarterlyScheduleOptions): ScheduleOptions {
  if (!IANAZone.isValidZone(options.timezone)) {
    throw new Error(`timezone: unknown IANA time zone "${options.timezone}" (e.g. UTC, Europe/Berlin)`);
  }
  return {
    scheduleId: QUARTERLY_RESET_SCHEDULE_ID,
    spec: quarterlyScheduleSpec(options.timezone),
    action: {
      type: 'startWorkflow',
      workflowType: QUARTERLY_RESET_WORKFLOW,
      taskQueue: TASK_QUEUE,
      workflowId: QUARTERLY_RESET_WORKFLOW_ID_PREFIX,
      // No quarter: the workflow closes the quarter before its scheduled fire time.
      args: [{}],
      staticSummary: 'Close the ended quarter for every running campaign',
    },
    policies: {
      // Two resets at once would race on the same campaigns; the later one has nothing left to do anyway.
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: options.catchupWindow ?? DEFAULT_CATCHUP_WINDOW,
    },
    state: { paused: options.paused ?? false, note: 'installed by campaign-sla schedule install' },
  };
}

/** Creates the schedule, or brings an existing one to the given spec (running it twice changes nothing). */
export async function installQuarterlySchedule(
  client: Client,
  options: QuarterlyScheduleOptions,
): Promise<{ created: boolean; summary: QuarterlyScheduleSummary }> {
  const desired = scheduleOptions(options);
  let created = true;
  try {
    await client.schedule.create(desired);
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    created = false;
    await client.schedule.getHandle(QUARTERLY_RESET_SCHEDULE_ID).update(() => ({
      spec: desired.spec,
      action: desired.action,
      policies: desired.policies,
      state: { paused: desired.state?.paused, note: desired.state?.note },
    }));
  }
  return { created, summary: await describeQuarterlySchedule(client) };
}

export async function describeQuarterlySchedule(client: Client): Promise<QuarterlyScheduleSummary> {
  const description = await describeOrExplain(client);
  return {
    scheduleId: description.scheduleId,
    timezone: description.spec.timezone ?? 'UTC',
    calendars: description.spec.calendars,
    overlap: description.policies.overlap,
    catchupWindowMs: description.policies.catchupWindow,
    paused: description.state.paused,
    nextFireTimes: description.info.nextActionTimes.map((t) => t.toISOString()),
    recentActions: description.info.recentActions.map((a) => ({
      scheduledAt: a.scheduledAt.toISOString(),
      takenAt: a.takenAt.toISOString(),
      workflowId: a.action.workflow.workflowId,
    })),
    actionsTaken: description.info.numActionsTaken,
  };
}

/**
 * Re-runs the reset for one closed quarter through a schedule backfill at the instant that reset fires
 * (local midnight starting the next quarter), rather than starting the workflow directly with
 * `{ quarter }`: the run then carries the same TemporalScheduledStartTime as a regular fire, shows up
 * in the schedule's recent actions for audit, and uses the schedule's time zone, so a backfill and a
 * regular fire can never disagree about which quarter they close. ALLOW_ALL so it runs even while
 * another reset is in flight; the reset is idempotent per campaign and quarter.
 */
export async function backfillQuarter(client: Client, quarter: string): Promise<{ quarter: string; firesAt: string }> {
  parseQuarter(quarter);
  const description = await describeOrExplain(client);
  const firesAt = quarterBounds(nextQuarter(quarter), description.spec.timezone ?? 'UTC').start;
  // The backfill range is inclusive; a second either side holds exactly this one fire time.
  await client.schedule.getHandle(QUARTERLY_RESET_SCHEDULE_ID).backfill({
    start: new Date(firesAt.getTime() - 1000),
    end: new Date(firesAt.getTime() + 1000),
    overlap: ScheduleOverlapPolicy.ALLOW_ALL,
  });
  return { quarter, firesAt: firesAt.toISOString() };
}

async function describeOrExplain(client: Client): Promise<ScheduleDescription> {
  try {
    return await client.schedule.getHandle(QUARTERLY_RESET_SCHEDULE_ID).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) {
      throw new ScheduleNotFoundError(
        `schedule ${QUARTERLY_RESET_SCHEDULE_ID} is not installed; run \`campaign-sla schedule install --timezone <zone>\``,
        QUARTERLY_RESET_SCHEDULE_ID,
      );
    }
    throw err;
  }
}
