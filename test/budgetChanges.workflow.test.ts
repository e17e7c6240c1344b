// The spend loop against a budget that moves under it: a proposal approved after ops cut the budget in the Google
// Ads UI must not override the cut with a target sized on the old budget; a velocity check that read Google Ads
// before an approved change landed must not put the old budget back; a change made in Google Ads whose ledger row
// was refused stands as applied. Time-skipping server, real ledger, sandbox Ads.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { AdsPlatform } from '../activities/ports';
import type { PgLedger } from '../activities/ledger/pgLedger';
import { campaignSla } from '../workflows/campaignSla';
import {
  budgetChangedSignal,
  campaignWorkflowId,
  decideProposalUpdate,
  proposalsQuery,
  slaStateQuery,
} from '../workflows/messages';
import { refusingWrite } from './support/ledgerOutage';
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

/** budget-sla.yaml as campaign `id`, its flight starting at the next midnight, no CRM poll, with `rules`. */
async function budgetCampaign(id: string, rules: unknown[]) {
  const start = DateTime.fromMillis(await now(), { zone: ZONE })
    .plus({ days: 1 })
    .startOf('day');
  const config = example('budget-sla.yaml');
  config.campaign.id = id;
  config.campaign.window = { start: start.toISO(), end: start.plus({ days: 30 }).toISO() };
  config.campaign.crm = { ...config.campaign.crm, pollEvery: '0s' };
  config.velocity.rules = rules;
  return { start, config };
}

/** Sleeps an hour at a time until a proposal matches, or until `until`. */
async function proposalWhen(
  wf: WorkflowHandle<typeof campaignSla>,
  until: DateTime,
  matches: (p: Awaited<ReturnType<typeof proposalsOf>>[number]) => boolean,
) {
  let found;
  while (!found && (await now()) < until.toMillis()) {
    await env.sleep(HOUR);
    found = (await proposalsOf(wf)).find(matches);
  }
  return found;
}
const proposalsOf = (wf: WorkflowHandle<typeof campaignSla>) => wf.query(proposalsQuery);

