// Contract tests for GoogleAdsPlatform through the real google-ads-api library. The library's own
// Customer hooks observe each request (GAQL, mutate operations, validate_only) and short-circuit it with
// a scripted response or error, so nothing reaches the network; a socket guard fails any test that tries.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { errors, type Hooks } from 'google-ads-api';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import {
  ADS_AUTH_ERROR,
  ADS_BUDGET_BELOW_MINIMUM,
  ADS_CAMPAIGN_REMOVED,
  ADS_MALFORMED_RESPONSE,
  ADS_QUOTA_EXCEEDED,
  ADS_SHARED_BUDGET,
  ADS_TRANSIENT_ERROR,
  ADS_UNSUPPORTED_BUDGET,
  ADS_VALIDATION_ERROR,
} from '../activities/ads/adsErrors';
import { loadAdsCredentials, loadAdsValidateOnly } from '../activities/ads/adsCredentials';
import { GoogleAdsPlatform } from '../activities/ads/googleAdsPlatform';
import { AdsOperationCounter, loadAdsOperationLimit } from '../activities/ads/operationCounter';

const ref = { customerId: '1234567890', campaignId: '555' };
const budgetName = 'customers/1234567890/campaignBudgets/777';
const campaignName = 'customers/1234567890/campaigns/555';
const credentials = { clientId: 'cid', clientSecret: 'secret', developerToken: 'dev', refreshToken: 'refresh' };

/** `hang`: the request is never answered, as an endpoint that stopped responding. */
type Scripted = { rows: unknown } | { error: unknown } | { hang: true };
type MutateScript = { response: unknown } | { error: unknown };

interface RecordedMutation {
  method: string;
  request: {
    customer_id: string;
    validate_only?: boolean;
    operations: { update: Record<string, unknown>; operation: string; update_mask: { paths: string[] } }[];
  };
}

/** A scripted Google Ads endpoint built only from the library's public hooks. */
function fakeGoogleAds(queryScript: Scripted[], mutateScript: MutateScript[] = []) {
  const queries: string[] = [];
  const mutations: RecordedMutation[] = [];
  const hooks: Hooks = {
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- the library awaits it (customer.js, querier)
    onQueryStart: ({ query, cancel }) => {
      queries.push(query);
      const next = queryScript.shift();
      if (!next) throw new Error(`unscripted query: ${query}`);
      if ('error' in next) throw next.error;
      if ('hang' in next) return new Promise<void>(() => {});
      cancel(next.rows);
    },
    onMutationStart: (args) => {
      if (!args.isServiceCall) throw new Error('expected a service mutation');
      // Deep-copy: the request object is the one the library would send.
      mutations.push({ method: args.method, request: JSON.parse(JSON.stringify(args.mutation)) });
      const next = mutateScript.shift();
      if (!next) throw new Error(`unscripted mutation: ${args.method}`);
      if ('error' in next) throw next.error;
      args.cancel(next.response);
    },
  };
  return { hooks, queries, mutations };
}

function budgetRow(period: 'CUSTOM_PERIOD' | 'DAILY', amount: number, status: number | string = 2) {
  return {
    campaign: {
      resource_name: campaignName,
      status,
      advertising_channel_type: 2, // SEARCH
      start_date_time: '2026-03-01 00:00:00',
      end_date_time: '2026-03-10 23:59:59',
    },
    campaign_budget: {
      resource_name: budgetName,
      // What the library yields after parsing REST: enums as numbers, int64 as numbers.
      period: period === 'CUSTOM_PERIOD' ? 5 : 2,
      ...(period === 'CUSTOM_PERIOD' ? { total_amount_micros: amount } : { amount_micros: amount }),
      explicitly_shared: false,
      reference_count: 1,
    },
    customer: { currency_code: 'USD', time_zone: 'America/New_York' },
  };
}

type BudgetRowParts = { campaign?: object; campaign_budget?: object; customer?: object };
/** A total-budget row with some fields overridden (undefined removes a field, as REST omits it). */
function budgetRowWith(parts: BudgetRowParts) {
  const row = budgetRow('CUSTOM_PERIOD', 75_000_000_000);
  const merge = (base: object, over: object = {}) =>
    Object.fromEntries(Object.entries({ ...base, ...over }).filter(([, v]) => v !== undefined));
  return {
    campaign: merge(row.campaign, parts.campaign),
    campaign_budget: merge(row.campaign_budget, parts.campaign_budget),
    customer: merge(row.customer, parts.customer),
  };
}

const BUDGET_QUERY =
  'SELECT campaign.status, campaign.advertising_channel_type, campaign.start_date_time, campaign.end_date_time, ' +
  'campaign_budget.resource_name, campaign_budget.period, campaign_budget.total_amount_micros, ' +
  'campaign_budget.amount_micros, campaign_budget.explicitly_shared, campaign_budget.reference_count, ' +
  'customer.currency_code, customer.time_zone FROM campaign WHERE campaign.id = 555';

