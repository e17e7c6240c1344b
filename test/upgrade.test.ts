// The upgrade a deploy performs: campaigns started by the previous release's workflow bundle, continued as new
// under it, keep running on the current code once the worker is switched, with no failed workflow task and no
// lost state. On the dev server, which hands a stopped worker's sticky tasks to the next worker.
//
// The previous release's bundle (test/fixtures/bundles/<release>/workflow-bundle.js.gz) was built from the commit
// that release landed (2026-12-02: 90c8d94) with `npx tsx scripts/build-workflow-bundle.ts` in a worktree of it; its
// inline source map is replaced by an empty one (the worker needs one; the history is what matters), then gzipped.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { workflowBundle } from '../runtime/campaignWorker';
import type { LeadEvent, NewLead } from '../sla/leadEvents';
import type { campaignSla } from '../workflows/campaignSla';
import {
  admitLeadsUpdate,
  campaignWorkflowId,
  leadQuery,
  recordLeadEventsUpdate,
  slaStateQuery,
} from '../workflows/messages';
import { seedTermsConfig } from './support/campaignConfig';
import { createTestDatabase, type TestDatabase } from './support/postgres';
import { devServerEnv, testWorker, type TestWorkerHandle } from './support/temporal';

const PREVIOUS_RELEASE = '2026-12-02';
const TASK_QUEUE = 'campaign-sla-upgrade-test';
/** The server suggests continue-as-new at this many events, so a few dozen Updates hand a run over. */
const SUGGEST_CONTINUE_AT_EVENTS = 120;
/** High-intent leads admitted last on the previous release breach this long after, on the current code. */
const HIGH_INTENT_MS = 30_000;

const iso = (ms: number) => new Date(ms).toISOString();
const lead = (leadId: string, tier: string, createdAt: number): NewLead => ({
  leadId,
  tier,
  ownerId: 'rep-a',
  createdAt: iso(createdAt),
});
const contact = (leadId: string, at: number): LeadEvent => ({
  type: 'contact',
  leadId,
  eventId: `call-${leadId}`,
  channel: 'call',
  at: iso(at),
});

const EventType = temporal.api.enums.v1.EventType;

/** Every run of the workflow, first to latest, with its history: the chain continue-as-new links. */
async function runsOf(env: TestWorkflowEnvironment, workflowId: string, firstRunId: string) {
  const runs: { runId: string; events: temporal.api.history.v1.IHistoryEvent[] }[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await env.client.workflow
      .getHandle(workflowId, runId)
      .fetchHistory();
    const events: temporal.api.history.v1.IHistoryEvent[] = history.events ?? [];
    runs.push({ runId, events });
    const last: temporal.api.history.v1.IHistoryEvent | undefined = events[events.length - 1];
    runId =
      last?.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
        ? (last.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined)
        : undefined;
  }
  return runs;
}

/**
 * The state once the campaign has continued as new `runs` times. The server flags continue-as-new on the next
 * workflow task it starts past the event count; Update tasks are speculative and do not carry the flag, so the
 * hand-over comes with the run's next timer (at most the 10 s summary refresh).
 */
async function handedOver(wf: WorkflowHandle<typeof campaignSla>, runs: number) {
  let state = await wf.query(slaStateQuery);
  for (let tries = 0; state.run.continuedAsNew < runs && tries < 60; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    state = await wf.query(slaStateQuery);
  }
  expect(state.run, 'continue-as-new').toMatchObject({ continuedAsNew: runs });
  return state;
}

