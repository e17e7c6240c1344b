// Offline click conversions (issue 10 §4): the request Google documents, sent through google-ads-api's own hooks;
// the partial-failure response read per conversion; the sandbox answering as Google does; and the upload that
// rides on the velocity check, idempotent through the ledger.
import { errors, type Hooks } from 'google-ads-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoogleAdsPlatform } from '../activities/ads/googleAdsPlatform';
import { SandboxAdsPlatform } from '../activities/ads/sandboxAdsPlatform';
import { uploadConversions } from '../activities/conversionUploads';
import { PgLedger } from '../activities/ledger/pgLedger';
import type { AdsPlatform, ClickConversionUpload, CrmConversion } from '../activities/ports';
import type { CampaignConfig } from '../sla/config';
import { seedConfig } from './support/leadBook';
import { createTestDatabase, type TestDatabase } from './support/postgres';

const customerId = '1234567890';
const action = `customers/${customerId}/conversionActions/42`;
const credentials = { clientId: 'cid', clientSecret: 'secret', developerToken: 'dev', refreshToken: 'refresh' };
const { ConversionUploadError } = errors.ConversionUploadErrorEnum;

const upload = (orderId: string, extra: Partial<ClickConversionUpload> = {}): ClickConversionUpload => ({
  orderId,
  clickId: { kind: 'gclid', value: `Cj0KCQ${orderId}` },
  conversionAction: action,
  at: '2026-03-05T04:59:59Z',
  value: 120,
  currencyCode: 'USD',
  adUserData: 'GRANTED',
  ...extra,
});

/** conversion_upload_service.proto: a failed row's result is empty; a GoogleAdsFailure names conversions[i]. */
function partialFailure(failed: { index: number; code: number }[]) {
  const failure = errors.GoogleAdsFailure.encode(
    errors.GoogleAdsFailure.create({
      errors: failed.map((f) => ({
        error_code: { conversion_upload_error: f.code },
        message: `error ${f.code}`,
        location: { field_path_elements: [{ field_name: 'conversions', index: f.index }] },
      })),
    }),
  ).finish();
  return {
    partial_failure_error: {
      code: 3,
      message: 'partial failure',
      details: [{ type_url: 'type.googleapis.com/google.ads.googleads.v24.errors.GoogleAdsFailure', value: failure }],
    },
    results: [],
  };
}

function scriptedGoogle(response: unknown) {
  const requests: Record<string, unknown>[] = [];
  const hooks: Hooks = {
    onServiceStart: ({ method, requestOptions, cancel }) => {
      if (method !== 'ConversionUploadService.UploadClickConversions') throw new Error(`unexpected ${method}`);
      requests.push(JSON.parse(JSON.stringify(requestOptions)));
      cancel(response);
    },
  };
  return { requests, platform: (validateOnly = false) => new GoogleAdsPlatform({ credentials, hooks, validateOnly }) };
}

