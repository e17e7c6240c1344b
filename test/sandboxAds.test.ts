import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  ADS_BUDGET_BELOW_MINIMUM,
  ADS_CAMPAIGN_REMOVED,
  ADS_SHARED_BUDGET,
  ADS_UNSUPPORTED_BUDGET,
  ADS_VALIDATION_ERROR,
} from '../activities/ads/adsErrors';
import { SandboxAdsPlatform, type SandboxAdsOptions } from '../activities/ads/sandboxAdsPlatform';
import type { DailyAdsMetrics } from '../activities/ports';
import { roundToCurrencyUnit } from '../sla/currency';

const ref = { customerId: '1234567890', campaignId: '555' };
const BUDGET = 75_000_000_000; // $75,000 over 10 days, as in the promotional-push case
const DAY_MS = 86_400_000;
const windowStartMs = Date.parse('2026-03-01T00:00:00Z');

/** A sandbox on a hand-driven clock; `at(days)` moves the clock to that many days after the window start. */
function sandbox(overrides: Partial<SandboxAdsOptions> = {}) {
  let clock = new Date(windowStartMs);
  const ads = new SandboxAdsPlatform({
    ref,
    budgetMicros: BUDGET,
    windowStart: '2026-03-01',
    windowEnd: '2026-03-10',
    seed: 42,
    now: () => clock,
    ...overrides,
  });
  const at = (days: number) => {
    clock = new Date(windowStartMs + days * DAY_MS);
  };
  const metrics = () => ads.getDailyMetrics(ref, '2026-03-01', '2026-03-10');
  return { ads, at, metrics };
}

const total = (rows: DailyAdsMetrics[]) => rows.reduce((sum, row) => sum + row.costMicros, 0);

describe('SandboxAdsPlatform operations', () => {
  it('counts the operations the real adapter would send: a read per call, the mutate only when something changes', async () => {
    const { ads, at, metrics } = sandbox();
    await metrics();
    await ads.setBudgetAmount(ref, 52_500_000_000);
    await ads.setBudgetAmount(ref, 52_500_000_000);
    await ads.setStatus(ref, 'PAUSED');
    expect(ads.operationUsage()).toEqual({ used: 6, limit: 15_000 });
    at(1);
    expect(ads.operationUsage().used).toBe(0);
  });
});

