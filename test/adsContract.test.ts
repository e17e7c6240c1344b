// Contract tests for GoogleAdsPlatform through the real google-ads-api library. The library's own
// Customer hooks observe each request (GAQL, mutate operations, validate_only) and short-circuit it with
// a scripted response or error, so nothing reaches the network; a socket guard fails any test that tries.
import net from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { errors, type Hooks } from 'google-ads-api';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import {
  ADS_AUTH_ERROR,
  ADS_MALFORMED_RESPONSE,
  ADS_QUOTA_EXCEEDED,
  ADS_TRANSIENT_ERROR,
  ADS_VALIDATION_ERROR,
} from '../activities/ads/adsErrors';
import { loadAdsCredentials, loadAdsValidateOnly } from '../activities/ads/adsCredentials';
import { GoogleAdsPlatform } from '../activities/ads/googleAdsPlatform';

const ref = { customerId: '1234567890', campaignId: '555' };
const budgetName = 'customers/1234567890/campaignBudgets/777';
const campaignName = 'customers/1234567890/campaigns/555';
const credentials = { clientId: 'cid', clientSecret: 'secret', developerToken: 'dev', refreshToken: 'refresh' };

type Scripted = { rows: unknown } | { error: unknown };
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
    onQueryStart: ({ query, cancel }) => {
      queries.push(query);
      const next = queryScript.shift();
      if (!next) throw new Error(`unscripted query: ${query}`);
      if ('error' in next) throw next.error;
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
    campaign: { resource_name: campaignName, status },
    campaign_budget: {
      resource_name: budgetName,
      // What the library yields after parsing REST: enums as numbers, int64 as numbers.
      period: period === 'CUSTOM_PERIOD' ? 5 : 2,
      ...(period === 'CUSTOM_PERIOD' ? { total_amount_micros: amount } : { amount_micros: amount }),
    },
  };
}

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
    });
    expect(fake.queries).toEqual([
      'SELECT campaign.status, campaign_budget.resource_name, campaign_budget.period, campaign_budget.total_amount_micros, campaign_budget.amount_micros FROM campaign WHERE campaign.id = 555',
    ]);
  });

  it('reads a DAILY budget from amount_micros, accepting enum names and int64 strings', async () => {
    const fake = fakeGoogleAds([
      {
        rows: [
          {
            campaign: { status: 'PAUSED' },
            campaign_budget: { resource_name: budgetName, period: 'DAILY', amount_micros: '250000000' },
          },
        ],
      },
    ]);
    const ads = new GoogleAdsPlatform({ credentials, hooks: fake.hooks });
    expect(await ads.getBudget(ref)).toEqual({
      budgetResourceName: budgetName,
      period: 'DAILY',
      amountMicros: 250_000_000,
      status: 'PAUSED',
    });
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

  it('updates amount_micros of a DAILY budget', async () => {
    const fake = fakeGoogleAds(
      [{ rows: [budgetRow('DAILY', 100_000_000)] }],
      [{ response: { results: [{ resource_name: budgetName }] } }],
    );
    await new GoogleAdsPlatform({ credentials, hooks: fake.hooks }).setBudgetAmount(ref, 70_000_000);
    expect(fake.mutations[0].request.operations[0].update).toEqual({
      resource_name: budgetName,
      amount_micros: 70_000_000,
    });
    expect(fake.mutations[0].request.operations[0].update_mask.paths).toEqual(['resource_name', 'amount_micros']);
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
    const removed = fakeGoogleAds([{ rows: [budgetRow('CUSTOM_PERIOD', 1, 4)] }]);
    const badStatus = await failureOf(new GoogleAdsPlatform({ credentials, hooks: removed.hooks }).getBudget(ref));
    expect(badStatus.message).toContain('campaign.status: expected one of ENABLED, PAUSED, got REMOVED');
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