/** The patch IDs a run recorded (core_patch markers). */
function patchesOf(events: temporal.api.history.v1.IHistoryEvent[]): string[] {
  return events
    .filter((e) => e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED)
    .map((e) => e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data)
    .filter((data): data is Uint8Array => data instanceof Uint8Array)
    .map((data) => (JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id);
}

describe('upgrade from the previous release (dev server)', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let bundleDir: string;
  let previousBundle: string;
  let worker: TestWorkerHandle | undefined;
  let running: Promise<void> | undefined;

  async function startWorker(bundle: { codePath: string } | 'current'): Promise<void> {
    worker = await testWorker(env, db, {
      taskQueue: TASK_QUEUE,
      workflowBundle: bundle === 'current' ? await workflowBundle() : bundle,
    });
    running = worker.worker.run();
  }

  async function stopWorker(): Promise<void> {
    worker?.worker.shutdown();
    await running;
    worker = undefined;
  }

  beforeAll(async () => {
    bundleDir = await mkdtemp(path.join(tmpdir(), 'campaign-sla-upgrade-'));
    previousBundle = path.join(bundleDir, 'workflow-bundle.js');
    const gz = await readFile(path.join(__dirname, 'fixtures', 'bundles', PREVIOUS_RELEASE, 'workflow-bundle.js.gz'));
    await writeFile(previousBundle, gunzipSync(gz));
    [env, db] = await Promise.all([
      devServerEnv(['--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${SUGGEST_CONTINUE_AT_EVENTS}`]),
      createTestDatabase(),
      workflowBundle(),
    ]);
  });

  afterAll(async () => {
    await stopWorker();
    await env?.teardown();
    await db?.drop();
    if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
  });

  it(
    'continues campaigns the previous release started and continued as new, with their clocks and state',
    {
      timeout: 240_000,
    },
    async () => {
      await startWorker({ codePath: previousBundle });
      const raw = seedTermsConfig({ id: 'upgrade-1' });
      const responseSla = raw.responseSla as Record<string, Record<string, unknown>>;
      const config = {
        ...raw,
        responseSla: {
          ...responseSla,
          tiers: { ...responseSla.tiers, 'high-intent': { firstTouch: `${HIGH_INTENT_MS / 1000}s`, clock: 'wall' } },
        },
      };
      const wf = await env.client.workflow.start<typeof campaignSla>('campaignSla', {
        taskQueue: TASK_QUEUE,
        workflowId: campaignWorkflowId('upgrade-1'),
        args: [{ config, publishSearchAttributes: false }],
      });

      // On the previous release: 40 standard leads, touched one Update at a time until the run hands over.
      const t0 = Date.now();
      const standard = Array.from({ length: 40 }, (_, i) => `std-${i}`);
      await wf.executeUpdate(admitLeadsUpdate, { args: [{ leads: standard.map((id) => lead(id, 'standard', t0)) }] });
      let touched = 0;
      for (; touched < 30; touched++) {
        await wf.executeUpdate(recordLeadEventsUpdate, { args: [{ events: [contact(standard[touched], t0)] }] });
      }
      await handedOver(wf, 1);
      // The last thing the previous release takes: high-intent leads whose clocks run out after the switch.
      const admittedAt = Date.now();
      const hot = ['hot-1', 'hot-2', 'hot-3'];
      await wf.executeUpdate(admitLeadsUpdate, {
        args: [{ leads: hot.map((id) => lead(id, 'high-intent', admittedAt)) }],
      });
      const before = await wf.query(slaStateQuery);
      await stopWorker();

      // The deploy: the same task queue, the current code.
      await startWorker('current');
      const switchedAt = Date.now();
      expect(switchedAt, 'the switch must come before the high-intent deadlines to test them').toBeLessThan(
        admittedAt + HIGH_INTENT_MS - 5_000,
      );
      const after = await wf.query(slaStateQuery);
      expect(after.openLeads).toBe(before.openLeads);
      expect(after.openLeads).toBe(standard.length + hot.length);
      expect(after.run.continuedAsNew).toBe(1);
      expect(after.breachedLeads).toBe(before.breachedLeads);
      const first = await wf.query(leadQuery, standard[0]);
      expect(first).toMatchObject({ attempts: 1, firstTouchAt: iso(t0), status: 'open' });
      // A contact the previous release recorded is still known: sent again, it is a duplicate.
      expect(
        await wf.executeUpdate(recordLeadEventsUpdate, { args: [{ events: [contact(standard[0], t0)] }] }),
      ).toEqual([{ eventId: `call-${standard[0]}`, leadId: standard[0], result: 'duplicate', status: 'open' }]);

      // The current code keeps the clocks the previous release started: each breaches at its own deadline.
      const deadline = admittedAt + HIGH_INTENT_MS;
      let breaches = after.recentBreaches;
      while (breaches.filter((b) => b.clock === 'firstTouch').length < hot.length && Date.now() < deadline + 20_000) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        breaches = (await wf.query(slaStateQuery)).recentBreaches;
      }
      const firstTouchBreaches = breaches.filter((b) => b.clock === 'firstTouch');
      expect(firstTouchBreaches.map((b) => b.leadId).sort()).toEqual(hot);
      expect(firstTouchBreaches.every((b) => b.at === iso(deadline))).toBe(true);

      // And hands over to a run of its own, carrying everything again.
      for (; touched < standard.length; touched++) {
        await wf.executeUpdate(recordLeadEventsUpdate, { args: [{ events: [contact(standard[touched], t0)] }] });
      }
      const state = await handedOver(wf, 2);
      expect(state.openLeads).toBe(standard.length + hot.length);
      expect(state.breachedLeads).toBe(hot.length);
      expect(await wf.query(leadQuery, standard[touched - 1])).toMatchObject({ attempts: 1, firstTouchAt: iso(t0) });

      const runs = await runsOf(env, wf.workflowId, wf.firstExecutionRunId);
      expect(runs).toHaveLength(3);
      // The first run really was the previous release's code: the current code's first run also records the
      // attributed-sla-figures patch, which that release did not have.
      expect(patchesOf(runs[0].events)).toEqual(['stable-budget-rules']);
      const failedTasks = runs.flatMap((r) =>
        r.events
          .filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)
          .map((e) => `${r.runId} #${String(e.eventId)}: ${e.workflowTaskFailedEventAttributes?.failure?.message}`),
      );
      expect(failedTasks).toEqual([]);
      const failedActivities = runs.flatMap((r) =>
        r.events
          .filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED)
          .map((e) => `${r.runId} #${String(e.eventId)}: ${e.activityTaskFailedEventAttributes?.failure?.message}`),
      );
      expect(failedActivities).toEqual([]);
      await wf.terminate('test done');
    },
  );
});
