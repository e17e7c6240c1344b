// The follow-up Task the follow-up clock calls for, end to end on the time-skipping server: a campaign whose leads
// come from the (sandbox) CRM gets one Task per lead short of its attempts at the warning point, due on the clock's
// deadline in the campaign's zone, upserted on its key so repeats never duplicate; leads with enough attempts get none.
import { DateTime } from 'luxon';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCampaignConfig } from '../sla/config';
import { followUpTaskFor } from '../sla/followUpTask';
import { getOwn } from '../sla/dict';
import { admitLeads, emptyLeadBook, type LeadState } from '../sla/leadBook';
import { campaignSla } from '../workflows/campaignSla';
import { campaignWorkflowId, leadQuery } from '../workflows/messages';
import { seedTermsConfig } from './support/campaignConfig';
import { createTestDatabase, type TestDatabase } from './support/postgres';
import { terminateWhenIdle, testWorker, timeSkippingEnv, type TestWorkerHandle } from './support/temporal';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

describe('followUpTaskFor', () => {
  const config = parseCampaignConfig(seedTermsConfig({ id: 'tasks' }));
  const book = emptyLeadBook();
  const at = Date.parse('2026-03-02T15:00:00Z');
  admitLeads(book, [{ leadId: 'constructor', tier: 'high-intent', ownerId: 'rep-a', createdAt: iso(at) }], {
    campaignId: 'tasks',
    now: at,
    configs: { 1: config },
    currentVersion: 1,
  });
  const lead = getOwn(book.leads, 'constructor') as LeadState;

  it("is due on the deadline's local date and names the attempts still owed", () => {
    // 03:30 UTC on 3 March is still 2 March in New York.
    expect(followUpTaskFor('tasks', lead, config, Date.parse('2026-03-03T03:30:00Z'))).toEqual({
      leadId: 'constructor',
      ownerId: 'rep-a',
      subject: 'Follow up: 0 of 6 attempts made, 6 more by 2026-03-02 (campaign tasks)',
      dueDate: '2026-03-02',
      idempotencyKey: 'tasks:constructor:followUp',
    });
  });

  it('asks for nothing once the attempts are made or the lead is closed', () => {
    expect(followUpTaskFor('tasks', { ...lead, attempts: 6 }, config, at)).toBeNull();
    expect(followUpTaskFor('tasks', { ...lead, status: 'rejected' }, config, at)).toBeNull();
  });
});

describe('follow-up tasks (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let worker: TestWorkerHandle;
  let workerRun: Promise<void>;

  beforeAll(async () => {
    [env, db] = await Promise.all([timeSkippingEnv(), createTestDatabase()]);
    worker = await testWorker(env, db, { taskQueue: 'follow-up-tasks', sandbox: { leadsPerHour: 30 } });
    workerRun = worker.worker.run();
  });

  afterAll(async () => {
    worker?.worker.shutdown();
    await workerRun;
    await env?.teardown();
    await db?.drop();
  });

  it(
    'creates one Task per lead short of its attempts at the warning, due on the deadline, never twice',
    { timeout: 180_000 },
    async () => {
      const t0 = Number(await env.currentTimeMs());
      const config = seedTermsConfig({
        id: 'follow-up-tasks',
        crmPollEvery: '5m',
        window: { start: iso(t0 - DAY), end: iso(t0 + 30 * DAY) },
        responseSla: { routing: { atIntake: false } },
      }) as { responseSla: Record<string, unknown> };
      // Six attempts within 2 hours: the warning comes at 90 minutes (warnAt 0.75).
      config.responseSla.followUp = { attempts: 6, within: '2h' };
      const campaign = await env.client.workflow.start(campaignSla, {
        taskQueue: 'follow-up-tasks',
        workflowId: campaignWorkflowId('follow-up-tasks'),
        args: [{ config, publishSearchAttributes: false }],
      });
      try {
        await env.sleep(2.5 * HOUR);
        const tasks = [...worker.ports.sandboxCrm('follow-up-tasks').followUpTasks()];
        expect(tasks.length).toBeGreaterThanOrEqual(3);
        for (const [key, task] of tasks) {
          expect(key).toBe(`follow-up-tasks:${task.leadId}:followUp`);
          const view = await campaign.query(leadQuery, task.leadId);
          // Still open (or closed since): its follow-up deadline's local date, as the task says.
          const deadline = view?.clocks.followUp?.deadline;
          if (deadline) {
            expect(task.dueDate).toBe(DateTime.fromISO(deadline, { zone: 'America/New_York' }).toISODate());
          }
          expect(task.subject).toMatch(/^Follow up: [0-5] of 6 attempts made, [1-6] more by \d{4}-\d{2}-\d{2} /);
          // The owner at the warning, who may have handed the lead on since (reassignment).
          if (view) expect([view.ownerId, ...(view.owners ?? []).map((o) => o.ownerId)]).toContain(task.ownerId);
        }
        // One task per lead, however often the activity ran.
        expect(new Set(tasks.map(([, t]) => t.leadId)).size).toBe(tasks.length);
      } finally {
        await terminateWhenIdle(campaign);
      }
    },
  );
});