function googleAdsFailure(errorsList: errors.IGoogleAdsError[]): errors.GoogleAdsFailure {
  return new errors.GoogleAdsFailure({ errors: errorsList, request_id: 'req-1' });
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

let connectGuard: MockInstance;
beforeAll(() => {
  connectGuard = vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(() => {
    throw new Error('network access attempted in an offline contract test');
  });
});
afterEach(() => {
  expect(connectGuard).not.toHaveBeenCalled();
});
afterAll(() => {
  connectGuard.mockRestore();
});

describe('GoogleAdsPlatform reads', () => {
  it('sends the exact daily-metrics GAQL and maps rows (int64 as numbers or strings, omitted zeros)', async () => {
    const fake = fakeGoogleAds([
      {
        rows: [
          {
            segments: { date: '2026-02-03' },
            metrics: { cost_micros: '1500000', clicks: '3', impressions: '120', conversions: 0.5 },
          },
          {
            segments: { date: '2026-02-02' },
            metrics: { cost_micros: 2_000_000, clicks: 4, impressions: 90, conversions: 1 },
          },
          { segments: { date: '2026-02-04' }, metrics: { impressions: 10 } },
        ],
      },
    ]);
    const ads = new GoogleAdsPlatform({ credentials, hooks: fake.hooks });
    const metrics = await ads.getDailyMetrics(ref, '2026-02-01', '2026-02-04');
    expect(fake.queries).toEqual([
      "SELECT segments.date, metrics.cost_micros, metrics.clicks, metrics.impressions, metrics.conversions FROM campaign WHERE campaign.id = 555 AND segments.date BETWEEN '2026-02-01' AND '2026-02-04'",
    ]);
    expect(metrics).toEqual([
      { date: '2026-02-02', costMicros: 2_000_000, clicks: 4, impressions: 90, conversions: 1 },
      { date: '2026-02-03', costMicros: 1_500_000, clicks: 3, impressions: 120, conversions: 0.5 },
      { date: '2026-02-04', costMicros: 0, clicks: 0, impressions: 10, conversions: 0 },
    ]);
  });

  it('reads a total campaign budget (CUSTOM_PERIOD) from total_amount_micros', async () => {
    const row = budgetRow('CUSTOM_PERIOD', 75_000_000_000);
    (row.campaign_budget as Record<string, unknown>).amount_micros = 1; // present but irrelevant for CUSTOM_PERIOD
    const fake = fakeGoogleAds([{ rows: [row] }]);
    const ads = new GoogleAdsPlatform({ credentials, hooks: fake.hooks });
    expect(await ads.getBudget(ref)).toEqual({
      budgetResourceName: budgetName,
      period: 'CUSTOM_PERIOD',
      amountMicros: 75_000_000_000,
      status: 'ENABLED',
      explicitlyShared: false,
      referenceCount: 1,
      currencyCode: 'USD',
      timeZone: 'America/New_York',
      flight: { startDateTime: '2026-03-01 00:00:00', endDateTime: '2026-03-10 23:59:59', channelType: 'SEARCH' },
    });
    expect(fake.queries).toEqual([BUDGET_QUERY]);
  });

  // budget_period.proto: DAILY is an average daily budget; the rules size a total, so it is refused at the first read.
  it('refuses a DAILY budget at the first read with one clear non-retryable line (enum names, int64 strings)', async () => {
    const row = budgetRowWith({
      campaign: { status: 'PAUSED' },
      campaign_budget: { period: 'DAILY', total_amount_micros: undefined, amount_micros: '500000000' },
    });
    const failure = await failureOf(
      new GoogleAdsPlatform({ credentials, hooks: fakeGoogleAds([{ rows: [row] }]).hooks }).getBudget(ref),
    );
    expect(failure.type).toBe(ADS_UNSUPPORTED_BUDGET);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toBe(
      `budget ${budgetName} is a DAILY budget of 500.00/day; campaign-sla manages total campaign budgets (CUSTOM_PERIOD, total_amount_micros) only, because its rules treat the amount as the campaign's total`,
    );
  });

  // v24 campaign.proto has start_date_time / end_date_time; start_date / end_date are gone.
  it('asks for the v24 flight fields, which the shipped v24 proto defines (and the old ones it does not)', () => {
    const proto = readFileSync(
      require.resolve('google-ads-node/build/protos/google/ads/googleads/v24/resources/campaign.proto'),
      'utf8',
    );
    expect(proto).toMatch(/optional string start_date_time = \d+;/);
    expect(proto).toMatch(/optional string end_date_time = \d+;/);
    expect(proto).not.toMatch(/string start_date = \d+;/);
    expect(proto).not.toMatch(/string end_date = \d+;/);
    expect(BUDGET_QUERY).toContain('campaign.start_date_time, campaign.end_date_time');
  });

  it('reads the account currency and time zone, and a campaign without an end date', async () => {
    const row = budgetRowWith({
      campaign: { end_date_time: undefined, advertising_channel_type: 'SHOPPING' },
      campaign_budget: { total_amount_micros: '9000000000000' },
      customer: { currency_code: 'JPY', time_zone: 'Asia/Tokyo' },
    });
    const budget = await new GoogleAdsPlatform({
      credentials,
      hooks: fakeGoogleAds([{ rows: [row] }]).hooks,
    }).getBudget(ref);
    expect(budget).toMatchObject({
      amountMicros: 9_000_000_000_000,
      currencyCode: 'JPY',
      timeZone: 'Asia/Tokyo',
      flight: { startDateTime: '2026-03-01 00:00:00', endDateTime: null, channelType: 'SHOPPING' },
    });
  });

  it('refuses an account currency outside the currency table, and names a bad time zone or flight time', async () => {
    const unknown = budgetRowWith({ customer: { currency_code: 'XTS' } });
    const currency = await failureOf(
      new GoogleAdsPlatform({ credentials, hooks: fakeGoogleAds([{ rows: [unknown] }]).hooks }).getBudget(ref),
    );
    expect(currency.type).toBe(ADS_UNSUPPORTED_BUDGET);
    expect(currency.message).toContain('account currency XTS');
    const badZone = budgetRowWith({ customer: { time_zone: 'Mars/Olympus' } });
    const zone = await failureOf(
      new GoogleAdsPlatform({ credentials, hooks: fakeGoogleAds([{ rows: [badZone] }]).hooks }).getBudget(ref),
    );
    expect(zone.message).toBe('Google Ads response: customer.time_zone: expected an IANA time zone (row 0)');
    const oldFormat = budgetRowWith({ campaign: { start_date_time: '2026-03-01' } });
    const flight = await failureOf(
      new GoogleAdsPlatform({ credentials, hooks: fakeGoogleAds([{ rows: [oldFormat] }]).hooks }).getBudget(ref),
    );
    expect(flight.message).toBe('Google Ads response: campaign.start_date_time: expected yyyy-MM-dd HH:mm:ss (row 0)');
  });

  // campaign_status.proto: REMOVED is final. One clear error, not "malformed response".
  it('refuses a REMOVED campaign with its own non-retryable error', async () => {
    const fake = fakeGoogleAds([
      { rows: [budgetRow('CUSTOM_PERIOD', 1, 4)] },
      { rows: [budgetRowWith({ campaign: { status: 'REMOVED' } })] },
    ]);
    const ads = new GoogleAdsPlatform({ credentials, hooks: fake.hooks });
    const read = await failureOf(ads.getBudget(ref));
    expect(read.type).toBe(ADS_CAMPAIGN_REMOVED);
    expect(read.nonRetryable).toBe(true);
    expect(read.message).toContain(`campaign ${campaignName} is REMOVED in Google Ads`);
    expect((await failureOf(ads.setStatus(ref, 'ENABLED'))).type).toBe(ADS_CAMPAIGN_REMOVED);
    expect(fake.mutations).toEqual([]);
  });

  it('rejects IDs and dates that are not safe to interpolate, before any request', async () => {
    const fake = fakeGoogleAds([]);
    const ads = new GoogleAdsPlatform({ credentials, hooks: fake.hooks });
    const badId = await failureOf(ads.getBudget({ customerId: '1234567890', campaignId: '555 OR 1=1' }));
    expect(badId.type).toBe(ADS_VALIDATION_ERROR);
    expect(badId.nonRetryable).toBe(true);
    expect(badId.message).toContain('AdsCampaignRef.campaignId');
    const badDate = await failureOf(ads.getDailyMetrics(ref, '2026-02-30', '2026-03-01'));
    expect(badDate.message).toContain('fromDate');
    expect(fake.queries).toEqual([]);
  });

  it('fails a call Google does not answer within the request timeout as transient, and the next one goes through', async () => {
    const row = budgetRow('CUSTOM_PERIOD', 75_000_000_000);
    const fake = fakeGoogleAds([{ hang: true }, { rows: [row] }]);
    const ads = new GoogleAdsPlatform({ credentials, hooks: fake.hooks, requestTimeoutMs: 200 });
    const hung = await ads.getBudget(ref).then(
      () => null,
      (err: unknown) => err as ApplicationFailure,
    );
    expect(hung).toBeInstanceOf(ApplicationFailure);
    expect(hung?.type).toBe(ADS_TRANSIENT_ERROR);
    expect(hung?.nonRetryable).toBe(false);
    expect(hung?.message).toBe('getBudget: transient failure: Google Ads did not answer within 200 ms');
    expect((await ads.getBudget(ref)).amountMicros).toBe(75_000_000_000);
  });

  it('reports an unknown campaign as a non-retryable validation error', async () => {
    const fake = fakeGoogleAds([{ rows: [] }]);
    const failure = await failureOf(new GoogleAdsPlatform({ credentials, hooks: fake.hooks }).getBudget(ref));
    expect(failure.type).toBe(ADS_VALIDATION_ERROR);
    expect(failure.message).toContain('campaign 555 not found');
  });
});

describe('GoogleAdsPlatform writes', () => {
  it('skips the budget update when already at the target (read-before-write)', async () => {
    const fake = fakeGoogleAds([{ rows: [budgetRow('CUSTOM_PERIOD', 50_000_000_000)] }]);
    const result = await new GoogleAdsPlatform({ credentials, hooks: fake.hooks }).setBudgetAmount(ref, 50_000_000_000);
    expect(result.changed).toBe(false);
    expect(result.after).toEqual(result.before);
    expect(fake.mutations).toEqual([]);
  });

  it('updates total_amount_micros of a CUSTOM_PERIOD budget with the right resource and mask', async () => {
    const fake = fakeGoogleAds(
      [{ rows: [budgetRow('CUSTOM_PERIOD', 75_000_000_000)] }],
      [{ response: { results: [{ resource_name: budgetName }] } }],
    );
    const result = await new GoogleAdsPlatform({ credentials, hooks: fake.hooks }).setBudgetAmount(ref, 52_500_000_000);
    expect(fake.mutations).toHaveLength(1);
    const [{ method, request }] = fake.mutations;
    expect(method).toBe('CampaignBudgetService.mutateCampaignBudgets');
    expect(request.customer_id).toBe('1234567890');
    expect(request.validate_only).toBe(false);
    expect(request.operations).toEqual([
      {
        operation: 'update',
        update: { resource_name: budgetName, total_amount_micros: 52_500_000_000 },
        update_mask: { paths: ['resource_name', 'total_amount_micros'] },
      },
    ]);
    expect(result).toMatchObject({
      changed: true,
      validateOnly: false,
      before: { amountMicros: 75_000_000_000 },
      after: { amountMicros: 52_500_000_000, period: 'CUSTOM_PERIOD', budgetResourceName: budgetName },
    });
    expect(result.operation).toContain('total_amount_micros=52500000000');
  });

  it('never mutates a DAILY budget', async () => {
    const fake = fakeGoogleAds([{ rows: [budgetRow('DAILY', 100_000_000)] }]);
    const failure = await failureOf(
      new GoogleAdsPlatform({ credentials, hooks: fake.hooks }).setBudgetAmount(ref, 70_000_000),
    );
    expect(failure.type).toBe(ADS_UNSUPPORTED_BUDGET);
    expect(fake.mutations).toEqual([]);
  });

  // campaign_budget.proto: explicitly_shared, reference_count ("the number of campaigns actively using the budget").
  it('refuses to move a budget shared by several campaigns, but still pauses the campaign', async () => {
    const shared = budgetRowWith({ campaign_budget: { explicitly_shared: true, reference_count: 3 } });
    const fake = fakeGoogleAds(
      [{ rows: [shared] }, { rows: [shared] }],
      [{ response: { results: [{ resource_name: campaignName }] } }],
    );
    const ads = new GoogleAdsPlatform({ credentials, hooks: fake.hooks });
    const failure = await failureOf(ads.setBudgetAmount(ref, 52_500_000_000));
    expect(failure.type).toBe(ADS_SHARED_BUDGET);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toBe(
      `budget ${budgetName} is shared by 3 campaigns; campaign-sla will not move it, because that moves spend on every campaign using it`,
    );
    // Status is the campaign's own field: pausing one campaign does not touch the others.
    expect((await ads.setStatus(ref, 'PAUSED')).changed).toBe(true);
    expect(fake.mutations.map((m) => m.method)).toEqual(['CampaignService.mutateCampaigns']);
  });

  it('refuses an explicitly shared budget used by one campaign, and one used by two though not explicitly shared', async () => {
    const explicit = budgetRowWith({ campaign_budget: { explicitly_shared: true, reference_count: '1' } });
    const implicit = budgetRowWith({ campaign_budget: { explicitly_shared: undefined, reference_count: '2' } });
    const fake = fakeGoogleAds([{ rows: [explicit] }, { rows: [implicit] }]);
    const ads = new GoogleAdsPlatform({ credentials, hooks: fake.hooks });
    const one = await failureOf(ads.setBudgetAmount(ref, 1_000_000));
    expect(one.type).toBe(ADS_SHARED_BUDGET);
    expect(one.message).toContain('is an explicitly shared budget (used by 1 campaign now)');
    expect((await failureOf(ads.setBudgetAmount(ref, 1_000_000))).message).toContain('is shared by 2 campaigns');
    expect(fake.mutations).toEqual([]);
  });

  it('reads a budget without explicitly_shared / reference_count (REST omits false and 0) as not shared', async () => {
    const bare = budgetRowWith({ campaign_budget: { explicitly_shared: undefined, reference_count: undefined } });
    const fake = fakeGoogleAds([{ rows: [bare] }], [{ response: { results: [{ resource_name: budgetName }] } }]);
    const result = await new GoogleAdsPlatform({ credentials, hooks: fake.hooks }).setBudgetAmount(ref, 60_000_000_000);
    expect(result.before).toMatchObject({ explicitlyShared: false, referenceCount: 0 });
    expect(fake.mutations).toHaveLength(1);
  });

  it('pauses a campaign through CampaignService with the status enum, and skips when already paused', async () => {
    const fake = fakeGoogleAds(
      [
        { rows: [budgetRow('CUSTOM_PERIOD', 75_000_000_000, 2)] },
        { rows: [budgetRow('CUSTOM_PERIOD', 75_000_000_000, 3)] },
      ],
      [{ response: { results: [{ resource_name: campaignName }] } }],
    );
    const ads = new GoogleAdsPlatform({ credentials, hooks: fake.hooks });
    const paused = await ads.setStatus(ref, 'PAUSED');
    expect(paused).toMatchObject({ changed: true, before: { status: 'ENABLED' }, after: { status: 'PAUSED' } });
    expect(fake.mutations[0].method).toBe('CampaignService.mutateCampaigns');
    expect(fake.mutations[0].request.operations[0]).toEqual({
      operation: 'update',
      update: { resource_name: campaignName, status: 3 },
      update_mask: { paths: ['resource_name', 'status'] },
    });
    const again = await ads.setStatus(ref, 'PAUSED');
    expect(again.changed).toBe(false);
    expect(fake.mutations).toHaveLength(1);
  });

  it('sends validate_only in dry-run mode and reports the intended state', async () => {
    const fake = fakeGoogleAds(
      [{ rows: [budgetRow('CUSTOM_PERIOD', 75_000_000_000)] }, { rows: [budgetRow('CUSTOM_PERIOD', 75_000_000_000)] }],
      [{ response: { results: [] } }, { response: { results: [] } }],
    );
    const ads = new GoogleAdsPlatform({ credentials, hooks: fake.hooks, validateOnly: true });
    const budget = await ads.setBudgetAmount(ref, 60_000_000_000);
    const status = await ads.setStatus(ref, 'PAUSED');
    expect(fake.mutations.map((m) => m.request.validate_only)).toEqual([true, true]);
    expect(budget).toMatchObject({ changed: true, validateOnly: true, after: { amountMicros: 60_000_000_000 } });
    expect(status).toMatchObject({ changed: true, validateOnly: true, after: { status: 'PAUSED' } });
  });

  it('rejects a mutate response that does not name the changed resource', async () => {
    const fake = fakeGoogleAds(
      [{ rows: [budgetRow('CUSTOM_PERIOD', 75_000_000_000)] }],
      [{ response: { results: [{ resource_name: 'customers/1234567890/campaignBudgets/1' }] } }],
    );
    const failure = await failureOf(
      new GoogleAdsPlatform({ credentials, hooks: fake.hooks }).setBudgetAmount(ref, 1_000_000),
    );
    expect(failure.type).toBe(ADS_MALFORMED_RESPONSE);
    expect(failure.message).toContain(`expected ${budgetName}`);
  });

  it('rejects a non-positive or fractional budget amount', async () => {
    const ads = new GoogleAdsPlatform({ credentials, hooks: fakeGoogleAds([]).hooks });
    expect((await failureOf(ads.setBudgetAmount(ref, 0))).type).toBe(ADS_VALIDATION_ERROR);
    expect((await failureOf(ads.setBudgetAmount(ref, 1.5))).message).toContain('amountMicros');
  });
});

describe('GoogleAdsPlatform error classification', () => {
  it('turns a quota GoogleAdsFailure into a retryable failure delayed by the server retry_delay', async () => {
    const quota = googleAdsFailure([
      {
        error_code: { quota_error: errors.QuotaErrorEnum.QuotaError.RESOURCE_EXHAUSTED },
        message: 'Too many requests. Retry in 42 seconds.',
        details: { quota_error_details: { rate_name: 'Requests per developer per day', retry_delay: { seconds: 42 } } },
      },
    ]);
    const failure = await failureOf(
      new GoogleAdsPlatform({ credentials, hooks: fakeGoogleAds([{ error: quota }]).hooks }).getBudget(ref),
    );
    expect(failure.type).toBe(ADS_QUOTA_EXCEEDED);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(42_000);
    expect(failure.message).toContain('quota_error.RESOURCE_EXHAUSTED');
  });

  it('reads the REST form of a quota failure (enum names, "12.5s" durations) on a mutation', async () => {
    const quota = {
      errors: [
        {
          error_code: { quota_error: 'RESOURCE_TEMPORARILY_EXHAUSTED' },
          message: 'slow down',
          details: { quota_error_details: { retry_delay: '12.5s' } },
        },
      ],
    };
    const fake = fakeGoogleAds([{ rows: [budgetRow('CUSTOM_PERIOD', 75_000_000_000)] }], [{ error: quota }]);
    const failure = await failureOf(
      new GoogleAdsPlatform({ credentials, hooks: fake.hooks }).setBudgetAmount(ref, 1_000_000),
    );
    expect(failure.type).toBe(ADS_QUOTA_EXCEEDED);
    expect(failure.nextRetryDelay).toBe(12_500);
  });

  it('defaults to a 30s delay for gRPC RESOURCE_EXHAUSTED without details', async () => {
    const grpcError = Object.assign(new Error('8 RESOURCE_EXHAUSTED: quota'), { code: 8, details: 'quota' });
    const failure = await failureOf(
      new GoogleAdsPlatform({ credentials, hooks: fakeGoogleAds([{ error: grpcError }]).hooks }).getBudget(ref),
    );
    expect(failure.type).toBe(ADS_QUOTA_EXCEEDED);
    expect(failure.nextRetryDelay).toBe(30_000);
  });

  // errors.proto QuotaErrorDetails.rate_scope: ACCOUNT (per customer) or DEVELOPER (per developer token).
  it('names the quota rate_scope and rate_name in the message and the failure details', async () => {
    const account = googleAdsFailure([
      {
        error_code: { quota_error: errors.QuotaErrorEnum.QuotaError.RESOURCE_TEMPORARILY_EXHAUSTED },
        message: 'Too many requests.',
        details: {
          quota_error_details: {
            rate_scope: errors.QuotaErrorDetails.QuotaRateScope.ACCOUNT,
            rate_name: 'Requests per account',
            retry_delay: { seconds: 5 },
          },
        },
      },
    ]);
    const developer = {
      errors: [
        {
          error_code: { quota_error: 'RESOURCE_EXHAUSTED' },
          message: 'Daily operations limit.',
          details: { quota_error_details: { rate_scope: 'DEVELOPER', retry_delay: '3600s' } },
        },
      ],
    };
    const ads = new GoogleAdsPlatform({
      credentials,
      hooks: fakeGoogleAds([{ error: account }, { error: developer }]).hooks,
    });
    const perAccount = await failureOf(ads.getBudget(ref));
    expect(perAccount.message).toContain('quota exceeded (account quota: Requests per account), retry in 5s');
    expect(perAccount.details).toEqual([
      { rateScope: 'ACCOUNT', rateName: 'Requests per account', retryDelayMs: 5000 },
    ]);
    const perDeveloper = await failureOf(ads.getBudget(ref));
    expect(perDeveloper.message).toContain('quota exceeded (developer quota), retry in 3600s');
    expect(perDeveloper.details).toEqual([{ rateScope: 'DEVELOPER', rateName: null, retryDelayMs: 3_600_000 }]);
    expect(perDeveloper.nonRetryable).toBe(false);
  });

  // database_error.proto: CONCURRENT_MODIFICATION "Multiple requests were attempting to modify the same resource
  // at once. Retry the request."
  it('retries DatabaseError.CONCURRENT_MODIFICATION and DATA_CONSTRAINT_VIOLATION', async () => {
    const concurrent = googleAdsFailure([
      {
        error_code: { database_error: errors.DatabaseErrorEnum.DatabaseError.CONCURRENT_MODIFICATION },
        message: 'Multiple requests were attempting to modify the same resource at once.',
      },
    ]);
    const fake = fakeGoogleAds([{ rows: [budgetRow('CUSTOM_PERIOD', 75_000_000_000)] }], [{ error: concurrent }]);
    const failure = await failureOf(
      new GoogleAdsPlatform({ credentials, hooks: fake.hooks }).setBudgetAmount(ref, 60_000_000_000),
    );
    expect(failure.type).toBe(ADS_TRANSIENT_ERROR);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('database_error.CONCURRENT_MODIFICATION');
    // DATA_CONSTRAINT_VIOLATION "will usually be replaced with a more specific error if the request is retried":
    // retried too; REQUEST_TOO_LARGE ("Split the request") is not retried blindly.
    const databaseFailure = async (code: number) => {
      const failure = googleAdsFailure([{ error_code: { database_error: code } }]);
      const world = fakeGoogleAds([{ rows: [budgetRow('CUSTOM_PERIOD', 75_000_000_000)] }], [{ error: failure }]);
      return failureOf(new GoogleAdsPlatform({ credentials, hooks: world.hooks }).setBudgetAmount(ref, 60_000_000_000));
    };
    const constraint = await databaseFailure(errors.DatabaseErrorEnum.DatabaseError.DATA_CONSTRAINT_VIOLATION);
    expect(constraint).toMatchObject({ type: ADS_TRANSIENT_ERROR, nonRetryable: false });
    const tooLarge = await databaseFailure(errors.DatabaseErrorEnum.DatabaseError.REQUEST_TOO_LARGE);
    expect(tooLarge).toMatchObject({ type: ADS_VALIDATION_ERROR, nonRetryable: true });
  });

  // campaign_budget_error.proto BUDGET_BELOW_PER_DAY_MINIMUM: "See the error's details.budget_per_day_minimum_error_details".
  it("surfaces BUDGET_BELOW_PER_DAY_MINIMUM with Google's minimum total in the failure details (gRPC form)", async () => {
    const below = googleAdsFailure([
      {
        error_code: {
          campaign_budget_error: errors.CampaignBudgetErrorEnum.CampaignBudgetError.BUDGET_BELOW_PER_DAY_MINIMUM,
        },
        message: "Budget amount or total amount must be above this campaign's per-day minimum.",
        details: {
          budget_per_day_minimum_error_details: {
            currency_code: 'USD',
            budget_per_day_minimum_micros: 5_000_000,
            minimum_budget_total_amount_micros: 50_000_000,
            failed_budget_total_amount_micros: 20_000_000,
          },
        },
      },
    ]);
    const fake = fakeGoogleAds([{ rows: [budgetRow('CUSTOM_PERIOD', 75_000_000_000)] }], [{ error: below }]);
    const failure = await failureOf(
      new GoogleAdsPlatform({ credentials, hooks: fake.hooks }).setBudgetAmount(ref, 20_000_000),
    );
    expect(failure.type).toBe(ADS_BUDGET_BELOW_MINIMUM);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(
      "budget below Google's per-day minimum (the minimum total is 50000000 micros USD)",
    );
    expect(failure.details).toEqual([
      {
        minimumBudgetTotalAmountMicros: 50_000_000,
        budgetPerDayMinimumMicros: 5_000_000,
        failedBudgetTotalAmountMicros: 20_000_000,
        currencyCode: 'USD',
      },
    ]);
  });

  it('reads the REST form of BUDGET_BELOW_PER_DAY_MINIMUM (enum name, int64 strings) and a missing minimum', async () => {
    const rest = {
      errors: [
        {
          error_code: { campaign_budget_error: 'BUDGET_BELOW_PER_DAY_MINIMUM' },
          details: {
            budget_per_day_minimum_error_details: {
              currency_code: 'JPY',
              minimum_budget_total_amount_micros: '3000000000',
            },
          },
        },
      ],
    };
    const bare = { errors: [{ error_code: { campaign_budget_error: 'BUDGET_BELOW_PER_DAY_MINIMUM' } }] };
    const fake = fakeGoogleAds(
      [{ rows: [budgetRow('CUSTOM_PERIOD', 75_000_000_000)] }, { rows: [budgetRow('CUSTOM_PERIOD', 75_000_000_000)] }],
      [{ error: rest }, { error: bare }],
    );
    const ads = new GoogleAdsPlatform({ credentials, hooks: fake.hooks });
    const withMinimum = await failureOf(ads.setBudgetAmount(ref, 1_000_000_000));
    expect(withMinimum.details?.[0]).toMatchObject({
      minimumBudgetTotalAmountMicros: 3_000_000_000,
      currencyCode: 'JPY',
    });
    const without = await failureOf(ads.setBudgetAmount(ref, 1_000_000_000));
    expect(without.type).toBe(ADS_BUDGET_BELOW_MINIMUM);
    expect(without.message).toContain('Google did not say the minimum');
    expect(without.details?.[0]).toMatchObject({ minimumBudgetTotalAmountMicros: null });
  });

  it('makes authentication and authorization failures non-retryable', async () => {
    const auth = googleAdsFailure([
      {
        error_code: { authorization_error: errors.AuthorizationErrorEnum.AuthorizationError.USER_PERMISSION_DENIED },
        message: "User doesn't have permission to access customer.",
      },
    ]);
    const failure = await failureOf(
      new GoogleAdsPlatform({ credentials, hooks: fakeGoogleAds([{ error: auth }]).hooks }).getBudget(ref),
    );
    expect(failure.type).toBe(ADS_AUTH_ERROR);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('authorization_error.USER_PERMISSION_DENIED');
  });

  it('treats an expired or revoked refresh token (OAuth invalid_grant) as an auth error', async () => {
    const oauth = Object.assign(new Error('invalid_grant'), {
      response: {
        status: 400,
        data: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
      },
    });
    const failure = await failureOf(
      new GoogleAdsPlatform({ credentials, hooks: fakeGoogleAds([{ error: oauth }]).hooks }).getDailyMetrics(
        ref,
        '2026-02-01',
        '2026-02-02',
      ),
    );
    expect(failure.type).toBe(ADS_AUTH_ERROR);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('GOOGLE_ADS_REFRESH_TOKEN');
  });

  it('makes request validation failures on a mutation non-retryable and names the problem', async () => {
    const invalid = googleAdsFailure([
      {
        error_code: {
          campaign_budget_error:
            errors.CampaignBudgetErrorEnum.CampaignBudgetError.NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT,
        },
        message: 'The budget amount must be a multiple of the minimum currency unit.',
      },
    ]);
    const fake = fakeGoogleAds([{ rows: [budgetRow('CUSTOM_PERIOD', 75_000_000_000)] }], [{ error: invalid }]);
    const failure = await failureOf(
      new GoogleAdsPlatform({ credentials, hooks: fake.hooks }).setBudgetAmount(ref, 1_234_567),
    );
    expect(failure.type).toBe(ADS_VALIDATION_ERROR);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('setBudgetAmount');
    expect(failure.message).toContain('campaign_budget_error.NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT');
  });

  it('keeps transient network errors retryable', async () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const failure = await failureOf(
      new GoogleAdsPlatform({ credentials, hooks: fakeGoogleAds([{ error: reset }]).hooks }).getBudget(ref),
    );
    expect(failure.type).toBe(ADS_TRANSIENT_ERROR);
    expect(failure.nonRetryable).toBe(false);
  });

  it('names the missing field of a malformed budget response', async () => {
    const row = budgetRow('CUSTOM_PERIOD', 1);
    delete (row.campaign_budget as Record<string, unknown>).total_amount_micros;
    const failure = await failureOf(
      new GoogleAdsPlatform({ credentials, hooks: fakeGoogleAds([{ rows: [row] }]).hooks }).getBudget(ref),
    );
    expect(failure.type).toBe(ADS_MALFORMED_RESPONSE);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toBe('Google Ads response: campaign_budget.total_amount_micros: expected number (row 0)');
  });

  it('names wrongly typed metric fields and unexpected enum values', async () => {
    const metrics = fakeGoogleAds([{ rows: [{ segments: { date: '2026-02-02' }, metrics: { clicks: 'many' } }] }]);
    const badMetric = await failureOf(
      new GoogleAdsPlatform({ credentials, hooks: metrics.hooks }).getDailyMetrics(ref, '2026-02-01', '2026-02-02'),
    );
    expect(badMetric.message).toBe('Google Ads response: metrics.clicks: expected number (row 0)');
    const unknown = fakeGoogleAds([{ rows: [budgetRow('CUSTOM_PERIOD', 1, 1)] }]);
    const badStatus = await failureOf(new GoogleAdsPlatform({ credentials, hooks: unknown.hooks }).getBudget(ref));
    expect(badStatus.message).toContain('campaign.status: expected one of ENABLED, PAUSED, REMOVED, got UNKNOWN');
  });
});

