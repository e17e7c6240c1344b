// The change watermark (activities/crm/leadWatermark.ts) under bursts: more records in one overlap window than one
// read returns, with any number of them sharing a stamp, are each handed out exactly once; watermarks written by
// earlier releases still read.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSalesforce, salesforceDateTime } from './fakes/salesforce/fakeSalesforceServer';
import { salesforceId } from '../activities/crm/salesforceIds';
import { SalesforceCrm } from '../activities/crm/salesforceCrm';
import { advanceWatermark, decodeWatermark, encodeWatermark, readFrom } from '../activities/crm/leadWatermark';

const CAMPAIGN = salesforceId('701', 1);
const REP = salesforceId('005', 1);
const T0 = Date.parse('2026-01-05T09:00:00Z');
let fake: FakeSalesforce | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

// The Lead-field link keeps the fake's query cheap; the watermark code is the same as for CampaignMember.
function crmFor(server: FakeSalesforce, maxFetch?: number): SalesforceCrm {
  return SalesforceCrm.fromEnv(
    {
      ...server.refreshTokenEnv(),
      SALESFORCE_CAMPAIGN_LEAD_FIELD: 'Campaign_Id__c',
    },
    maxFetch === undefined ? {} : { maxFetch },
  );
}

describe('new leads: a list import larger than a read (more than maxFetch + 2,000 in one overlap window)', () => {
  it.each([
    ['stamped in one second', () => 0],
    ['spread over four minutes, inside the 5-minute overlap', (n: number) => Math.floor((n * 240) / 4_500) * 1000],
  ])(
    'hands out every lead of a 4,500-lead import %s, each once',
    async (_, offset) => {
      fake = await FakeSalesforce.start();
      const total = 4_500;
      for (let n = 1; n <= total; n += 1) {
        const stamp = salesforceDateTime(new Date(T0 + offset(n)));
        fake.insert('Lead', { Id: salesforceId('00Q', n), OwnerId: REP, Campaign_Id__c: CAMPAIGN, CreatedDate: stamp });
      }
      const crm = crmFor(fake);
      const delivered: string[] = [];
      let watermark: string | null = null;
      // Before the fix, the watermark stopped moving at 4,000 leads from the third poll on.
      for (let poll = 0; poll < 6; poll += 1) {
        const result = await crm.fetchNewLeads(CAMPAIGN, watermark);
        delivered.push(...result.leads.map((lead) => lead.leadId));
        watermark = result.watermark;
      }
      expect(new Set(delivered).size).toBe(total);
      expect(delivered).toHaveLength(total);
    },
    120_000,
  );

  it('hands out each lead once whatever their stamps, the LIMIT and when they become visible (property)', async () => {
    const overlapSeconds = 300;
    const lead = fc.record({
      // Few distinct seconds: many leads share a stamp.
      second: fc.integer({ min: 0, max: 12 }).map((s) => s * 37),
      // Committed this long after its stamp (inside the overlap, as the overlap assumes).
      lagSeconds: fc.integer({ min: 0, max: overlapSeconds - 1 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(lead, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 12 }),
        async (leads, maxFetch, gaps) => {
          const server = await FakeSalesforce.start();
          try {
            const crm = crmFor(server, maxFetch);
            const delivered: string[] = [];
            let watermark: string | null = null;
            const inserted = new Set<number>();
            let now = 0;
            const poll = async () => {
              leads.forEach((l, i) => {
                if (inserted.has(i) || l.second + l.lagSeconds > now) return;
                inserted.add(i);
                server.insert('Lead', {
                  Id: salesforceId('00Q', i + 1),
                  OwnerId: REP,
                  Campaign_Id__c: CAMPAIGN,
                  CreatedDate: salesforceDateTime(new Date(T0 + l.second * 1000)),
                });
              });
              const result = await crm.fetchNewLeads(CAMPAIGN, watermark);
              delivered.push(...result.leads.map((found) => found.leadId));
              watermark = result.watermark;
            };
            for (const gap of gaps) {
              now += gap;
              await poll();
            }
            // Then on, everything is visible: enough polls to drain it maxFetch at a time.
            now = Math.max(now, ...leads.map((l) => l.second + l.lagSeconds));
            for (let i = 0; i <= Math.ceil(leads.length / maxFetch); i += 1) await poll();
            expect(delivered).toHaveLength(leads.length);
            expect(new Set(delivered).size).toBe(leads.length);
          } finally {
            await server.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);
});

describe('change watermark', () => {
  it('reads a v2 watermark of the previous release as it was meant: same position, same keys, no bound', () => {
    // Workflows carry their watermark across deploys.
    const old = 'v2|2026-01-05T09:00:00.000Z|00Q000000000001,00Q000000000002';
    expect(decodeWatermark(old)).toEqual({
      at: '2026-01-05T09:00:00.000Z',
      seen: ['00Q000000000001', '00Q000000000002'],
    });
    expect(encodeWatermark(decodeWatermark(old))).toBe(old);
    expect(decodeWatermark('v2|2026-01-05T09:00:00.000Z|')).toEqual({ at: '2026-01-05T09:00:00.000Z', seen: [] });
    // v1: the new-lead position "<CreatedDate>|<Lead Id>" of the release before.
    expect(decodeWatermark('2026-01-05T09:00:00.000Z|00Q000000000001')).toEqual({
      at: '2026-01-05T09:00:00.000Z',
      seen: [],
    });
    const v3 = { at: '2026-01-05T09:00:00.000Z', until: '2026-01-05T09:10:00.000Z', seen: ['a', 'b'] };
    expect(encodeWatermark(v3)).toBe('v3|2026-01-05T09:00:00.000Z|2026-01-05T09:10:00.000Z|a,b');
    expect(decodeWatermark(encodeWatermark(v3))).toEqual(v3);
    expect(() => decodeWatermark('v3|2026-01-05T09:00:00.000Z|nope|a')).toThrow(/watermark must look like/);
  });

  it('resumes a v2 watermark without handing out again what it had seen', () => {
    const previous = decodeWatermark('v2|2026-01-05T09:00:00.000Z|k1');
    const rows = [
      { key: 'k1', stamp: '2026-01-05T09:00:00.000Z' },
      { key: 'k2', stamp: '2026-01-05T09:00:00.000Z' },
    ];
    const { fresh, watermark } = advanceWatermark(previous, rows, 300_000, null, '2026-01-05T09:10:00.000Z');
    expect(fresh.map((row) => row.key)).toEqual(['k2']);
    expect(watermark).toEqual({
      at: '2026-01-05T09:00:00.000Z',
      seen: ['k1', 'k2'],
      until: '2026-01-05T09:10:00.000Z',
    });
  });

  it('holds its mark where it began when a read is cut below it, so what it let go of is not read again', () => {
    // The property's counterexample (seed -824393498): the mark stood at 333 s, keys from 33 s on; a read cut at
    // 185 s moved it back to 185, its next read reached back to -115 s, and the lead at 0 s came out twice.
    const overlapMs = 300_000;
    const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
    const previous = { at: at(333), seen: ['L4'] };
    const rows = [
      { key: 'L2', stamp: at(148) },
      { key: 'L1', stamp: at(185) },
    ];
    const { fresh, watermark } = advanceWatermark(previous, rows, overlapMs, at(185));
    expect(fresh.map((row) => row.key)).toEqual(['L2', 'L1']);
    expect(watermark!.at).toBe(at(333));
    expect(readFrom(watermark!, overlapMs)).toBe(at(33));
    expect(new Set(watermark!.seen)).toEqual(new Set(['L2', 'L1', 'L4']));
  });

  it('keeps every key inside the window, however many (none forgotten, none handed out twice)', () => {
    const stamp = '2026-01-05T09:00:00.000Z';
    const rows = Array.from({ length: 5_000 }, (_, i) => ({ key: `k${i}`, stamp }));
    const first = advanceWatermark(null, rows.slice(0, 3_000), 300_000, stamp).watermark!;
    expect(first.seen).toHaveLength(3_000);
    const second = advanceWatermark(first, rows, 300_000, null);
    expect(second.fresh).toHaveLength(2_000);
    expect(second.watermark!.seen).toHaveLength(5_000);
    // A cut read that stopped before some keys it handed out earlier keeps them.
    const cut = advanceWatermark(second.watermark, rows.slice(0, 10), 300_000, stamp);
    expect(cut.watermark!.seen).toHaveLength(5_000);
    // Once past the window, they go.
    const later = { key: 'late', stamp: '2026-01-05T09:06:00.000Z' };
    expect(advanceWatermark(second.watermark, [later], 300_000).watermark!.seen).toEqual(['late']);
    expect(readFrom(first, 300_000)).toBe('2026-01-05T08:55:00.000Z');
  });
});
