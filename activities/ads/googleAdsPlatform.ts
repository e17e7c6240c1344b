// The real AdsPlatform: google-ads-api against the Google Ads API. Reads go through GAQL; writes read
// first and only mutate when the target differs, so Temporal retries of a write are harmless.
import { enums, GoogleAdsApi, type Customer, type Hooks } from 'google-ads-api';
import type { AdsBudgetState, AdsCampaignBudget, CampaignStatus } from '../../sla/records';
import type {
  AdsCampaignRef,
  AdsMutationResult,
  AdsPlatform,
  ClickConversionOutcome,
  ClickConversionUpload,
  DailyAdsMetrics,
} from '../ports';
import type { AdsCredentials } from './adsCredentials';
import { AdsOperationCounter, type AdsOperationUsage } from './operationCounter';
import { adsInputError, toAdsFailure } from './adsErrors';
import {
  assertBudgetMicros,
  assertCampaignRef,
  assertCampaignStatus,
  budgetQuery,
  campaignResourceName,
  dailyMetricsQuery,
} from './adsQueries';
import { assertMutateResponse, parseBudgetRows, parseDailyMetricsRows } from './adsResponses';
import { assertBudgetNotShared, toManagedBudget } from './budgetPolicy';
import { clickConversionOutcomes, clickConversionRequest } from './conversionUpload';

export interface GoogleAdsPlatformOptions {
  credentials: AdsCredentials;
  /** Dry run: every mutate is sent with validate_only, so Google checks it but changes nothing. */
  validateOnly?: boolean;
  /** google-ads-api Customer hooks; used by contract tests to observe requests and inject responses. */
  hooks?: Hooks;
  /** Where the operations sent are counted (one per developer token); a fresh Basic-access counter by default. */
  operations?: AdsOperationCounter;
  /**
   * How long one call waits for Google's answer; default 60 s, under the outside calls' 2-minute start-to-close.
   * google-ads-api sets no limit of its own, and the activity's heartbeat goes on while a call hangs.
   */
  requestTimeoutMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export class GoogleAdsPlatform implements AdsPlatform {
  private readonly client: GoogleAdsApi;
  private readonly validateOnly: boolean;
  private readonly operations: AdsOperationCounter;

  constructor(private readonly options: GoogleAdsPlatformOptions) {
    const { credentials } = options;
    this.client = new GoogleAdsApi({
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
      developer_token: credentials.developerToken,
    });
    this.validateOnly = options.validateOnly ?? false;
    this.operations = options.operations ?? new AdsOperationCounter();
  }

  operationUsage(): AdsOperationUsage {
    return this.operations.usage();
  }

  async getDailyMetrics(ref: AdsCampaignRef, fromDate: string, toDate: string): Promise<DailyAdsMetrics[]> {
    assertCampaignRef(ref);
    const query = dailyMetricsQuery(ref.campaignId, fromDate, toDate);
    const rows = await this.call('getDailyMetrics', () => this.customer(ref).query(query));
    return parseDailyMetricsRows(rows);
  }

  async getBudget(ref: AdsCampaignRef): Promise<AdsCampaignBudget> {
    assertCampaignRef(ref);
    const query = budgetQuery(ref.campaignId);
    const rows = await this.call('getBudget', () => this.customer(ref).query(query));
    const read = parseBudgetRows(rows);
    if (!read) throw adsInputError(`getBudget: campaign ${ref.campaignId} not found in customer ${ref.customerId}`);
    return toManagedBudget(read, campaignResourceName(ref));
  }

  async setBudgetAmount(ref: AdsCampaignRef, amountMicros: number): Promise<AdsMutationResult> {
    assertBudgetMicros(amountMicros, 'setBudgetAmount: amountMicros');
    const before = await this.getBudget(ref);
    const operation = `campaign_budget.update ${before.budgetResourceName} total_amount_micros=${amountMicros}`;
    const after: AdsBudgetState = { ...before, amountMicros };
    if (before.amountMicros === amountMicros) return this.unchanged(before, operation);
    assertBudgetNotShared(before);

    // campaign_budget.proto: period is IMMUTABLE, total_amount_micros is not; the update mask names only it.
    const response = await this.call('setBudgetAmount', () =>
      this.customer(ref).campaignBudgets.update(
        [{ resource_name: before.budgetResourceName, total_amount_micros: amountMicros }],
        { validate_only: this.validateOnly },
      ),
    );
    assertMutateResponse(response, before.budgetResourceName, this.validateOnly);
    return { changed: true, validateOnly: this.validateOnly, before, after, operation };
  }

  async setStatus(ref: AdsCampaignRef, status: CampaignStatus): Promise<AdsMutationResult> {
    assertCampaignStatus(status, 'setStatus: status');
    const before = await this.getBudget(ref);
    const resourceName = campaignResourceName(ref);
    const operation = `campaign.update ${resourceName} status=${status}`;
    const after: AdsBudgetState = { ...before, status };
    if (before.status === status) return this.unchanged(before, operation);

    const response = await this.call('setStatus', () =>
      this.customer(ref).campaigns.update([{ resource_name: resourceName, status: enums.CampaignStatus[status] }], {
        validate_only: this.validateOnly,
      }),
    );
    assertMutateResponse(response, resourceName, this.validateOnly);
    return { changed: true, validateOnly: this.validateOnly, before, after, operation };
  }

  async uploadClickConversions(
    customerId: string,
    conversions: ClickConversionUpload[],
  ): Promise<ClickConversionOutcome[]> {
    if (conversions.length === 0) return [];
    const request = clickConversionRequest(customerId, conversions, this.validateOnly);
    const response = await this.call('uploadClickConversions', () =>
      this.customer({ customerId, campaignId: '' }).conversionUploads.uploadClickConversions(request),
    );
    return clickConversionOutcomes(conversions, response);
  }

  private unchanged(state: AdsBudgetState, operation: string): AdsMutationResult {
    return { changed: false, validateOnly: this.validateOnly, before: state, after: state, operation };
  }

  private customer(ref: AdsCampaignRef): Customer {
    const { credentials, hooks } = this.options;
    return this.client.Customer(
      {
        customer_id: ref.customerId,
        refresh_token: credentials.refreshToken,
        login_customer_id: credentials.loginCustomerId,
      },
      hooks,
    );
  }

  /**
   * Runs one library call and turns whatever it throws into a typed ApplicationFailure. The request counts against
   * the token's daily operations once sent, whatever its outcome (`operations`: 1, or the items of a mutate).
   */
  /**
   * A call past its time fails as transient and Temporal retries it. The request itself may still land, so the retry
   * must be harmless: budget and status writes read first and only mutate toward their target, and Google answers a
   * conversion uploaded again with ALREADY_EXISTS (conversionUpload.ts).
   */
  private async call<T>(operation: string, fn: () => Promise<T>, operations = 1): Promise<T> {
    this.operations.add(operations);
    const timeoutMs = this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Google Ads did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([fn(), deadline]);
    } catch (error) {
      throw toAdsFailure(error, operation);
    } finally {
      clearTimeout(timer);
    }
  }
}