describe('GoogleAdsPlatform.uploadClickConversions (through the library hooks)', () => {
  it('sends partial_failure, the order ID, one click ID, the consent and the documented date format', async () => {
    const google = scriptedGoogle({ results: [{}, {}] });
    const outcomes = await google
      .platform()
      .uploadClickConversions(customerId, [
        upload('00Q1'),
        upload('00Q2', { clickId: { kind: 'wbraid', value: 'wb-123456' } }),
      ]);
    expect(outcomes).toEqual([
      { orderId: '00Q1', status: 'uploaded' },
      { orderId: '00Q2', status: 'uploaded' },
    ]);
    const [request] = google.requests;
    // UploadClickConversionsRequest: partial_failure "should always be set to true".
    expect(request).toMatchObject({ customer_id: customerId, partial_failure: true, validate_only: false });
    const [first, second] = request.conversions as Record<string, unknown>[];
    expect(first).toEqual({
      gclid: 'Cj0KCQ00Q1',
      conversion_action: action,
      // ClickConversion.conversion_date_time: "yyyy-mm-dd hh:mm:ss+|-hh:mm".
      conversion_date_time: '2026-03-05 04:59:59+00:00',
      conversion_value: 120,
      currency_code: 'USD',
      order_id: '00Q1',
      consent: { ad_user_data: 'GRANTED' }, // ConsentStatus, as the message serializes
    });
    expect(second).toMatchObject({ wbraid: 'wb-123456' });
    expect(second).not.toHaveProperty('gclid');
  });

  it('reads each row of a partial failure: already there, rejected, or worth another try', async () => {
    const google = scriptedGoogle(
      partialFailure([
        { index: 1, code: ConversionUploadError.ORDER_ID_ALREADY_IN_USE },
        { index: 2, code: ConversionUploadError.UNPARSEABLE_GCLID },
        { index: 3, code: ConversionUploadError.TOO_RECENT_EVENT },
      ]),
    );
    const outcomes = await google.platform().uploadClickConversions(
      customerId,
      ['A1', 'A2', 'A3', 'A4'].map((id) => upload(id)),
    );
    expect(outcomes).toEqual([
      { orderId: 'A1', status: 'uploaded' },
      { orderId: 'A2', status: 'already-uploaded' },
      { orderId: 'A3', status: 'rejected', error: 'UNPARSEABLE_GCLID: error 3' },
      { orderId: 'A4', status: 'failed', error: 'TOO_RECENT_EVENT: error 44' },
    ]);
  });

  it('a dry run is sent with validate_only; more than 2,000 conversions is never sent', async () => {
    const google = scriptedGoogle({ results: [] });
    await google.platform(true).uploadClickConversions(customerId, [upload('V1')]);
    expect(google.requests[0]).toMatchObject({ validate_only: true });
    const many = Array.from({ length: 2001 }, (_, i) => upload(`M${i}`));
    await expect(google.platform().uploadClickConversions(customerId, many)).rejects.toThrow('at most 2000');
    expect(google.requests).toHaveLength(1);
  });
});

describe('SandboxAdsPlatform.uploadClickConversions (answers as Google does)', () => {
  const sandbox = () =>
    new SandboxAdsPlatform({
      ref: { customerId, campaignId: '555' },
      budgetMicros: 75_000_000_000,
      windowStart: '2026-03-01',
      windowEnd: '2026-03-10',
      seed: 7,
      now: () => new Date('2026-03-05T12:00:00Z'),
    });

  it('records each order ID once, refuses repeats in a request and click IDs it cannot decode', async () => {
    const ads = sandbox();
    expect(
      await ads.uploadClickConversions(customerId, [
        upload('S1'),
        upload('S1'),
        upload('S2', { clickId: { kind: 'gclid', value: 'bad id!' } }),
      ]),
    ).toEqual([
      { orderId: 'S1', status: 'uploaded' },
      { orderId: 'S1', status: 'rejected', error: 'DUPLICATE_ORDER_ID: order ID repeated in the request' },
      { orderId: 'S2', status: 'rejected', error: 'UNPARSEABLE_GCLID: the click ID cannot be decoded' },
    ]);
    expect(await ads.uploadClickConversions(customerId, [upload('S1')])).toEqual([
      { orderId: 'S1', status: 'already-uploaded' },
    ]);
    expect(ads.uploadedConversions().map((c) => [c.orderId, c.value])).toEqual([['S1', 120]]);
    await expect(ads.uploadClickConversions('999', [upload('S3')])).rejects.toThrow('unknown customer 999');
  });
});

