// AdsPlatform without Google: one simulated campaign whose spend "to date" follows the injected clock,
// so it runs under Temporal's time-skipping test server as well as in a live demo. Deterministic per seed.
import type { AdsBudgetState, BudgetPeriod, CampaignStatus } from '../../sla/records';
import type { AdsCampaignRef, AdsMutationResult, AdsPlatform, DailyAdsMetrics } from '../ports';
import { adsInputError } from './adsErrors';
import {
  assertBudgetMicros,
  assertCampaignRef,
  assertCampaignStatus,
  assertIsoDate,
  campaignResourceName,
} from './adsQueries';
import { SandboxCampaign } from './sandboxCampaign';

export interface SandboxAdsOptions {
  ref: AdsCampaignRef;
  budgetMicros: number;
  windowStart: string;
  windowEnd: string;
  seed: number;
  /** The current time; an activity passes its (possibly time-skipped) clock. */
  now: () => Date;
  period?: BudgetPeriod;
  status?: CampaignStatus;
  timeZone?: string;
  cpcMicros?: number;
  ctr?: number;
  conversionRate?: number;
  conversionRateMultiplier?: (date: string) => number;
  dailyNoise?: number;
  /** Mirrors the real adapter's dry run: mutations report the intended state but change nothing. */
  validateOnly?: boolean;
}

export class SandboxAdsPlatform implements AdsPlatform {
  private readonly campaign: SandboxCampaign;
  private readonly validateOnly: boolean;

  constructor(private readonly options: SandboxAdsOptions) {
    assertCampaignRef(options.ref);
    assertIsoDate(options.windowStart, 'windowStart');
    assertIsoDate(options.windowEnd, 'windowEnd');
    assertBudgetMicros(options.budgetMicros, 'budgetMicros');
    this.validateOnly = options.validateOnly ?? false;
    this.campaign = new SandboxCampaign({
      budgetMicros: options.budgetMicros,
      period: options.period ?? 'CUSTOM_PERIOD',
      status: options.status ?? 'ENABLED',
      windowStart: options.windowStart,
      windowEnd: options.windowEnd,
      timeZone: options.timeZone ?? 'UTC',
      seed: options.seed,
      cpcMicros: options.cpcMicros ?? 2_500_000,
      ctr: options.ctr ?? 0.04,
      conversionRate: options.conversionRate ?? 0.06,
      conversionRateMultiplier: options.conversionRateMultiplier ?? (() => 1),
      dailyNoise: options.dailyNoise ?? 0.15,
    });
  }

  async getDailyMetrics(ref: AdsCampaignRef, fromDate: string, toDate: string): Promise<DailyAdsMetrics[]> {
    this.assertOwnCampaign(ref);
    assertIsoDate(fromDate, 'fromDate');
    assertIsoDate(toDate, 'toDate');
    this.catchUp();
    return this.campaign.metrics(fromDate, toDate);
  }

  async getBudget(ref: AdsCampaignRef): Promise<AdsBudgetState> {
    this.assertOwnCampaign(ref);
    return this.state();
  }

  async setBudgetAmount(ref: AdsCampaignRef, amountMicros: number): Promise<AdsMutationResult> {
    this.assertOwnCampaign(ref);
    assertBudgetMicros(amountMicros, 'setBudgetAmount: amountMicros');
    const before = this.state();
    const field = before.period === 'CUSTOM_PERIOD' ? 'total_amount_micros' : 'amount_micros';
    return this.mutate(
      before,
      { ...before, amountMicros },
      `campaign_budget.update ${before.budgetResourceName} ${field}=${amountMicros}`,
      () => this.campaign.setBudget(amountMicros),
    );
  }

  async setStatus(ref: AdsCampaignRef, status: CampaignStatus): Promise<AdsMutationResult> {
    this.assertOwnCampaign(ref);
    assertCampaignStatus(status, 'setStatus: status');
    const before = this.state();
    return this.mutate(
      before,
      { ...before, status },
      `campaign.update ${campaignResourceName(this.options.ref)} status=${status}`,
      () => this.campaign.setStatus(status),
    );
  }

  /** Simulates someone changing the budget in the Google Ads UI, outside the SLA engine. */
  externalEdit(amountMicros: number): void {
    assertBudgetMicros(amountMicros, 'externalEdit: amountMicros');
    this.catchUp();
    this.campaign.setBudget(amountMicros);
  }

  /** Idempotent like the real adapter: an already-applied target changes nothing. */
  private mutate(
    before: AdsBudgetState,
    after: AdsBudgetState,
    operation: string,
    apply: () => void,
  ): AdsMutationResult {
    const changed = before.amountMicros !== after.amountMicros || before.status !== after.status;
    if (!changed) return { changed, validateOnly: this.validateOnly, before, after: before, operation };
    if (!this.validateOnly) apply();
    return { changed, validateOnly: this.validateOnly, before, after, operation };
  }

  /** Reads and writes first accrue spend up to now at the settings in force until now. */
  private state(): AdsBudgetState {
    this.catchUp();
    const { customerId, campaignId } = this.options.ref;
    return {
      budgetResourceName: `customers/${customerId}/campaignBudgets/${campaignId}`,
      period: this.campaign.period,
      amountMicros: this.campaign.currentBudgetMicros,
      status: this.campaign.currentStatus,
    };
  }

  private catchUp(): void {
    this.campaign.advanceTo(this.options.now());
  }

  private assertOwnCampaign(ref: AdsCampaignRef): void {
    assertCampaignRef(ref);
    const own = this.options.ref;
    if (ref.customerId !== own.customerId || ref.campaignId !== own.campaignId) {
      throw adsInputError(
        `sandbox ads: unknown campaign ${ref.customerId}/${ref.campaignId} (this sandbox simulates ${own.customerId}/${own.campaignId})`,
      );
    }
  }
}
