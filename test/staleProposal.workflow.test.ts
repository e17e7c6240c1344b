// An approved proposal against a budget that moved after it was proposed (ops cut it in the Google Ads UI): its
// absolute target, sized on the old budget, must not override that cut. Time-skipping server, real ledger,
// sandbox Ads adapter.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { campaignSla } from '../workflows/campaignSla';
import {
  budgetChangedSignal,
  campaignWorkflowId,
  decideProposalUpdate,
  proposalsQuery,
  slaStateQuery,
} from '../workflows/messages';
import { createTestDatabase, type TestDatabase } from './support/postgres';
import { terminateWhenIdle, testWorker, timeSkippingEnv } from './support/temporal';

const HOUR = 3_600_000;
const ZONE = 'America/New_York';
const ADS_REF = { customerId: '1234567890', campaignId: '555' };

let env: TestWorkflowEnvironment;
let db: TestDatabase;

beforeAll(async () => {
  [env, db] = await Promise.all([timeSkippingEnv(), createTestDatabase()]);
});

afterAll(async () => {
  await env?.teardown();
  await db?.drop();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const example = (name: string) => parse(readFileSync(path.join(__dirname, '..', 'examples', name), 'utf8')) as any;
const now = async () => Number(await env.currentTimeMs());

describe('a proposal approved after its budget moved', () => {
  it('fails naming the move, and leaves the budget ops set', async () => {
    const start = DateTime.fromMillis(await now(), { zone: ZONE })
      .plus({ days: 1 })
      .startOf('day');
    const config = example('budget-sla.yaml');
    config.campaign.id = 'stale-increase';
    config.campaign.window = { start: start.toISO(), end: start.plus({ days: 30 }).toISO() };
    config.campaign.crm = { ...config.campaign.crm, pollEvery: '0s' };
    config.velocity.rules = [{ kind: 'velocity-above', abovePct: 120, action: 'increase', pct: 20 }];
    const taskQueue = 'stale-proposal';
    const { worker, ports } = await testWorker(env, db, { taskQueue });
    await worker.runUntil(async () => {
      const wf = await env.client.workflow.start(campaignSla, {
        taskQueue,
        workflowId: campaignWorkflowId('stale-increase'),
        args: [{ config, publishSearchAttributes: false }],
      });
      let increase;
      while (!increase && (await now()) < start.plus({ days: 6 }).toMillis()) {
        await env.sleep(HOUR);
        increase = (await wf.query(proposalsQuery)).find((p) => p.status === 'pending');
      }
      expect(increase).toMatchObject({ action: 'increase', budgetBefore: 100_000 });

      // Ops cut the budget in the Google Ads UI; the workflow hears of it and records the edit.
      ports.sandboxAds('stale-increase').externalEdit(50_000_000_000);
      await wf.signal(budgetChangedSignal, { source: 'ads-ui', at: new Date(await now()).toISOString() });
      await env.sleep(HOUR / 4);
      expect((await wf.query(slaStateQuery)).budget?.amount).toBe(50_000);

      const decided = await wf.executeUpdate(decideProposalUpdate, {
        args: [{ proposalId: increase!.proposalId, decision: 'approve', approver: 'revops-lead', reason: 'ok, go' }],
      });
      expect(decided.status).toBe('failed');
      expect(decided.outcome).toBe(
        `not applied: the budget is 50000.00 USD (CUSTOM_PERIOD, ENABLED) now, not the 100000.00 this increase was sized on; it was changed outside this proposal, so its target ${increase!.targetBudget!.toFixed(2)} would override that change. The next velocity check proposes from the new budget`,
      );
      expect((await ports.sandboxAds('stale-increase').getBudget(ADS_REF)).amountMicros).toBe(50_000_000_000);
      expect((await wf.query(slaStateQuery)).budget?.amount).toBe(50_000);
      const recorded = await db.pool.query('SELECT status FROM proposals WHERE proposal_id = $1', [
        increase!.proposalId,
      ]);
      expect(recorded.rows).toEqual([{ status: 'failed' }]);
      await terminateWhenIdle(wf, 'test done');
    });
  }, 300_000);
});
