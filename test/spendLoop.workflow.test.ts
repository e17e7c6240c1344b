// Seed 000's spend ↔ conversion scenarios on the time-skipping server, end to end through the real
// worker, the real ledger and the sandbox Ads/CRM adapters.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { campaignSla } from '../workflows/campaignSla';
import {
  budgetChangedSignal,
  campaignWorkflowId,
  decideProposalUpdate,
  proposalsQuery,
  slaStateQuery,
} from '../workflows/messages';
import type { SandboxOptions } from '../runtime/portResolver';
import { createTestDatabase, type TestDatabase } from './support/postgres';
import { terminateWhenIdle, testWorker, timeSkippingEnv, type TestWorkerHandle } from './support/temporal';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ZONE = 'America/New_York';

let env: TestWorkflowEnvironment;
let db: TestDatabase;

beforeAll(async () => {
  [env, db] = await Promise.all([timeSkippingEnv(), createTestDatabase()]);
});

afterAll(async () => {
  await env?.teardown();
  await db?.drop();
});

// Raw campaign files are edited as plain YAML objects before they are handed to the workflow.
const example = (name: string) =>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  parse(readFileSync(path.join(__dirname, '..', 'examples', name), 'utf8')) as Record<string, any>;
const now = async () => Number(await env.currentTimeMs());

/** Starts the campaign at the next local midnight, so "day 4" is a whole local day. */
async function windowFromNextMidnight(days: number) {
  const start = DateTime.fromMillis(await now(), { zone: ZONE })
    .plus({ days: 1 })
    .startOf('day');
  return { start, end: start.plus({ days }) };
}

async function withWorker<T>(
  taskQueue: string,
  sandbox: SandboxOptions,
  run: (handle: TestWorkerHandle) => Promise<T>,
): Promise<T> {
  const handle = await testWorker(env, db, { taskQueue, sandbox });
  return handle.worker.runUntil(() => run(handle));
}

async function rows<T>(sql: string, params: unknown[]): Promise<T[]> {
  return (await db.pool.query(sql, params)).rows as T[];
}