describe('SandboxAdsPlatform pacing', () => {
  it('spends the total budget across the window, never more, with day-to-day noise', async () => {
    const { at, metrics } = sandbox();
    at(12);
    const rows = await metrics();
    expect(rows.map((r) => r.date)).toEqual(
      Array.from({ length: 10 }, (_, i) => `2026-03-${String(i + 1).padStart(2, '0')}`),
    );
    expect(total(rows)).toBeLessThanOrEqual(BUDGET);
    expect(total(rows)).toBeGreaterThanOrEqual(BUDGET * 0.99);
    const costs = rows.map((r) => r.costMicros);
    expect(Math.max(...costs) / Math.min(...costs)).toBeGreaterThan(1.05);
    for (const row of rows) {
      expect(row.clicks).toBeGreaterThan(0);
      expect(row.costMicros / row.clicks).toBeGreaterThan(2_000_000); // CPC around the $2.50 default
      expect(row.costMicros / row.clicks).toBeLessThan(3_000_000);
      expect(row.impressions).toBeGreaterThan(row.clicks);
    }
  });

  it('paces from the flight start instant and to its end second, not from local midnight (campaign.proto start_date_time)', async () => {
    // Flight from 2026-03-01 14:30 to 2026-03-10 14:29:59 UTC: nothing is spent before 14:30 on day 1.
    const { ads, at, metrics } = sandbox({ startDateTime: '2026-03-01 14:30:00', endDateTime: '2026-03-10 14:29:59' });
    at(0.5); // 12:00
    expect(await metrics()).toEqual([]);
    at(14.5 / 24 + 1 / 24); // an hour into the flight
    const firstHour = total(await metrics());
    // An even share of $75,000 over 9 days is about $347 an hour (±15% daily noise).
    expect(firstHour).toBeGreaterThan(347e6 * 0.8);
    expect(firstHour).toBeLessThan(347e6 * 1.2);
    at(12);
    const rows = await metrics();
    expect(total(rows)).toBeGreaterThanOrEqual(BUDGET * 0.99);
    expect(total(rows)).toBeLessThanOrEqual(BUDGET);
    expect((await ads.getBudget(ref)).flight).toMatchObject({
      startDateTime: '2026-03-01 14:30:00',
      endDateTime: '2026-03-10 14:29:59',
    });
  });

  it('is deterministic per seed and independent of how often it is read', async () => {
    const once = sandbox();
    once.at(10);
    const polled = sandbox();
    for (let hour = 0; hour <= 240; hour += 7) {
      polled.at(hour / 24);
      await polled.metrics();
    }
    polled.at(10);
    const [a, b] = [await once.metrics(), await polled.metrics()];
    a.forEach((row, i) => expect(Math.abs(row.costMicros - b[i].costMicros)).toBeLessThanOrEqual(1));

    const other = sandbox({ seed: 7 });
    other.at(10);
    expect((await other.metrics()).map((r) => r.costMicros)).not.toEqual(a.map((r) => r.costMicros));
  });

  it('accrues spend to date from the injected clock', async () => {
    const { at, metrics } = sandbox();
    at(2.5);
    const halfway = await metrics();
    expect(halfway.map((r) => r.date)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
    at(3);
    const fullDay3 = (await metrics())[2].costMicros;
    expect(halfway[2].costMicros / fullDay3).toBeCloseTo(0.5, 5);
  });

  it('spends nothing while paused and re-paces the remainder after resuming', async () => {
    const { ads, at, metrics } = sandbox();
    at(3);
    await ads.setStatus(ref, 'PAUSED');
    const spentBeforePause = total(await metrics());
    at(6);
    const whilePaused = await metrics();
    expect(total(whilePaused)).toBe(spentBeforePause);
    expect(whilePaused.map((r) => r.date)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
    await ads.setStatus(ref, 'ENABLED');
    at(10);
    const final = total(await metrics());
    expect(final).toBeLessThanOrEqual(BUDGET);
    expect(final).toBeGreaterThanOrEqual(BUDGET * 0.99);
  });

  it('a 30% pacing cut reduces the remaining spend by 30%', async () => {
    const baseline = sandbox();
    const cut = sandbox();
    baseline.at(4);
    cut.at(4);
    const spent = total(await cut.metrics());
    const remaining = BUDGET - spent;
    const result = await cut.ads.setBudgetAmount(ref, roundToCurrencyUnit(spent + remaining * 0.7, 'USD'));
    expect(result.changed).toBe(true);
    baseline.at(10);
    cut.at(10);
    const baselineRest = total(await baseline.metrics()) - spent;
    const cutRest = total(await cut.metrics()) - spent;
    expect(cutRest / baselineRest).toBeGreaterThan(0.69);
    expect(cutRest / baselineRest).toBeLessThan(0.71);
  });

  it('stops spending when an external edit sets the budget below what is already spent', async () => {
    const { ads, at, metrics } = sandbox();
    at(5);
    const spent = total(await metrics());
    ads.externalEdit(Math.floor(spent / 2));
    expect((await ads.getBudget(ref)).amountMicros).toBe(Math.floor(spent / 2));
    at(10);
    expect(total(await metrics())).toBe(spent);
  });

  it('keeps each day of a DAILY budget at or under its amount', async () => {
    const { at, metrics } = sandbox({ period: 'DAILY', budgetMicros: 500_000_000 });
    at(10);
    const rows = await metrics();
    expect(rows).toHaveLength(10);
    for (const row of rows) {
      expect(row.costMicros).toBeLessThanOrEqual(500_000_000);
      expect(row.costMicros).toBeGreaterThan(400_000_000);
    }
  });
});

describe('SandboxAdsPlatform conversions and mutations', () => {
  it('applies a scripted conversion-rate dip (22% on day 4)', async () => {
    const { at, metrics } = sandbox({
      conversionRateMultiplier: (at) => (at.toISOString().startsWith('2026-03-04') ? 0.78 : 1),
    });
    at(10);
    const rows = await metrics();
    const rate = (row: DailyAdsMetrics) => row.conversions / row.clicks;
    expect(rate(rows[3]) / rate(rows[2])).toBeCloseTo(0.78, 2);
    expect(rate(rows[4]) / rate(rows[2])).toBeCloseTo(1, 2);
  });

  it('follows a dip that starts and ends inside a day, as spend accrues through it', async () => {
    // Half the conversion rate from 12:00 to 18:00 on 4 March: a quarter of the day's (evenly paced) spend.
    const dipFrom = Date.parse('2026-03-04T12:00:00Z');
    const dipTo = Date.parse('2026-03-04T18:00:00Z');
    const { at, metrics } = sandbox({
      conversionRateMultiplier: (instant) => (instant.getTime() >= dipFrom && instant.getTime() < dipTo ? 0.5 : 1),
    });
    at(3.5); // 4 March, 12:00: read once mid-day, as a velocity check would
    await metrics();
    at(10);
    const rows = await metrics();
    const rate = (row: DailyAdsMetrics) => row.conversions / row.clicks;
    expect(rate(rows[3]) / rate(rows[2])).toBeCloseTo(0.875, 2);
    expect(rate(rows[4]) / rate(rows[2])).toBeCloseTo(1, 2);
  });

  it('is idempotent: repeating a mutation changes nothing the second time', async () => {
    const { ads, at } = sandbox();
    at(1);
    const first = await ads.setBudgetAmount(ref, 60_000_000_000);
    const second = await ads.setBudgetAmount(ref, 60_000_000_000);
    expect(first).toMatchObject({
      changed: true,
      before: { amountMicros: BUDGET },
      after: { amountMicros: 60_000_000_000 },
    });
    expect(second).toMatchObject({ changed: false, after: { amountMicros: 60_000_000_000 } });
    expect(second.operation).toBe(first.operation);
    expect((await ads.setStatus(ref, 'ENABLED')).changed).toBe(false);
  });

  it('reports but does not apply mutations in validate-only mode', async () => {
    const { ads } = sandbox({ validateOnly: true });
    const result = await ads.setStatus(ref, 'PAUSED');
    expect(result).toMatchObject({ changed: true, validateOnly: true, after: { status: 'PAUSED' } });
    expect((await ads.getBudget(ref)).status).toBe('ENABLED');
  });

  it('rejects other campaigns and bad amounts with non-retryable validation errors', async () => {
    const { ads } = sandbox();
    const wrongCampaign = await ads.getBudget({ customerId: '1234567890', campaignId: '999' }).catch((e: unknown) => e);
    expect(wrongCampaign).toBeInstanceOf(ApplicationFailure);
    expect((wrongCampaign as ApplicationFailure).type).toBe(ADS_VALIDATION_ERROR);
    expect((wrongCampaign as ApplicationFailure).nonRetryable).toBe(true);
    await expect(ads.setBudgetAmount(ref, -5)).rejects.toThrow(/amountMicros/);
    expect(() => ads.externalEdit(0)).toThrow(/externalEdit: amountMicros/);
  });
});

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

// The sandbox refuses what Google and the real adapter refuse, with the same failure types (test/adsContract.test.ts).
describe('SandboxAdsPlatform follows the Google Ads v24 budget rules', () => {
  it('reads the account currency and time zone, the sharing and the flight (campaign.start/end_date_time)', async () => {
    const { ads } = sandbox({ timeZone: 'Asia/Tokyo', currencyCode: 'JPY', budgetMicros: 9_000_000_000_000 });
    expect(await ads.getBudget(ref)).toEqual({
      budgetResourceName: 'customers/1234567890/campaignBudgets/555',
      period: 'CUSTOM_PERIOD',
      amountMicros: 9_000_000_000_000,
      status: 'ENABLED',
      explicitlyShared: false,
      referenceCount: 1,
      currencyCode: 'JPY',
      timeZone: 'Asia/Tokyo',
      flight: { startDateTime: '2026-03-01 00:00:00', endDateTime: '2026-03-10 23:59:59', channelType: 'SEARCH' },
    });
    const open = sandbox({ endDateTime: null });
    expect((await open.ads.getBudget(ref)).flight.endDateTime).toBeNull();
  });

  // campaign_budget.proto explicitly_shared / reference_count: moving a shared budget moves other campaigns' spend.
  it('refuses to move a shared budget, in validate-only mode too, but pauses the campaign', async () => {
    for (const options of [
      { explicitlyShared: true, referenceCount: 2 },
      { explicitlyShared: true, referenceCount: 1 },
      { referenceCount: 4 },
      { referenceCount: 4, validateOnly: true },
    ]) {
      const { ads } = sandbox(options);
      const failure = await failureOf(ads.setBudgetAmount(ref, 60_000_000_000));
      expect(failure.type).toBe(ADS_SHARED_BUDGET);
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toContain('campaign-sla will not move it');
      expect((await ads.getBudget(ref)).amountMicros).toBe(BUDGET);
    }
    const { ads } = sandbox({ referenceCount: 3 });
    expect((await failureOf(ads.setBudgetAmount(ref, 1_000_000))).message).toContain('is shared by 3 campaigns');
    // Already at the target: nothing would move, so the idempotent retry still succeeds.
    expect((await ads.setBudgetAmount(ref, BUDGET)).changed).toBe(false);
    expect((await ads.setStatus(ref, 'PAUSED')).changed).toBe(true);
  });

  // budget_period.proto: DAILY budgets exist in Google Ads; campaign-sla refuses them at the first read.
  it('has DAILY budgets that spend but are refused on read and on every mutation', async () => {
    const { ads, at, metrics } = sandbox({ period: 'DAILY', budgetMicros: 500_000_000 });
    at(2);
    expect(total(await metrics())).toBeGreaterThan(0);
    for (const attempt of [ads.getBudget(ref), ads.setBudgetAmount(ref, 400_000_000), ads.setStatus(ref, 'PAUSED')]) {
      const failure = await failureOf(attempt);
      expect(failure.type).toBe(ADS_UNSUPPORTED_BUDGET);
      expect(failure.message).toContain('is a DAILY budget of 500.00/day');
    }
  });

  // campaign_budget_error.proto BUDGET_BELOW_PER_DAY_MINIMUM with errors.proto BudgetPerDayMinimumErrorDetails.
  it('rejects a total below the per-day minimum times the flight days, with the minimum in the details', async () => {
    const { ads } = sandbox({ minimumBudgetPerDayMicros: 50_000_000 }); // 10-day flight: minimum total 500
    const failure = await failureOf(ads.setBudgetAmount(ref, 499_990_000));
    expect(failure.type).toBe(ADS_BUDGET_BELOW_MINIMUM);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('campaign_budget_error.BUDGET_BELOW_PER_DAY_MINIMUM');
    expect(failure.details).toEqual([
      {
        minimumBudgetTotalAmountMicros: 500_000_000,
        budgetPerDayMinimumMicros: 50_000_000,
        failedBudgetTotalAmountMicros: 499_990_000,
        currencyCode: 'USD',
      },
    ]);
    expect((await ads.getBudget(ref)).amountMicros).toBe(BUDGET);
    expect((await ads.setBudgetAmount(ref, 500_000_000)).after.amountMicros).toBe(500_000_000);
    // Validate-only requests are validated by Google too.
    const dryRun = sandbox({ minimumBudgetPerDayMicros: 50_000_000, validateOnly: true });
    expect((await failureOf(dryRun.ads.setBudgetAmount(ref, 1_000_000))).type).toBe(ADS_BUDGET_BELOW_MINIMUM);
  });

  // campaign_budget_error.proto NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT: JPY has no sen, USD has cents.
  it('rejects amounts that are not whole minimum currency units (JPY: whole yen)', async () => {
    const yen = sandbox({ currencyCode: 'JPY', budgetMicros: 9_000_000_000_000 });
    const failure = await failureOf(yen.ads.setBudgetAmount(ref, 6_300_000_500_000)); // ¥6,300,000.5
    expect(failure.type).toBe(ADS_VALIDATION_ERROR);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('campaign_budget_error.NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT');
    expect((await yen.ads.setBudgetAmount(ref, 6_300_000_000_000)).changed).toBe(true);
    const dollars = sandbox();
    expect((await failureOf(dollars.ads.setBudgetAmount(ref, 52_500_005_000))).type).toBe(ADS_VALIDATION_ERROR);
    expect((await dollars.ads.setBudgetAmount(ref, 52_500_010_000)).changed).toBe(true);
  });

  // campaign_status.proto REMOVED: final; one clear error on every call.
  it('refuses a REMOVED campaign with its own error and spends nothing for it', async () => {
    const { ads, at, metrics } = sandbox({ status: 'REMOVED' });
    for (const attempt of [ads.getBudget(ref), ads.setBudgetAmount(ref, 1_000_000), ads.setStatus(ref, 'ENABLED')]) {
      const failure = await failureOf(attempt);
      expect(failure.type).toBe(ADS_CAMPAIGN_REMOVED);
      expect(failure.message).toBe(
        'campaign customers/1234567890/campaigns/555 is REMOVED in Google Ads; removal is final, so campaign-sla can neither read its budget nor change it',
      );
    }
    at(5);
    expect(await metrics()).toEqual([]);
  });
});
