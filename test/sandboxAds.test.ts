import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { ADS_VALIDATION_ERROR } from '../activities/ads/adsErrors';
import { SandboxAdsPlatform, type SandboxAdsOptions } from '../activities/ads/sandboxAdsPlatform';
import type { DailyAdsMetrics } from '../activities/ports';

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
    const result = await cut.ads.setBudgetAmount(ref, Math.round(spent + remaining * 0.7));
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
    const { at, metrics } = sandbox({ conversionRateMultiplier: (date) => (date === '2026-03-04' ? 0.78 : 1) });
    at(10);
    const rows = await metrics();
    const rate = (row: DailyAdsMetrics) => row.conversions / row.clicks;
    expect(rate(rows[3]) / rate(rows[2])).toBeCloseTo(0.78, 2);
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