describe('Google Ads operations against the daily limit', () => {
  it('counts what the library sends as the Rate Sheet does: a query one, a mutate one per item, failures too', async () => {
    let now = Date.parse('2026-03-02T10:00:00Z');
    const operations = new AdsOperationCounter(15_000, () => now);
    const fake = fakeGoogleAds(
      [
        { rows: [budgetRow('CUSTOM_PERIOD', 75_000_000_000)] },
        { rows: [budgetRow('CUSTOM_PERIOD', 75_000_000_000)] },
        { rows: [budgetRow('CUSTOM_PERIOD', 52_500_000_000)] },
        { error: new Error('socket hang up') },
      ],
      [{ response: { results: [{ resource_name: budgetName }] } }],
    );
    const ads = new GoogleAdsPlatform({ credentials, hooks: fake.hooks, operations });
    await ads.getBudget(ref);
    await ads.setBudgetAmount(ref, 52_500_000_000); // read, then one mutated item
    await ads.setBudgetAmount(ref, 52_500_000_000); // read only: already there
    await expect(ads.getBudget(ref)).rejects.toThrow();
    expect(fake.queries.length + fake.mutations.length).toBe(5);
    expect(ads.operationUsage()).toEqual({ used: 5, limit: 15_000 });
    // A sliding 24 hours: the first minute's requests leave the window a day later.
    now += 24 * 60 * 60_000 - 60_000;
    expect(ads.operationUsage().used).toBe(5);
    now += 60_000;
    expect(ads.operationUsage().used).toBe(0);
  });

  it("reads the token's limit from GOOGLE_ADS_DAILY_OPERATION_LIMIT (Basic access by default)", () => {
    expect(loadAdsOperationLimit({})).toBe(15_000);
    expect(loadAdsOperationLimit({ GOOGLE_ADS_DAILY_OPERATION_LIMIT: 'unlimited' })).toBeNull();
    expect(loadAdsOperationLimit({ GOOGLE_ADS_DAILY_OPERATION_LIMIT: '2880' })).toBe(2880);
    for (const bad of ['0', '-1', '1.5', 'lots', '1e400'])
      expect(() => loadAdsOperationLimit({ GOOGLE_ADS_DAILY_OPERATION_LIMIT: bad })).toThrow(
        /GOOGLE_ADS_DAILY_OPERATION_LIMIT: expected a whole number of operations or "unlimited"/,
      );
  });
});

