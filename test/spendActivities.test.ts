// The spend activities over the sandbox Ads platform: what the workflow sees when Google Ads refuses a change
// (shared budget, per-day minimum), how targets are rounded to the account currency, and the campaign facts
// (currency, time zone, flight) each velocity check reports.
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { ADS_BUDGET_BELOW_MINIMUM, ADS_SHARED_BUDGET, ADS_UNSUPPORTED_BUDGET } from '../activities/ads/adsErrors';
import { SandboxAdsPlatform, type SandboxAdsOptions } from '../activities/ads/sandboxAdsPlatform';
import type { PortResolver } from '../activities/campaignActivities';
import type { Crm, Ledger } from '../activities/ports';
import {
  ADS_BUDGET_MOVED,
  ADS_CURRENCY_MISMATCH,
  createSpendActivities,
  type ApplyBudgetChangeInput,
} from '../activities/spendActivities';
import { parseCampaignConfig } from '../sla/config';
import { restoreStatusFor, type ProposalState } from '../sla/proposals';
import type { BudgetChangeRecord, VelocitySnapshotRecord } from '../sla/records';
import { seedTermsConfig } from './support/campaignConfig';

const window = { start: '2026-03-01T05:00:00.000Z', end: '2026-03-11T04:00:00.000Z' };
const config = parseCampaignConfig(seedTermsConfig({ id: 'spend', window }));