describe('uploadConversions (the velocity check’s upload, through the ledger)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const config = (): CampaignConfig => {
    const c = seedConfig();
    return {
      ...c,
      ads: {
        ...c.ads,
        conversionUpload: {
          conversionAction: action,
          value: { converted: 40, opportunity: 150 },
          adUserDataConsent: 'GRANTED',
        },
      },
    };
  };
  const converted = (leadId: string, extra: Partial<CrmConversion> = {}): CrmConversion => ({
    leadId,
    convertedDate: '2026-03-04',
    opportunityId: null,
    clickId: { kind: 'gclid', value: `Cj0${leadId}` },
    ...extra,
  });

  it('uploads each converted lead with a click ID once, valued per stage; retries only what failed', async () => {
    const ledger = new PgLedger(db.pool);
    const sent: ClickConversionUpload[][] = [];
    let failNext = true;
    const ads = {
      async uploadClickConversions(_customer: string, uploads: ClickConversionUpload[]) {
        sent.push(uploads);
        return uploads.map((u) =>
          u.orderId === 'L3' && failNext
            ? { orderId: u.orderId, status: 'failed' as const, error: 'TOO_RECENT_EVENT' }
            : u.orderId === 'L4'
              ? { orderId: u.orderId, status: 'rejected' as const, error: 'CLICK_NOT_FOUND' }
              : { orderId: u.orderId, status: 'uploaded' as const },
        );
      },
    } as unknown as AdsPlatform;
    const conversions = [
      converted('L1'),
      converted('L2', { opportunityId: '006000000000001' }),
      converted('L3'),
      converted('L4'),
      converted('L5', { clickId: undefined }),
    ];
    const run = () =>
      uploadConversions({
        campaignId: 'c-up',
        config: config(),
        ads,
        ledger,
        conversions: async () => conversions,
        currencyCode: 'USD',
        now: new Date('2026-03-05T12:00:00Z'),
      });
    expect(await run()).toEqual({ uploaded: 2, alreadyUploaded: 0, rejected: 1, failed: 1, withoutClickId: 1 });
    expect(sent[0].map((u) => [u.orderId, u.value, u.at])).toEqual([
      ['L1', 40, '2026-03-05T04:59:59Z'], // the end of 4 March in New York
      ['L2', 150, '2026-03-05T04:59:59Z'],
      ['L3', 40, '2026-03-05T04:59:59Z'],
      ['L4', 40, '2026-03-05T04:59:59Z'],
    ]);
    failNext = false;
    // The next check: only the failed one is sent again; the rejected one is final.
    expect(await run()).toEqual({ uploaded: 1, alreadyUploaded: 0, rejected: 0, failed: 0, withoutClickId: 1 });
    expect(sent[1].map((u) => u.orderId)).toEqual(['L3']);
    expect(await run()).toEqual({ uploaded: 0, alreadyUploaded: 0, rejected: 0, failed: 0, withoutClickId: 1 });
    expect(sent).toHaveLength(2); // nothing left to send, no request
    const rows = await db.pool.query<{ lead_id: string; status: string; attempts: number }>(
      `SELECT lead_id, status, attempts FROM conversion_uploads WHERE campaign_id = 'c-up' ORDER BY lead_id`,
    );
    expect(rows.rows).toEqual([
      { lead_id: 'L1', status: 'uploaded', attempts: 1 },
      { lead_id: 'L2', status: 'uploaded', attempts: 1 },
      { lead_id: 'L3', status: 'uploaded', attempts: 2 },
      { lead_id: 'L4', status: 'rejected', attempts: 1 },
    ]);
  });

  it('a conversion date still running is placed at now, never in the future; no contract, no upload', async () => {
    const ledger = new PgLedger(db.pool);
    const sent: ClickConversionUpload[] = [];
    const ads = {
      async uploadClickConversions(_c: string, uploads: ClickConversionUpload[]) {
        sent.push(...uploads);
        return uploads.map((u) => ({ orderId: u.orderId, status: 'uploaded' as const }));
      },
    } as unknown as AdsPlatform;
    const now = new Date('2026-03-05T12:00:00Z');
    const base = { campaignId: 'c-now', ads, ledger, currencyCode: 'USD', now };
    await uploadConversions({
      ...base,
      config: config(),
      conversions: async () => [converted('N1', { convertedDate: '2026-03-05' })],
    });
    expect(sent[0].at).toBe('2026-03-05T12:00:00Z');
    expect(
      await uploadConversions({ ...base, config: seedConfig(), conversions: async () => [converted('N2')] }),
    ).toBeNull();
  });
});
