// Records workflow histories for the replay test (test/replay.test.ts). Run it after an intended,
// versioned change to workflow code: `npm run record-histories`. It runs short scenarios on the
// time-skipping server with the composition root's worker, ledger (embedded Postgres) and sandbox adapters.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { composeCampaignSla, type CampaignSla } from '../runtime/compositionRoot';
import { startPostgres } from '../runtime/dev/embeddedPostgres';
import { testServerExecutable } from '../runtime/dev/temporalBinaries';
import { campaignSla } from '../workflows/campaignSla';
import {
  admitLeadsUpdate,
  campaignWorkflowId,
  decideProposalUpdate,
  proposalsQuery,
  recordLeadEventsUpdate,
} from '../workflows/messages';
import { seedTermsConfig } from './support/campaignConfig';

const OUT_DIR = path.resolve(__dirname, 'fixtures', 'histories');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const TASK_QUEUE = 'record-histories';

/** Binary protobuf: exact, compact, and independent of JSON mapping differences between SDK versions. */
const encodeHistory = (history: temporal.api.history.v1.IHistory) =>
  temporal.api.history.v1.History.encode(history).finish();

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'campaign-sla-record-'));
  const postgres = await startPostgres({ databaseUrl: null, dataDir, port: 0 });
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: testServerExecutable() } });
  let composed: CampaignSla | undefined;
  try {
    composed = await composeCampaignSla({
      database: { url: postgres.url },
      temporal: { connection: env.nativeConnection, client: env.client, namespace: 'default' },
      adapters: 'sandbox',
      sandbox: { conversionRate: 0.002 },
      logger: pino({ level: 'silent' }),
      worker: { taskQueue: TASK_QUEUE },
    });
    const { worker } = composed;
    await mkdir(OUT_DIR, { recursive: true });
    await worker.runUntil(async () => {
      const iso = (ms: number) => new Date(ms).toISOString();
      const now = async () => Number(await env.currentTimeMs());

      // Lead clocks: intake, a touch, a warning, a breach with its escalation chain (reassign, nurture),
      // a disposition and a stage change.
      const leads = await env.client.workflow.start(campaignSla, {
        taskQueue: TASK_QUEUE,
        workflowId: campaignWorkflowId('replay-leads'),
        args: [{ config: seedTermsConfig({ id: 'replay-leads' }), publishSearchAttributes: false }],
      });
      const t0 = await now();
      await leads.executeUpdate(admitLeadsUpdate, {
        args: [
          {
            leads: [
              { leadId: 'R-1', tier: 'high-intent', ownerId: 'rep-a', createdAt: iso(t0) },
              { leadId: 'R-2', tier: 'high-intent', ownerId: 'rep-b', createdAt: iso(t0) },
              { leadId: 'R-3', tier: 'standard', ownerId: 'rep-c', createdAt: iso(t0) },
            ],
          },
        ],
      });
      await env.sleep(20 * MINUTE);
      await leads.executeUpdate(recordLeadEventsUpdate, {
        args: [
          {
            events: [
              { type: 'contact', leadId: 'R-1', eventId: 'c-1', channel: 'call', at: iso(await now()) },
              { type: 'disposition', leadId: 'R-1', eventId: 'd-1', decision: 'accept', at: iso(await now()) },
              { type: 'stage', leadId: 'R-1', eventId: 's-1', stage: 'SQL', at: iso(await now()) },
            ],
          },
        ],
      });
      await env.sleep(3 * HOUR);
      await leads.terminate('recorded');
      await writeFile(path.join(OUT_DIR, 'lead-clocks.bin'), encodeHistory(await leads.fetchHistory()));

      // Spend loop: a velocity check below 70% after 7 days proposes a pause; ops approve it.
      const spend = await env.client.workflow.start(campaignSla, {
        taskQueue: TASK_QUEUE,
        workflowId: campaignWorkflowId('replay-spend'),
        args: [
          {
            config: seedTermsConfig({
              id: 'replay-spend',
              window: { start: iso(t0 - 8 * 24 * HOUR), end: iso(t0 + 30 * 24 * HOUR) },
              velocity: {
                checkEvery: '6h',
                rules: [{ kind: 'velocity-below', afterDays: 7, belowPct: 70, action: 'pause' }],
              },
            }),
            publishSearchAttributes: false,
          },
        ],
      });
      let pending;
      while (!pending) {
        await env.sleep(HOUR);
        pending = (await spend.query(proposalsQuery)).find((p) => p.status === 'pending');
      }
      await spend.executeUpdate(decideProposalUpdate, {
        args: [
          {
            proposalId: pending.proposalId,
            decision: 'approve',
            approver: 'ops-lead-1',
            reason: 'recording a replay history',
          },
        ],
      });
      await spend.terminate('recorded');
      await writeFile(path.join(OUT_DIR, 'spend-loop.bin'), encodeHistory(await spend.fetchHistory()));
    });
    console.log(`histories written to ${path.relative(process.cwd(), OUT_DIR)}`);
  } finally {
    await composed?.stop();
    await env.teardown();
    await postgres.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
