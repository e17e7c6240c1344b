// AdsPlatform without Google: one simulated campaign whose spend "to date" follows the injected clock,
// so it runs under Temporal's time-skipping test server as well as in a live demo. Deterministic per seed.
// It refuses what Google refuses (each rule cites its proto or doc) and what the real adapter refuses.
import { AdsOperationCounter, BASIC_ACCESS_DAILY_OPERATIONS, type AdsOperationUsage } from './operationCounter';
import { errors as adsProtos } from 'google-ads-api';
import { isMultipleOfCurrencyUnit } from '../../sla/currency';
import type { AdsBudgetState, AdsCampaignBudget, BudgetPeriod, CampaignStatus } from '../../sla/records';
import type {
  AdsCampaignRef,
  AdsMutationResult,
  AdsPlatform,
  ClickConversionOutcome,
  ClickConversionUpload,
  DailyAdsMetrics,
} from '../ports';
import { adsInputError, toAdsFailure } from './adsErrors';
import {
  assertBudgetMicros,
  assertCampaignRef,
  assertCampaignStatus,
  assertIsoDate,
  campaignResourceName,
} from './adsQueries';
import { assertBudgetNotShared, toManagedBudget } from './budgetPolicy';
import { clickConversionOutcomes, clickConversionRequest } from './conversionUpload';
import { SandboxCampaign } from './sandboxCampaign';

const { CampaignBudgetError } = adsProtos.CampaignBudgetErrorEnum;
const { ConversionUploadError } = adsProtos.ConversionUploadErrorEnum;
/** What the sandbox takes as a decodable click ID (Google answers UNPARSEABLE_GCLID otherwise). */
const CLICK_ID = /^[A-Za-z0-9_-]{8,200}$/;
const DAY_MS = 86_400_000;

export interface SandboxAdsOptions {
  ref: AdsCampaignRef;
  budgetMicros: number;
  windowStart: string;
  windowEnd: string;
  seed: number;
  /** The current time; an activity passes its (possibly time-skipped) clock. */
  now: () => Date;
  /** budget_period.proto: DAILY budgets exist in Google Ads; campaign-sla refuses them on read. */
  period?: BudgetPeriod;
  /** campaign_status.proto: REMOVED is final; the campaign is still readable but refused. */
  status?: CampaignStatus | 'REMOVED';
  /** customer.proto time_zone: the zone of segments.date and of the flight times. */
  timeZone?: string;
  /** customer.proto currency_code (default USD); amounts must be whole minimum units (e.g. whole yen). */
  currencyCode?: string;
  /** campaign_budget.proto explicitly_shared (default false). */
  explicitlyShared?: boolean;
  /** campaign_budget.proto reference_count: campaigns using the budget (default 1). */
  referenceCount?: number;
  /** AdvertisingChannelType name (default SEARCH). */
  channelType?: string;
  /** campaign.proto start_date_time ("yyyy-MM-dd HH:mm:ss", account zone); default the window's first day at 00:00:00. */
  startDateTime?: string;
  /** campaign.proto end_date_time; default the window's last day at 23:59:59, null = no end date. */
  endDateTime?: string | null;
  /**
   * Google's per-day minimum for this campaign (errors.proto BudgetPerDayMinimumErrorDetails
   * budget_per_day_minimum_micros); a total below it times the flight's days is rejected. Default 1 unit/day.
   */
  minimumBudgetPerDayMicros?: number;
  cpcMicros?: number;
  ctr?: number;
  conversionRate?: number;
  /** The conversion rate's scripted change at an instant (1 = unchanged). */
  conversionRateMultiplier?: (at: Date) => number;
  dailyNoise?: number;
  /** Relative day-to-day CPC noise (default 0.1: ±10%). */
  cpcNoise?: number;
  /** Mirrors the real adapter's dry run: mutations report the intended state but change nothing. */
  validateOnly?: boolean;
}

export class SandboxAdsPlatform implements AdsPlatform {
  private readonly campaign: SandboxCampaign;
  private readonly validateOnly: boolean;
  private readonly uploads = new Map<string, ClickConversionUpload>();
  /** Counted as the real adapter sends them: a read per call, the mutate when something changes, the upload. */
  private readonly operations: AdsOperationCounter;

  constructor(private readonly options: SandboxAdsOptions) {
    assertCampaignRef(options.ref);
    assertIsoDate(options.windowStart, 'windowStart');
    assertIsoDate(options.windowEnd, 'windowEnd');
    assertBudgetMicros(options.budgetMicros, 'budgetMicros');
    this.validateOnly = options.validateOnly ?? false;
    this.operations = new AdsOperationCounter(BASIC_ACCESS_DAILY_OPERATIONS, () => options.now().getTime());
    this.campaign = new SandboxCampaign({
      budgetMicros: options.budgetMicros,
      period: options.period ?? 'CUSTOM_PERIOD',
      // A REMOVED campaign serves nothing, like a paused one.
      status: options.status === 'REMOVED' ? 'PAUSED' : (options.status ?? 'ENABLED'),
      windowStart: options.windowStart,
      windowEnd: options.windowEnd,
      startDateTime: options.startDateTime,
      endDateTime: options.endDateTime ?? undefined,
      timeZone: options.timeZone ?? 'UTC',
      seed: options.seed,
      cpcMicros: options.cpcMicros ?? 2_500_000,
      ctr: options.ctr ?? 0.04,
      conversionRate: options.conversionRate ?? 0.06,
      conversionRateMultiplier: options.conversionRateMultiplier ?? (() => 1),
      dailyNoise: options.dailyNoise ?? 0.15,
      cpcNoise: options.cpcNoise ?? 0.1,
    });
  }