describe('loadAdsCredentials', () => {
  const env = {
    GOOGLE_ADS_CLIENT_ID: 'cid',
    GOOGLE_ADS_CLIENT_SECRET: 'secret',
    GOOGLE_ADS_DEVELOPER_TOKEN: 'dev',
    GOOGLE_ADS_REFRESH_TOKEN: 'refresh',
    GOOGLE_ADS_LOGIN_CUSTOMER_ID: '9876543210',
  };

  it('reads the GOOGLE_ADS_* variables', () => {
    expect(loadAdsCredentials(env)).toEqual({ ...credentials, loginCustomerId: '9876543210' });
  });

  it('names every missing variable', () => {
    expect(() => loadAdsCredentials({ GOOGLE_ADS_CLIENT_ID: 'cid', GOOGLE_ADS_DEVELOPER_TOKEN: 'dev' })).toThrow(
      /GOOGLE_ADS_CLIENT_SECRET is not set; GOOGLE_ADS_REFRESH_TOKEN is not set/,
    );
    expect(() => loadAdsCredentials({ ...env, GOOGLE_ADS_LOGIN_CUSTOMER_ID: '987-654-3210' })).toThrow(
      /GOOGLE_ADS_LOGIN_CUSTOMER_ID must be digits only/,
    );
  });

  it('reads a JSON credentials file and names its bad fields', () => {
    const files: Record<string, string> = {
      '/secrets/ok.json': JSON.stringify(credentials),
      '/secrets/bad.json': JSON.stringify({ ...credentials, refreshToken: '' }),
    };
    const readFile = (path: string) => files[path];
    expect(loadAdsCredentials({ GOOGLE_ADS_CREDENTIALS_FILE: '/secrets/ok.json' }, readFile)).toEqual(credentials);
    expect(() => loadAdsCredentials({ GOOGLE_ADS_CREDENTIALS_FILE: '/secrets/bad.json' }, readFile)).toThrow(
      'GOOGLE_ADS_CREDENTIALS_FILE (/secrets/bad.json): refreshToken: must be a non-empty string',
    );
  });

  it('turns dry run on from GOOGLE_ADS_VALIDATE_ONLY or ads.dryRun', () => {
    expect(loadAdsValidateOnly({})).toBe(false);
    expect(loadAdsValidateOnly({ GOOGLE_ADS_VALIDATE_ONLY: 'true' })).toBe(true);
    expect(loadAdsValidateOnly({}, true)).toBe(true);
    expect(() => loadAdsValidateOnly({ GOOGLE_ADS_VALIDATE_ONLY: 'yes' })).toThrow(/GOOGLE_ADS_VALIDATE_ONLY/);
  });
});