describe('a proposal approved after its budget moved', () => {
  it('fails naming the move, and leaves the budget ops set', async () => {
    const { start, config } = await budgetCampaign('stale-increase', [
      { kind: 'velocity-above', abovePct: 120, action: 'increase', pct: 20 },
    ]);
    const taskQueue = 'stale-increase';
    const { worker, ports } = await testWorker(env, db, { taskQueue });
    await worker.runUntil(async () => {
      const wf = await env.client.workflow.start(campaignSla, {
        taskQueue,
        workflowId: campaignWorkflowId('stale-increase'),
        args: [{ config, publishSearchAttributes: false }],
      });
      const increase = await proposalWhen(wf, start.plus({ days: 6 }), (p) => p.status === 'pending');
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

  it('a check that read Google Ads before an approved change landed keeps the change, and raises no external change', async () => {
    const { start, config } = await budgetCampaign('stale-check', [
      { kind: 'velocity-above', abovePct: 120, action: 'increase', pct: 20 },
    ]);
    const taskQueue = 'stale-check';
    let slow = false;
    let inSlowRead = false;
    // A slow daily-metrics report: the check has read the budget (getBudget comes first) and waits on the rest.
    const wrapAds = (ads: AdsPlatform): AdsPlatform =>
      new Proxy(ads, {
        get(target, prop) {
          const value = Reflect.get(target, prop, target);
          if (typeof value !== 'function') return value;
          if (prop !== 'getDailyMetrics') return value.bind(target);
          return async (...args: unknown[]) => {
            if (slow) {
              inSlowRead = true;
              await new Promise((resolve) => setTimeout(resolve, 4_000));
            }
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    const { worker, ports, alerts } = await testWorker(env, db, { taskQueue, wrapAds });
    await worker.runUntil(async () => {
      const wf = await env.client.workflow.start(campaignSla, {
        taskQueue,
        workflowId: campaignWorkflowId('stale-check'),
        args: [{ config, publishSearchAttributes: false }],
      });
      const increase = await proposalWhen(wf, start.plus({ days: 6 }), (p) => p.status === 'pending');
      expect(increase).toMatchObject({ action: 'increase', budgetBefore: 100_000 });
      slow = true;
      await wf.signal(budgetChangedSignal, { source: 'other', at: new Date(await now()).toISOString() });
      for (let i = 0; i < 100 && !inSlowRead; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(inSlowRead).toBe(true);
      const decided = await wf.executeUpdate(decideProposalUpdate, {
        args: [{ proposalId: increase!.proposalId, decision: 'approve', approver: 'revops-lead', reason: 'ok, go' }],
      });
      expect(decided.status).toBe('applied');
      const applied = (await wf.query(slaStateQuery)).budget;
      expect(applied?.amount).toBeGreaterThan(100_000);
      await new Promise((resolve) => setTimeout(resolve, 6_000)); // the slow check completes
      slow = false;
      expect((await wf.query(slaStateQuery)).budget).toEqual(applied);
      const live = await ports.sandboxAds('stale-check').getBudget(ADS_REF);
      expect(live.amountMicros / 1e6).toBe(applied!.amount);
      await env.sleep(7 * HOUR); // later checks compare Google Ads with the budget the change set
      expect((await wf.query(slaStateQuery)).budget?.amount).toBe(applied!.amount);
      expect(alerts.filter((a) => /changed outside|external/i.test(a.title))).toEqual([]);
      const external = await db.pool.query(
        `SELECT count(*)::int AS n FROM budget_changes WHERE campaign_id = 'stale-check' AND source = 'external'`,
      );
      expect(external.rows[0].n).toBe(0);
      await terminateWhenIdle(wf, 'test done');
    });
  }, 300_000);

  it('a change made in Google Ads whose ledger row was refused stands as applied, and its row lands later', async () => {
    const { start, config } = await budgetCampaign('unrecorded-apply', [
      { kind: 'velocity-below', afterDays: 0, belowPct: 70, action: 'pause' },
    ]);
    config.targets.conversions = 5000; // velocity about 30%: the pause rule fires once 20 conversions are forecast
    config.approvals.autoApprove = { pause: true };
    const taskQueue = 'unrecorded-apply';
    let refuseBudgetChanges = true; // a Postgres failover longer than the apply activity's retries
    const wrapLedger = (ledger: PgLedger) => refusingWrite(ledger, 'recordBudgetChange', () => refuseBudgetChanges);
    const { worker, ports } = await testWorker(env, db, { taskQueue, wrapLedger });
    await worker.runUntil(async () => {
      const wf = await env.client.workflow.start(campaignSla, {
        taskQueue,
        workflowId: campaignWorkflowId('unrecorded-apply'),
        args: [{ config, publishSearchAttributes: false }],
      });
      const pause = await proposalWhen(
        wf,
        start.plus({ days: 3 }),
        (p) => p.action === 'pause' && p.status !== 'approved',
      );
      expect(pause).toMatchObject({ action: 'pause', status: 'applied' });
      expect((await ports.sandboxAds('unrecorded-apply').getBudget(ADS_REF)).status).toBe('PAUSED');
      expect((await wf.query(slaStateQuery)).budget?.status).toBe('PAUSED');
      refuseBudgetChanges = false;
      await env.sleep(7 * HOUR); // the workflow's write lands; the next checks meet the pause as the workflow's own
      const rows = await db.pool.query(
        `SELECT source, after_state->>'status' AS after FROM budget_changes WHERE campaign_id = 'unrecorded-apply'`,
      );
      expect(rows.rows).toEqual([{ source: 'proposal', after: 'PAUSED' }]);
      await terminateWhenIdle(wf, 'test done');
    });
  }, 300_000);
});