  async getDailyMetrics(ref: AdsCampaignRef, fromDate: string, toDate: string): Promise<DailyAdsMetrics[]> {
    this.assertOwnCampaign(ref);
    assertIsoDate(fromDate, 'fromDate');
    assertIsoDate(toDate, 'toDate');
    this.operations.add(1);
    this.catchUp();
    return this.campaign.metrics(fromDate, toDate);
  }

  async getBudget(ref: AdsCampaignRef): Promise<AdsCampaignBudget> {
    this.assertOwnCampaign(ref);
    this.operations.add(1);
    return this.state();
  }

  async setBudgetAmount(ref: AdsCampaignRef, amountMicros: number): Promise<AdsMutationResult> {
    this.assertOwnCampaign(ref);
    assertBudgetMicros(amountMicros, 'setBudgetAmount: amountMicros');
    this.operations.add(1);
    const before = this.state();
    const operation = `campaign_budget.update ${before.budgetResourceName} total_amount_micros=${amountMicros}`;
    if (before.amountMicros !== amountMicros) {
      assertBudgetNotShared(before);
      this.assertGoogleAcceptsTotal(before, amountMicros);
    }
    return this.mutate(before, { ...before, amountMicros }, operation, () => this.campaign.setBudget(amountMicros));
  }

  async setStatus(ref: AdsCampaignRef, status: CampaignStatus): Promise<AdsMutationResult> {
    this.assertOwnCampaign(ref);
    assertCampaignStatus(status, 'setStatus: status');
    this.operations.add(1);
    const before = this.state();
    return this.mutate(
      before,
      { ...before, status },
      `campaign.update ${campaignResourceName(this.options.ref)} status=${status}`,
      () => this.campaign.setStatus(status),
    );
  }

  /**
   * ConversionUploadService.UploadClickConversions as Google answers it: the same request the real adapter sends,
   * a partial-failure response (results[i] empty for a failed row, a GoogleAdsFailure naming conversions[i]), an
   * order ID Google already has (ORDER_ID_ALREADY_IN_USE) or repeated in the request (DUPLICATE_ORDER_ID).
   */
  async uploadClickConversions(
    customerId: string,
    conversions: ClickConversionUpload[],
  ): Promise<ClickConversionOutcome[]> {
    if (customerId !== this.options.ref.customerId) throw adsInputError(`unknown customer ${customerId}`);
    this.operations.add(1);
    let request;
    try {
      request = clickConversionRequest(customerId, conversions, this.validateOnly);
    } catch (err) {
      throw adsInputError(`uploadClickConversions: ${(err as Error).message} (TOO_MANY_CONVERSIONS_IN_REQUEST)`);
    }
    const errors: { index: number; code: number; message: string }[] = [];
    const seen = new Set<string>();
    request.conversions.forEach((conversion, index) => {
      const clickId = conversion.gclid ?? conversion.gbraid ?? conversion.wbraid ?? '';
      const orderId = conversion.order_id ?? '';
      const fail = (code: number, message: string) => errors.push({ index, code, message });
      if (conversion.gbraid && conversion.wbraid) fail(ConversionUploadError.GBRAID_WBRAID_BOTH_SET, 'both set');
      else if (!CLICK_ID.test(clickId)) fail(ConversionUploadError.UNPARSEABLE_GCLID, 'the click ID cannot be decoded');
      else if (seen.has(orderId)) fail(ConversionUploadError.DUPLICATE_ORDER_ID, 'order ID repeated in the request');
      else if (this.uploads.has(orderId)) fail(ConversionUploadError.ORDER_ID_ALREADY_IN_USE, 'order ID already used');
      seen.add(orderId);
    });
    if (!this.validateOnly) {
      conversions.forEach((conversion, index) => {
        if (!errors.some((e) => e.index === index)) this.uploads.set(conversion.orderId, conversion);
      });
    }
    const failure = adsProtos.GoogleAdsFailure.encode(
      adsProtos.GoogleAdsFailure.create({
        errors: errors.map((e) => ({
          error_code: { conversion_upload_error: e.code },
          message: e.message,
          location: { field_path_elements: [{ field_name: 'conversions', index: e.index }] },
        })),
      }),
    ).finish();
    return clickConversionOutcomes(conversions, {
      partial_failure_error: errors.length
        ? {
            code: 3,
            message: errors.map((e) => e.message).join('; '),
            details: [
              { type_url: 'type.googleapis.com/google.ads.googleads.v24.errors.GoogleAdsFailure', value: failure },
            ],
          }
        : null,
    });
  }

