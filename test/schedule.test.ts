// The quarterly reset Schedule on a dev server: idempotent install, spec, describe and backfill.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backfillQuarter,
  describeQuarterlySchedule,
  installQuarterlySchedule,
  QUARTERLY_RESET_WORKFLOW,
  QUARTERLY_RESET_WORKFLOW_ID_PREFIX,
} from '../runtime/schedule';
import { Worker } from '@temporalio/worker';
import type { QuarterlyResetResult } from '../workflows/quarterlyReset';
import { QUARTERLY_RESET_SCHEDULE_ID, TASK_QUEUE } from '../workflows/messages';
import { devServerEnv } from './support/temporal';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await devServerEnv();
});

afterAll(async () => {
  await env?.teardown();
});

describe('quarterly reset schedule', () => {
  it('explains that the schedule is missing before it is installed', async () => {
    await expect(describeQuarterlySchedule(env.client)).rejects.toThrow(
      `schedule ${QUARTERLY_RESET_SCHEDULE_ID} is not installed; run \`campaign-sla schedule install --timezone <zone>\``,
    );
  });

  it('installs once and updates in place on a second install', async () => {
    const first = await installQuarterlySchedule(env.client, { timezone: 'America/New_York' });
    expect(first.created).toBe(true);
    const second = await installQuarterlySchedule(env.client, { timezone: 'Europe/Berlin' });
    expect(second.created).toBe(false);
    expect(second.summary.timezone).toBe('Europe/Berlin');

    const description = await env.client.schedule.getHandle(QUARTERLY_RESET_SCHEDULE_ID).describe();
    expect(description.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: QUARTERLY_RESET_WORKFLOW,
      taskQueue: TASK_QUEUE,
      workflowId: QUARTERLY_RESET_WORKFLOW_ID_PREFIX,
    });
    const schedules = [];
    for await (const schedule of env.client.schedule.list()) schedules.push(schedule.scheduleId);
    expect(schedules.filter((id) => id === QUARTERLY_RESET_SCHEDULE_ID)).toHaveLength(1);
  });

  it('fires at local midnight on the first day of each quarter, skips overlaps and catches up for a week', async () => {
    await installQuarterlySchedule(env.client, { timezone: 'America/New_York' });
    const summary = await describeQuarterlySchedule(env.client);
    expect(summary.overlap).toBe('SKIP');
    expect(summary.catchupWindowMs).toBe(7 * 24 * 3600 * 1000);
    expect(summary.paused).toBe(false);
    expect(summary.calendars).toHaveLength(1);
    expect(summary.calendars?.[0].month).toEqual([
      { start: 'JANUARY', end: 'JANUARY', step: 1 },
      { start: 'APRIL', end: 'APRIL', step: 1 },
      { start: 'JULY', end: 'JULY', step: 1 },
      { start: 'OCTOBER', end: 'OCTOBER', step: 1 },
    ]);
    expect(summary.nextFireTimes.length).toBeGreaterThanOrEqual(4);
    for (const fire of summary.nextFireTimes) {
      const local = DateTime.fromISO(fire, { zone: 'America/New_York' });
      expect([1, 4, 7, 10]).toContain(local.month);
      expect([local.day, local.hour, local.minute, local.second]).toEqual([1, 0, 0, 0]);
    }
  });

  it('rejects an unknown time zone with the field named', async () => {
    await expect(installQuarterlySchedule(env.client, { timezone: 'Mars/Olympus' })).rejects.toThrow(
      'timezone: unknown IANA time zone "Mars/Olympus"',
    );
  });

  it('backfills the reset that closes a quarter at the start of the next one', { timeout: 120_000 }, async () => {
    await installQuarterlySchedule(env.client, { timezone: 'America/New_York', paused: true });
    const result = await backfillQuarter(env.client, '2026-Q4');
    // 2027-01-01T00:00 in New York is 05:00 UTC.
    expect(result).toEqual({ quarter: '2026-Q4', firesAt: '2027-01-01T05:00:00.000Z' });
    await expect
      .poll(async () => (await describeQuarterlySchedule(env.client)).recentActions.map((a) => a.scheduledAt), {
        timeout: 15_000,
      })
      .toContain('2027-01-01T05:00:00.000Z');
    const action = (await describeQuarterlySchedule(env.client)).recentActions.find(
      (a) => a.scheduledAt === '2027-01-01T05:00:00.000Z',
    );
    expect(action?.workflowId.startsWith(QUARTERLY_RESET_WORKFLOW_ID_PREFIX)).toBe(true);
    // The backfilled run starts now but closes the quarter before its scheduled time (the search attribute
    // TemporalScheduledStartTime), not the one before today.
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowsPath: path.join(__dirname, '..', 'workflows', 'quarterlyReset.ts'),
      activities: { listRunningCampaigns: async () => [], rollCampaignQuarter: async () => ({}) },
    });
    const reset = await worker.runUntil(
      env.client.workflow.getHandle<() => Promise<QuarterlyResetResult>>(action!.workflowId).result(),
    );
    expect(reset.quarter).toBe('2026-Q4');
    await expect(backfillQuarter(env.client, '2026-Q5')).rejects.toThrow('invalid quarter "2026-Q5"');
  });
});