function harness(options: Partial<SandboxAdsOptions> = {}) {
  const now = new Date('2026-03-04T17:00:00.000Z');
  const ads = new SandboxAdsPlatform({
    ref: { customerId: '1234567890', campaignId: '555' },
    budgetMicros: 75_000_000_000,
    windowStart: '2026-03-01',
    windowEnd: '2026-03-10',
    timeZone: 'America/New_York',
    seed: 1,
    now: () => now,
    ...options,
  });
  const changes: BudgetChangeRecord[] = [];
  const snapshots: VelocitySnapshotRecord[] = [];
  let ledgerFailures = 0;
  const ledger = {
    recordBudgetChange: async (record: BudgetChangeRecord) => {
      // A Postgres restart between the Ads call and the row: the activity fails and Temporal retries it.
      if (ledgerFailures > 0 && ledgerFailures--) throw new Error('Connection terminated unexpectedly');
      changes.push(record);
    },
    recordSnapshot: async (record: VelocitySnapshotRecord) => void snapshots.push(record),
  } as unknown as Ledger;
  const crm = { countConversions: async () => 40 } as unknown as Crm;
  const ports: PortResolver = { ads: async () => ads, crm: async () => crm };
  const activities = createSpendActivities({ ports, ledger });
  const env = new MockActivityEnvironment();
  const apply = (targetAmountMicros: number, extra: Partial<ApplyBudgetChangeInput> = {}) => {
    const input: ApplyBudgetChangeInput = {
      campaignId: 'spend',
      proposalId: 'p-1',
      config,
      action: 'reduce',
      targetAmountMicros,
      restoreStatus: null,
      at: now.toISOString(),
      ...extra,
    };
    return env.run(activities.applyBudgetChange, input) as ReturnType<typeof activities.applyBudgetChange>;
  };
  const check = () =>
    env.run(activities.runVelocityCheck, {
      campaignId: 'spend',
      checkId: 'c-1',
      at: now.toISOString(),
      config,
      knownBudget: null,
      responseCompliance: {},
    }) as ReturnType<typeof activities.runVelocityCheck>;
  return { ads, apply, check, changes, snapshots, failLedgerOnce: () => (ledgerFailures = 1) };
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('applyBudgetChange', () => {
  it('rounds the target down to the account currency unit (whole yen) before sending it', async () => {
    const h = harness({ currencyCode: 'JPY', budgetMicros: 9_000_000_000_000 });
    const raw = seedTermsConfig({ id: 'spend', window }) as { campaign: Record<string, unknown> };
    const yen = parseCampaignConfig({ ...raw, campaign: { ...raw.campaign, currency: 'JPY' } });
    const result = await h.apply(6_300_000_750_000, { config: yen }); // what 0.7 × a yen budget can produce
    expect(result.after.amountMicros).toBe(6_300_000_000_000);
    expect(result.summary).toContain('target rounded to whole JPY units: 6300000');
    expect(h.changes[0]).toMatchObject({ changed: true, after: { amountMicros: 6_300_000_000_000 } });
  });

  it("refuses a target when the account bills in another currency than the contract's, and still pauses", async () => {
    const h = harness({ currencyCode: 'JPY', budgetMicros: 9_000_000_000_000 });
    const failure = await failureOf(h.apply(6_300_000_000_000));
    expect(failure.type).toBe(ADS_CURRENCY_MISMATCH);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toBe(
      "not applied: the Google Ads account bills in JPY; the contract's amounts are in USD, so this reduce's target would be set in the wrong currency; set campaign.currency to the account's",
    );
    expect(h.changes).toEqual([]);
    const paused = await h.apply(0, { action: 'pause', targetAmountMicros: null });
    expect(paused.after).toMatchObject({ amountMicros: 9_000_000_000_000, status: 'PAUSED' });
  });

  it('sends a USD target that is already whole cents unchanged', async () => {
    const h = harness();
    const result = await h.apply(52_500_000_000);
    expect(result.summary).toBe(
      'reduce: 75000.00 USD (CUSTOM_PERIOD, ENABLED) → 52500.00 USD (CUSTOM_PERIOD, ENABLED)',
    );
  });

  it('fails a change to a shared budget without touching it, and records nothing', async () => {
    const h = harness({ referenceCount: 2 });
    const failure = await failureOf(h.apply(52_500_000_000));
    expect(failure.type).toBe(ADS_SHARED_BUDGET);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('is shared by 2 campaigns; campaign-sla will not move it');
    expect(h.changes).toEqual([]);
  });

  it("fails a total below Google's floor with the minimum in the failure's details", async () => {
    const h = harness({ minimumBudgetPerDayMicros: 6_000_000_000 }); // 10 days: at least 60,000
    const failure = await failureOf(h.apply(52_500_000_000));
    expect(failure.type).toBe(ADS_BUDGET_BELOW_MINIMUM);
    expect(failure.details?.[0]).toMatchObject({ minimumBudgetTotalAmountMicros: 60_000_000_000 });
    expect(h.changes).toEqual([]);
  });
});

describe('applyBudgetChange against the budget the proposal was sized on', () => {
  const ref = { customerId: '1234567890', campaignId: '555' };

  it('refuses, without touching the budget, when it was changed outside the proposal since', async () => {
    const h = harness();
    await h.ads.setBudgetAmount(ref, 50_000_000_000); // ops cut it in the Google Ads UI
    const failure = await failureOf(
      h.apply(82_500_000_000, { action: 'increase', expectedBeforeMicros: 75_000_000_000 }),
    );
    expect(failure.type).toBe(ADS_BUDGET_MOVED);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toBe(
      'not applied: the budget is 50000.00 USD (CUSTOM_PERIOD, ENABLED) now, not the 75000.00 this increase was sized on; it was changed outside this proposal, so its target 82500.00 would override that change. The next velocity check proposes from the new budget',
    );
    expect((await h.ads.getBudget(ref)).amountMicros).toBe(50_000_000_000);
    expect(h.changes).toEqual([]);
  });

  it('hands its ledger row to the workflow when the ledger refuses it after the change was made', async () => {
    const h = harness();
    h.failLedgerOnce();
    const input = { expectedBeforeMicros: 75_000_000_000 };
    const first = await h.apply(52_500_000_000, input);
    expect(first.unrecorded).toMatchObject({
      proposalId: 'p-1',
      source: 'proposal',
      before: { amountMicros: 75_000_000_000 },
      after: { amountMicros: 52_500_000_000 },
      changed: true,
    });
    expect(h.changes).toEqual([]);
    expect((await h.ads.getBudget(ref)).amountMicros).toBe(52_500_000_000);
  });

  it('records what the change moved from when a retry finds its own earlier write in place', async () => {
    const h = harness();
    const input = { expectedBeforeMicros: 75_000_000_000 };
    await h.ads.setBudgetAmount(ref, 52_500_000_000); // an earlier attempt's write; its worker died before completing
    const { summary, unrecorded } = await h.apply(52_500_000_000, input); // Temporal's retry, same input
    expect(unrecorded).toBeUndefined();
    expect(h.changes).toHaveLength(1);
    expect(h.changes[0]).toMatchObject({
      before: { amountMicros: 75_000_000_000 },
      after: { amountMicros: 52_500_000_000 },
      changed: true,
    });
    expect(summary).toBe(
      'reduce: 75000.00 USD (CUSTOM_PERIOD, ENABLED) → 52500.00 USD (CUSTOM_PERIOD, ENABLED) (set by an earlier attempt of this change)',
    );
  });

  it('sets the target regardless in an input scheduled before the expected budget was sent', async () => {
    const h = harness();
    await h.ads.setBudgetAmount(ref, 50_000_000_000);
    await h.apply(52_500_000_000);
    expect((await h.ads.getBudget(ref)).amountMicros).toBe(52_500_000_000);
  });

  it('leaves a campaign ops paused by hand paused when a restore sets the budget back', async () => {
    const h = harness();
    await h.apply(52_500_000_000, { expectedBeforeMicros: 75_000_000_000 });
    await h.ads.setStatus(ref, 'PAUSED');
    const adjustment = { action: 'reduce', statusBefore: 'ENABLED' } as const;
    const restore = { action: 'restore' } as ProposalState;
    await h.apply(75_000_000_000, {
      proposalId: 'p-2',
      action: 'restore',
      restoreStatus: restoreStatusFor(restore, adjustment),
      expectedBeforeMicros: 52_500_000_000,
    });
    expect(await h.ads.getBudget(ref)).toMatchObject({ amountMicros: 75_000_000_000, status: 'PAUSED' });
    // The restore of a pause resumes the status the pause found; nothing else resumes a campaign.
    expect(restoreStatusFor(restore, { action: 'pause', statusBefore: 'ENABLED' })).toBe('ENABLED');
    expect(restoreStatusFor(restore, null)).toBeNull();
    expect(
      restoreStatusFor({ action: 'reduce' } as ProposalState, { action: 'pause', statusBefore: 'ENABLED' }),
    ).toBeNull();
  });
});

describe('runVelocityCheck', () => {
  it('reports the account facts and a flight that matches the contract', async () => {
    const h = harness();
    const result = await h.check();
    expect(result.ads).toEqual({
      currencyCode: 'USD',
      timeZone: 'America/New_York',
      sharedBudget: false,
      flightProblems: [],
      currencyMismatch: null,
    });
    expect(h.snapshots[0].detail).toMatchObject({ ads: { currencyCode: 'USD' } });
  });

  it('names a missing end date, a shared budget and a currency other than the contract', async () => {
    const h = harness({ endDateTime: null, explicitlyShared: true, currencyCode: 'JPY' });
    const facts = (await h.check()).ads;
    expect(facts?.sharedBudget).toBe(true);
    expect(facts?.flightProblems.map((p) => p.code)).toEqual(['no-end-date']);
    expect(facts?.currencyMismatch).toBe("the Google Ads account bills in JPY; the contract's amounts are in USD");
  });

  it('reads spend days in the account zone when it differs from the contract', async () => {
    const h = harness({ timeZone: 'Asia/Tokyo', windowStart: '2026-03-01', windowEnd: '2026-03-11' });
    const calls: string[][] = [];
    const getDailyMetrics = h.ads.getDailyMetrics.bind(h.ads);
    h.ads.getDailyMetrics = async (ref, from, to) => {
      calls.push([from, to]);
      return getDailyMetrics(ref, from, to);
    };
    const facts = (await h.check()).ads;
    // 2026-03-01T05:00Z is 14:00 in Tokyo on 1 March; 2026-03-04T17:00Z is 02:00 on 5 March there.
    expect(calls).toEqual([['2026-03-01', '2026-03-05']]);
    expect(facts?.flightProblems.map((p) => p.code)).toEqual(['time-zone']);
  });

  it('refuses a DAILY budget at the first check with one clear line', async () => {
    const failure = await failureOf(harness({ period: 'DAILY', budgetMicros: 500_000_000 }).check());
    expect(failure.type).toBe(ADS_UNSUPPORTED_BUDGET);
    expect(failure.message).toContain('is a DAILY budget of 500.00/day');
  });
});