  /** The offline conversions Google would have recorded, by order ID (for tests and the demo). */
  uploadedConversions(): ClickConversionUpload[] {
    return [...this.uploads.values()];
  }

  /**
   * Clicks by `at` (fractional, at most now) and the instant a click count was reached (null: not yet):
   * the sandbox CRM's leads arrive with the clicks, so a budget cut brings fewer leads.
   */
  clicksBy(at: Date): number {
    this.catchUp();
    return this.campaign.clicksBy(at.getTime());
  }

  instantOfClicks(clicks: number): Date | null {
    this.catchUp();
    const instant = this.campaign.instantOfClicks(clicks);
    return instant === null ? null : new Date(instant);
  }

  /** Simulates someone changing the budget in the Google Ads UI, outside the SLA engine. */
  externalEdit(amountMicros: number): void {
    assertBudgetMicros(amountMicros, 'externalEdit: amountMicros');
    this.catchUp();
    this.campaign.setBudget(amountMicros);
  }

  /** Idempotent like the real adapter: an already-applied target changes nothing. */
  operationUsage(): AdsOperationUsage {
    return this.operations.usage();
  }

  private mutate(
    before: AdsBudgetState,
    after: AdsBudgetState,
    operation: string,
    apply: () => void,
  ): AdsMutationResult {
    const changed = before.amountMicros !== after.amountMicros || before.status !== after.status;
    if (!changed) return { changed, validateOnly: this.validateOnly, before, after: before, operation };
    this.operations.add(1);
    if (!this.validateOnly) apply();
    return { changed, validateOnly: this.validateOnly, before, after, operation };
  }

  /** What Google checks on a total_amount_micros update, rejected with the error Google sends. */
  private assertGoogleAcceptsTotal(budget: AdsCampaignBudget, amountMicros: number): void {
    // campaign_budget_error.proto: "A money amount was not a multiple of a minimum unit."
    if (!isMultipleOfCurrencyUnit(amountMicros, budget.currencyCode)) {
      throw googleRejection({
        error_code: { campaign_budget_error: CampaignBudgetError.NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT },
        message: `The budget amount must be a multiple of the minimum ${budget.currencyCode} unit.`,
      });
    }
    // campaign_budget_error.proto BUDGET_BELOW_PER_DAY_MINIMUM; errors.proto BudgetPerDayMinimumErrorDetails:
    // minimum_budget_total_amount_micros is the minimum "given its configured start and end time".
    const perDay = this.options.minimumBudgetPerDayMicros ?? 1_000_000;
    const minimumTotal = perDay * this.flightDays();
    if (amountMicros < minimumTotal) {
      throw googleRejection({
        error_code: { campaign_budget_error: CampaignBudgetError.BUDGET_BELOW_PER_DAY_MINIMUM },
        message: "Budget amount or total amount must be above this campaign's per-day minimum.",
        details: {
          budget_per_day_minimum_error_details: {
            currency_code: budget.currencyCode,
            budget_per_day_minimum_micros: perDay,
            minimum_budget_total_amount_micros: minimumTotal,
            failed_budget_total_amount_micros: amountMicros,
          },
        },
      });
    }
  }

  private flightDays(): number {
    const { windowStart, windowEnd } = this.options;
    return Math.round((Date.parse(windowEnd) - Date.parse(windowStart)) / DAY_MS) + 1;
  }

  /** Reads and writes first accrue spend up to now at the settings in force until now. */
  private state(): AdsCampaignBudget {
    this.catchUp();
    const { ref, windowStart, windowEnd } = this.options;
    const budgetMicros = this.campaign.currentBudgetMicros;
    const daily = this.campaign.period === 'DAILY';
    return toManagedBudget(
      {
        campaignStatus: this.options.status === 'REMOVED' ? 'REMOVED' : this.campaign.currentStatus,
        budgetResourceName: `customers/${ref.customerId}/campaignBudgets/${ref.campaignId}`,
        period: this.campaign.period,
        totalAmountMicros: daily ? null : budgetMicros,
        amountMicros: daily ? budgetMicros : null,
        explicitlyShared: this.options.explicitlyShared ?? false,
        referenceCount: this.options.referenceCount ?? 1,
        currencyCode: this.options.currencyCode ?? 'USD',
        timeZone: this.options.timeZone ?? 'UTC',
        flight: {
          startDateTime: this.options.startDateTime ?? `${windowStart} 00:00:00`,
          endDateTime: this.options.endDateTime === undefined ? `${windowEnd} 23:59:59` : this.options.endDateTime,
          channelType: this.options.channelType ?? 'SEARCH',
        },
      },
      campaignResourceName(ref),
    );
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

/** A rejection as google-ads-api would throw it, classified by the same code as the real adapter's. */
function googleRejection(error: adsProtos.IGoogleAdsError) {
  return toAdsFailure(new adsProtos.GoogleAdsFailure({ errors: [error] }), 'setBudgetAmount');
}