describe('spend ↔ conversion loop (time-skipping)', () => {
  it('runs the seed case: $75k over 10 days, day-4 dip of 22% → auto-approved 30% pacing cut → recovery → approved restore', async () => {
    const { start, end } = await windowFromNextMidnight(10);
    const day4 = start.plus({ days: 3 }).toISODate();
    const config = example('case-example.yaml');
    config.campaign.id = 'case-example';
    config.campaign.window = { start: start.toISO(), end: end.toISO() };
    config.campaign.crm.pollEvery = '1h';
    // A status typed without its spaces: the org's picklist does not have it, and ops hear so once.
    config.campaign.crm.statusMapping = { ...config.campaign.crm.statusMapping, 'Working-Contacted': 'accept' };
    // The sandbox CRM reports first touches only, so follow-up depth and acceptance would breach for
    // every lead; this scenario is about spend, so those clocks are satisfied by the first touch.
    config.responseSla.followUp = { attempts: 1, within: '1d' };
    config.responseSla.acceptance = { within: '30d', clock: 'wall' };
    // Linear forecast: the sandbox paces spend evenly, so the seed's curve would read as over-delivery.
    // A 4.3% click-to-lead rate puts CPL just under the $65 ceiling and velocity just above 100%.
    delete config.targets.baselineCurve;
    // CRM outcomes go back to Google as offline conversions (the sandbox Ads platform records them).
    config.ads = {
      ...config.ads,
      conversionUpload: {
        conversionAction: 'customers/1234567890/conversionActions/9',
        value: { converted: 60, opportunity: 180 },
        adUserDataConsent: 'GRANTED',
      },
    };
    const taskQueue = 'spend-case-example';
    let uploadedToGoogle = 0;
    let convertedWithClick = 0;
    let mappingAlerts: { dedupeKey: string; text: string }[] = [];
    await withWorker(
      taskQueue,
      { leadsPerHour: 2, conversionRate: 0.043, conversionRateMultiplier: (date) => (date === day4 ? 0.78 : 1) },
      async (handle) => {
        const wf: WorkflowHandle<typeof campaignSla> = await env.client.workflow.start(campaignSla, {
          taskQueue,
          workflowId: campaignWorkflowId('case-example'),
          args: [{ config, publishSearchAttributes: false }],
        });
        let restoreApproved = false;
        // Step well under the 4 h approval timeout so the restore proposal is decided before it expires.
        while ((await now()) < end.toMillis() + 2 * DAY) {
          await env.sleep(2 * HOUR);
          const pendingRestore = (await wf.query(proposalsQuery)).find(
            (p) => p.status === 'pending' && p.action === 'restore',
          );
          if (pendingRestore) {
            const decided = await wf.executeUpdate(decideProposalUpdate, {
              args: [
                {
                  proposalId: pendingRestore.proposalId,
                  decision: 'approve',
                  approver: 'ops-lead-1',
                  reason: 'conversion rate back to baseline',
                },
              ],
            });
            expect(decided.status).toBe('applied');
            restoreApproved = true;
          }
          const description = await wf.describe();
          if (description.status.name !== 'RUNNING') break;
        }
        expect(restoreApproved).toBe(true);
        const result = await wf.result();
        expect(result.campaignId).toBe('case-example');
        uploadedToGoogle = handle.ports.sandboxAds('case-example').uploadedConversions().length;
        const crmConversions = await handle.ports.sandboxCrm('case-example').fetchConversions({
          crmCampaignId: config.campaign.crm.campaignId,
          from: start.toISO()!,
          to: end.toISO()!,
          convertedStatuses: [],
          countOpportunities: false,
          timeZone: ZONE,
        });
        convertedWithClick = crmConversions.filter((c) => c.clickId).length;
        mappingAlerts = handle.alerts.filter((a) => a.title === 'CRM status mapping does not match the org');
      },
    );

    const proposals = await rows<{
      proposal_id: string;
      action: string;
      rule: string;
      status: string;
      created_at: Date;
      target_amount_micros: string;
    }>(
      `SELECT proposal_id, action, rule, status, created_at, target_amount_micros FROM proposals WHERE campaign_id = $1 ORDER BY created_at`,
      ['case-example'],
    );
    expect(proposals.map((p) => [p.action, p.rule, p.status])).toEqual([
      ['reduce', 'conversion-rate-drop#1', 'applied'],
      ['restore', 'recovered#4', 'applied'],
    ]);
    // The dip is seen once a whole 24 h window lies inside day 4, i.e. at the first check of day 5.
    expect(Math.abs(proposals[0].created_at.getTime() - start.plus({ days: 4 }).toMillis())).toBeLessThan(1000);
    const decisions = await rows<{ proposal_id: string; decision: string; approver: string }>(
      `SELECT proposal_id, decision, approver FROM decisions WHERE campaign_id = $1 ORDER BY at`,
      ['case-example'],
    );
    expect(decisions.map((d) => [d.decision, d.approver])).toEqual([
      ['auto-approve', 'policy'],
      ['approve', 'ops-lead-1'],
    ]);
    const changes = await rows<{
      proposal_id: string;
      before: { amountMicros: number };
      after: { amountMicros: number; status: string };
    }>(
      `SELECT proposal_id, before_state AS before, after_state AS after FROM budget_changes WHERE campaign_id = $1 AND source = 'proposal' ORDER BY at`,
      ['case-example'],
    );
    expect(changes).toHaveLength(2);
    // Reduce pacing by 30%: spent + 70% of the remainder.
    expect(changes[0].before.amountMicros).toBe(75_000_000_000);
    expect(changes[0].after.amountMicros).toBe(Number(proposals[0].target_amount_micros));
    expect(changes[0].after.amountMicros).toBeLessThan(75_000_000_000 * 0.85);
    expect(changes[1].after.amountMicros).toBe(75_000_000_000);

    // Converted leads with a click ID were uploaded once each, valued as opportunities (every sandbox one is).
    const uploads = await rows<{ status: string; value: string; n: string }>(
      `SELECT status, value, count(*) AS n FROM conversion_uploads WHERE campaign_id = $1 GROUP BY status, value`,
      ['case-example'],
    );
    expect(uploads.map((u) => [u.status, Number(u.value)])).toEqual([['uploaded', 180]]);
    // The sandbox Ads platform holds each once; only leads converted after the last check are not sent yet.
    expect(uploadedToGoogle).toBe(Number(uploads[0].n));
    expect(uploadedToGoogle).toBeLessThanOrEqual(convertedWithClick);
    expect(uploadedToGoogle).toBeGreaterThanOrEqual(Math.floor(convertedWithClick * 0.8));

    expect(new Set(mappingAlerts.map((a) => a.dedupeKey)).size).toBe(1);
    expect(mappingAlerts[0].text).toMatch(
      /^CRM status mapping does not match the org: Lead status "Working-Contacted" is not in the sandbox's LeadStatus picklist/,
    );

    // The campaign ends within its budget.
    const [last] = await rows<{ spend_micros: string; budget_micros: string }>(
      `SELECT spend_micros, budget_micros FROM velocity_snapshots WHERE campaign_id = $1 ORDER BY at DESC LIMIT 1`,
      ['case-example'],
    );
    expect(Number(last.spend_micros)).toBeLessThanOrEqual(75_000_000_000);
    expect(Number(last.spend_micros)).toBeGreaterThan(60_000_000_000);

    // Final compliance: the quarter report's share within 2 h equals what the ledger's clocks say.
    const [report] = await rows<{ report: { responseCompliance: { withinMs: number; actual: number }[] } }>(
      `SELECT report FROM quarter_reports WHERE campaign_id = $1`,
      ['case-example'],
    );
    const [ledger] = await rows<{ within: string; total: string }>(
      `SELECT count(*) FILTER (WHERE met_at IS NOT NULL AND elapsed_wall_ms <= $2) AS within, count(*) AS total
       FROM clocks WHERE campaign_id = $1 AND clock = 'firstTouch'`,
      ['case-example', 2 * HOUR],
    );
    expect(Number(ledger.total)).toBeGreaterThan(350);
    expect(report.report.responseCompliance[0].withinMs).toBe(2 * HOUR);
    expect(report.report.responseCompliance[0].actual).toBeCloseTo(Number(ledger.within) / Number(ledger.total), 6);
  }, 300_000);

  it('pauses on velocity below 70% after 7 days, only on an authorized approval', async () => {
    const { start, end } = await windowFromNextMidnight(30);
    const config = example('budget-sla.yaml');
    config.campaign.id = 'budget-template';
    config.campaign.window = { start: start.toISO(), end: end.toISO() };
    config.campaign.crm = { ...config.campaign.crm, pollEvery: '0s' };
    const taskQueue = 'spend-budget-template';
    await withWorker(taskQueue, { conversionRate: 0.0125, conversionRateMultiplier: () => 0.4 }, async (handle) => {
      const wf = await env.client.workflow.start(campaignSla, {
        taskQueue,
        workflowId: campaignWorkflowId('budget-template'),
        args: [{ config, publishSearchAttributes: false }],
      });
      // Someone edits the budget in the Ads UI and tells the workflow; the next check records it.
      await env.sleep(DAY);
      handle.ports.sandboxAds('budget-template').externalEdit(95_000_000_000);
      await wf.signal(budgetChangedSignal, {
        source: 'ads-ui',
        amountMicros: 95_000_000_000,
        at: new Date(await now()).toISOString(),
      });
      await env.sleep(HOUR);
      expect((await wf.query(slaStateQuery)).budget?.amount).toBe(95_000);
      let pause;
      // Step under the 4 h approval timeout so the pending proposal is seen before it escalates.
      while (!pause && (await now()) < start.plus({ days: 9 }).toMillis()) {
        await env.sleep(3 * HOUR);
        pause = (await wf.query(proposalsQuery)).find((p) => p.status === 'pending');
      }
      expect(pause).toMatchObject({ action: 'pause', rule: 'velocity-below#0' });
      expect(Date.parse(pause!.createdAt)).toBeGreaterThan(start.plus({ days: 7 }).toMillis() - 1);
      expect(Date.parse(pause!.createdAt)).toBeLessThanOrEqual(start.plus({ days: 7, hours: 6 }).toMillis());

      const intruder = await wf
        .executeUpdate(decideProposalUpdate, {
          args: [{ proposalId: pause!.proposalId, decision: 'approve', approver: 'intern-7', reason: 'looks fine' }],
        })
        .catch((err: unknown) => err);
      expect(intruder).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(((intruder as WorkflowUpdateFailedError).cause as Error).message).toContain(
        '"intern-7" is not on this campaign\'s approver list',
      );

      const unknown = await wf
        .executeUpdate(decideProposalUpdate, {
          args: [
            { proposalId: 'budget-template-p99', decision: 'approve', approver: 'revops-lead', reason: 'looks good' },
          ],
        })
        .catch((err: unknown) => err);
      expect(((unknown as WorkflowUpdateFailedError).cause as Error).message).toContain(
        'unknown proposal "budget-template-p99"',
      );

      const approved = await wf.executeUpdate(decideProposalUpdate, {
        args: [
          {
            proposalId: pause!.proposalId,
            decision: 'approve',
            approver: 'revops-lead',
            reason: 'rapid review convened; pausing spend',
          },
        ],
      });
      expect(approved).toMatchObject({ status: 'applied', decidedBy: 'revops-lead' });

      const again = await wf
        .executeUpdate(decideProposalUpdate, {
          args: [{ proposalId: pause!.proposalId, decision: 'reject', approver: 'finance-1', reason: 'too late' }],
        })
        .catch((err: unknown) => err);
      expect(((again as WorkflowUpdateFailedError).cause as Error).message).toContain('is already applied');

      const state = await wf.query(slaStateQuery);
      expect(state.budget?.status).toBe('PAUSED');
      await terminateWhenIdle(wf, 'test done');
    });
    const changes = await rows<{ after: { status: string }; changed: boolean }>(
      `SELECT after_state AS after, changed FROM budget_changes WHERE campaign_id = $1 AND source = 'proposal'`,
      ['budget-template'],
    );
    expect(changes).toEqual([{ after: expect.objectContaining({ status: 'PAUSED' }), changed: true }]);
    const decisions = await rows<{ approver: string; decision: string }>(
      `SELECT approver, decision FROM decisions WHERE campaign_id = $1`,
      ['budget-template'],
    );
    expect(decisions).toEqual([{ approver: 'revops-lead', decision: 'approve' }]);
    const external = await rows<{ before: { amountMicros: number }; after: { amountMicros: number } }>(
      `SELECT before_state AS before, after_state AS after FROM budget_changes WHERE campaign_id = $1 AND source = 'external'`,
      ['budget-template'],
    );
    expect(external).toEqual([
      {
        before: expect.objectContaining({ amountMicros: 100_000_000_000 }),
        after: expect.objectContaining({ amountMicros: 95_000_000_000 }),
      },
    ]);
  }, 300_000);

  it('a CPL far above its band for two days: rejected and expired proposals come back only after the cool-down, and never more than the daily cap', async () => {
    const { start } = await windowFromNextMidnight(10);
    const config = example('case-example.yaml');
    config.campaign.id = 'flapping-cpl';
    config.campaign.window = { start: start.toISO(), end: start.plus({ days: 10 }).toISO() };
    config.campaign.crm.pollEvery = '1h';
    config.responseSla.followUp = { attempts: 1, within: '1d' };
    config.responseSla.acceptance = { within: '30d', clock: 'wall' };
    config.velocity = {
      checkEvery: '1h',
      rules: [{ kind: 'cpl-above-band', action: 'reduce', pct: 20 }],
      stability: { cooldown: '6h', maxProposalsPerDay: 3 },
    };
    config.approvals = { ...config.approvals, timeout: '2h', onTimeout: 'reject', autoApprove: { reduceUpToPct: 0 } };
    const taskQueue = 'spend-flapping-cpl';
    // 1% of clicks become leads at $2.50 a click: CPL $250 against a $65 ceiling, every check.
    await withWorker(taskQueue, { leadsPerHour: 1, conversionRate: 0.01 }, async () => {
      const wf = await env.client.workflow.start(campaignSla, {
        taskQueue,
        workflowId: campaignWorkflowId('flapping-cpl'),
        args: [{ config, publishSearchAttributes: false }],
      });
      const seen = new Set<string>();
      while ((await now()) < start.plus({ days: 2 }).toMillis()) {
        await env.sleep(HOUR);
        const pending = (await wf.query(proposalsQuery)).find((p) => p.status === 'pending');
        if (!pending || seen.has(pending.proposalId)) continue;
        seen.add(pending.proposalId);
        // Ops reject every other proposal at once and let the rest expire.
        if (seen.size % 2 === 1) {
          await wf.executeUpdate(decideProposalUpdate, {
            args: [{ proposalId: pending.proposalId, decision: 'reject', approver: 'ops-lead-1', reason: 'not now' }],
          });
        }
      }
      await terminateWhenIdle(wf, 'test done');
    });
    const opened = await rows<{ created_at: Date; decided_at: Date; decision: string }>(
      `SELECT p.created_at, min(d.at) AS decided_at, min(d.decision) AS decision
         FROM proposals p JOIN decisions d USING (proposal_id)
        WHERE p.campaign_id = $1 GROUP BY p.proposal_id, p.created_at ORDER BY p.created_at`,
      ['flapping-cpl'],
    );
    expect(new Set(opened.map((p) => p.decision))).toEqual(new Set(['reject', 'timeout-reject']));
    // Without the cool-down this is a proposal every 2-3 hours; with it, one per 2 h wait + 6 h rest at most.
    expect(opened.length).toBeGreaterThanOrEqual(4);
    for (const [i, p] of opened.entries()) {
      if (i > 0) expect(p.created_at.getTime() - opened[i - 1].decided_at.getTime()).toBeGreaterThanOrEqual(6 * HOUR);
      const sameDay = opened.filter(
        (q) =>
          q.created_at.getTime() <= p.created_at.getTime() && q.created_at.getTime() > p.created_at.getTime() - DAY,
      );
      expect(sameDay.length).toBeLessThanOrEqual(3);
    }
  }, 300_000);

  it('more leads than the reps can hold: capacity-short holds pace, and the snapshot shows pacing and capacity', async () => {
    const { start } = await windowFromNextMidnight(10);
    const config = example('case-example.yaml');
    config.campaign.id = 'capacity-hold';
    config.campaign.window = { start: start.toISO(), end: start.plus({ days: 10 }).toISO() };
    config.campaign.crm.pollEvery = '30m';
    config.responseSla.followUp = { attempts: 1, within: '1d' };
    config.responseSla.acceptance = { within: '30d', clock: 'wall' };
    // Five reps who can hold four leads each, against about six leads an hour that stay open (acceptance in 30 d).
    config.responseSla.pools = {
      inbound: { managerId: 'mgr-1', reps: ['rep-a', 'rep-b', 'rep-c'].map((id) => ({ id, capacity: 4 })) },
      'promo-swarm': { managerId: 'mgr-2', reps: ['rep-d', 'rep-e'].map((id) => ({ id, capacity: 4 })) },
    };
    config.velocity = {
      checkEvery: '2h',
      trailingWindow: '6h',
      rules: [{ kind: 'capacity-short', action: 'reduce', pct: 20 }],
    };
    config.approvals = { ...config.approvals, timeout: '1h', onTimeout: 'reject', autoApprove: { reduceUpToPct: 0 } };
    const taskQueue = 'spend-capacity-hold';
    await withWorker(taskQueue, { leadsPerHour: 6, conversionRate: 0.043, neverTouchedShare: 0 }, async () => {
      const wf = await env.client.workflow.start(campaignSla, {
        taskQueue,
        workflowId: campaignWorkflowId('capacity-hold'),
        args: [{ config, publishSearchAttributes: false }],
      });
      await env.sleep(start.toMillis() + 12 * HOUR - (await now()));
      const snapshot = (await wf.query(slaStateQuery)).latestSnapshot;
      expect(snapshot?.capacity?.capacity).toBe(20);
      expect(snapshot?.capacity?.held).toBeGreaterThan(5);
      expect(snapshot?.capacity?.headroom).toBeLessThan(0);
      // The last check ran at 10 or 12 hours into the 240-hour flight.
      expect(snapshot?.pacing?.elapsedPct).toBeGreaterThan(4);
      expect(snapshot?.pacing?.elapsedPct).toBeLessThanOrEqual(5);
      expect(snapshot?.pacing?.status).toBeDefined();
      await terminateWhenIdle(wf, 'test done');
    });
    const proposals = await rows<{ action: string; rule: string; reason: string }>(
      `SELECT action, rule, reason FROM proposals WHERE campaign_id = $1 ORDER BY created_at`,
      ['capacity-hold'],
    );
    expect(proposals.length).toBeGreaterThan(0);
    expect(proposals.every((p) => p.action === 'reduce' && p.rule === 'capacity-short#0')).toBe(true);
    expect(proposals[0].reason).toMatch(
      /^Ops capacity is short: the available reps hold \d+ of 20 leads and [\d.]+ more are expected/,
    );
  }, 300_000);
  it('a flight Google Ads would refuse for a total budget: one critical alert while it lasts, shown on the snapshot', async () => {
    const { start } = await windowFromNextMidnight(120);
    const config = example('case-example.yaml');
    config.campaign.id = 'flight-too-long';
    // Search total budgets run 3–90 days; the sandbox reports the contract's 120-day flight as Google would hold it.
    config.campaign.window = { start: start.toISO(), end: start.plus({ days: 120 }).toISO() };
    config.velocity = { ...config.velocity, checkEvery: '2h' };
    const taskQueue = 'spend-flight-too-long';
    const alerts = await withWorker(taskQueue, { leadsPerHour: 1 }, async (handle) => {
      const wf = await env.client.workflow.start(campaignSla, {
        taskQueue,
        workflowId: campaignWorkflowId('flight-too-long'),
        args: [{ config, publishSearchAttributes: false }],
      });
      await env.sleep(start.toMillis() + 7 * HOUR - (await now()));
      const state = await wf.query(slaStateQuery);
      expect(state.latestSnapshot?.adsProblems?.map((p) => [p.code, p.severity])).toEqual([['too-long', 'error']]);
      expect(state.latestSnapshot?.adsProblems?.[0].message).toBe(
        'the flight runs 120 days; SEARCH total campaign budgets run at most 90 days',
      );
      await terminateWhenIdle(wf);
      return handle.alerts;
    });
    const flightAlerts = alerts.filter((a) => a.dedupeKey.startsWith('flight-too-long:ads-account:'));
    expect(flightAlerts.map((a) => [a.severity, a.fields?.problem])).toEqual([['critical', 'too-long']]);
  }, 300_000);
});
