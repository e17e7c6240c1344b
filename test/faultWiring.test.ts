// Fault wiring: with a plan and sandbox adapters, the Ads and CRM ports, the ledger's writes and the
// webhook fetch fail as planned while reads and sync calls pass; real adapters are never wrapped.
import type pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { faultPlanSchema } from '../activities/faults/faultPlan';
import { INJECTED_FAULT } from '../activities/faults/faultInjector';
import { PgLedger } from '../activities/ledger/pgLedger';
import { parseCampaignConfig } from '../sla/config';
import { composeCampaignSla } from '../runtime/compositionRoot';
import { wireFaults } from '../runtime/faultWiring';
import { createPortResolver } from '../runtime/portResolver';
import { workerSettingsFromEnv } from '../workers/main';
import { seedTermsConfig } from './support/campaignConfig';

const alwaysDown = faultPlanSchema.parse({
  ads: { serverError: 1 },
  crm: { serverError: 1 },
  ledger: { serverError: 1 },
  webhook: { serverError: 1 },
});
const config = parseCampaignConfig(seedTermsConfig({ id: 'fault-wiring' }));
const ref = { customerId: config.campaign.ads.customerId, campaignId: config.campaign.ads.campaignId };
const at = new Date('2026-03-02T15:00:00Z');

/** A pool that records every query and answers with no rows, so nothing needs a database. */
function recordingPool() {
  const queries: string[] = [];
  const pool = {
    query: async (sql: string) => {
      queries.push(sql);
      return { rows: [], rowCount: 0 };
    },
  };
  return { pool: pool as unknown as pg.Pool, queries };
}

describe('fault wiring', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('makes every async call of the sandbox Ads and CRM ports fail, and leaves the simulations themselves alone', async () => {
    const wiring = wireFaults(alwaysDown, 'sandbox')!;
    const ports = createPortResolver('sandbox', { faults: wiring.sandbox }, async () => config);
    const ads = await ports.ads('fault-wiring', config, at);
    const crm = await ports.crm('fault-wiring', at);
    await expect(ads.getBudget(ref)).rejects.toMatchObject({ type: INJECTED_FAULT, message: /ads answered 503/ });
    await expect(ads.setStatus(ref, 'PAUSED')).rejects.toMatchObject({ type: INJECTED_FAULT });
    await expect(crm.setOwner('lead-1', 'rep-1')).rejects.toMatchObject({ message: /crm answered 503.*setOwner/ });
    await expect(crm.fetchNewLeads(config.campaign.crm.campaignId, null)).rejects.toMatchObject({
      type: INJECTED_FAULT,
    });
    // Sync calls and the simulation handles tests use are not wrapped.
    expect(crm.apiUsage()).toEqual({ used: 0, max: expect.any(Number), callsMade: 0 });
    await expect(ports.sandboxAds('fault-wiring').getBudget(ref)).resolves.toMatchObject({ status: 'ENABLED' });
  });

  it('without a plan nothing is wrapped', async () => {
    expect(wireFaults(undefined, 'sandbox')).toBeUndefined();
    expect(wireFaults(undefined, 'real')).toBeUndefined();
    const ports = createPortResolver('sandbox', {}, async () => config);
    await expect((await ports.ads('fault-wiring', config, at)).getBudget(ref)).resolves.toMatchObject({
      status: 'ENABLED',
    });
  });

  it('fails the ledger writes (alert deliveries included) before they reach Postgres; reads pass', async () => {
    const { pool, queries } = recordingPool();
    const ledger = wireFaults(alwaysDown, 'sandbox')!.ledger(new PgLedger(pool));
    const step = {
      campaignId: 'c',
      leadId: 'lead-1',
      clock: 'firstTouch',
      stepIndex: 0,
      step: 'notify-owner',
      at: at.toISOString(),
      outcome: {},
    } as const;
    await expect(ledger.recordEscalationStep(step)).rejects.toMatchObject({ message: /ledger answered 503/ });
    await expect(ledger.leaseAlert('c:lead-1:firstTouch:breach', {}, 1000)).rejects.toMatchObject({
      type: INJECTED_FAULT,
    });
    await expect(ledger.markAlertsDelivered(['k'])).rejects.toMatchObject({ type: INJECTED_FAULT });
    expect(queries).toEqual([]);
    await expect(ledger.openLeadIds('c', 10)).resolves.toEqual([]);
    expect(queries).toHaveLength(1);
  });

  it('fails only the ledger writes a plan names, and refuses a name that is not a write', async () => {
    const { pool, queries } = recordingPool();
    const plan = faultPlanSchema.parse({ ledger: { serverError: 1, writes: ['recordLeadActivity'] } });
    const ledger = wireFaults(plan, 'sandbox')!.ledger(new PgLedger(pool));
    await expect(ledger.recordLeadActivity({ leads: [], events: [] } as never)).rejects.toMatchObject({
      type: INJECTED_FAULT,
    });
    expect(queries).toEqual([]);
    await ledger.markAlertsDelivered(['k']);
    expect(queries).toHaveLength(1);
    for (const writes of [['openLeadIds'], ['constructor'], [], ['__proto__']])
      expect(faultPlanSchema.safeParse({ ledger: { writes } }).success, JSON.stringify(writes)).toBe(false);
    expect(faultPlanSchema.safeParse({ ledger: { writes: ['recordProposal'], nope: 1 } }).success).toBe(false);
  });

  it('keeps an outage window at the wall-clock time the plan pins, whenever the process started', async () => {
    const { pool, queries } = recordingPool();
    const now = Date.now();
    const outageNow = faultPlanSchema.parse({
      startedAt: now - 60_000,
      ledger: { outages: [{ fromMs: 30_000, toMs: 120_000 }] },
    });
    const pastOutage = faultPlanSchema.parse({
      startedAt: now - 60_000,
      ledger: { outages: [{ fromMs: 0, toMs: 30_000 }] },
    });
    await expect(
      wireFaults(outageNow, 'sandbox')!.ledger(new PgLedger(pool)).markAlertsDelivered(['k']),
    ).rejects.toMatchObject({
      message: /ledger is down \(injected outage\)/,
    });
    await expect(
      wireFaults(pastOutage, 'sandbox')!.ledger(new PgLedger(pool)).markAlertsDelivered(['k']),
    ).resolves.toBeUndefined();
    expect(queries).toHaveLength(1);
  });

  it('answers the webhook with the planned failure instead of posting', async () => {
    const fetchImpl = wireFaults(alwaysDown, 'sandbox')!.fetchImpl!;
    expect((await fetchImpl('http://127.0.0.1:9/never-reached', { method: 'POST' })).status).toBe(503);
    expect(wireFaults(faultPlanSchema.parse({ crm: { serverError: 1 } }), 'sandbox')!.fetchImpl).toBeUndefined();
  });

  it('refuses a plan with real adapters, in the composition root before opening anything and in the worker settings', async () => {
    expect(() => wireFaults(alwaysDown, 'real')).toThrow(
      /^CAMPAIGN_SLA_FAULTS is set but adapters are "real": fault injection only wraps the sandbox adapters; unset it$/,
    );
    const composed = composeCampaignSla({
      // Unreachable on purpose: the refusal must come before the pool is opened or anything connects.
      database: { url: 'postgres://nobody@127.0.0.1:1/none' },
      temporal: {} as never,
      adapters: 'real',
      faults: alwaysDown,
    });
    await expect(composed).rejects.toThrow(/^CAMPAIGN_SLA_FAULTS is set but adapters are "real"/);
    // The cluster address is read through env-config, which looks at process.env.
    vi.stubEnv('TEMPORAL_ADDRESS', 'h:7233');
    const env = {
      DATABASE_URL: 'postgres://u@h/db',
      TEMPORAL_ADDRESS: 'h:7233',
      CAMPAIGN_SLA_ADAPTERS: 'real',
      CAMPAIGN_SLA_FAULTS: '{"crm":{"serverError":0.2}}',
    };
    expect(() => workerSettingsFromEnv(env)).toThrow(
      /^worker configuration: CAMPAIGN_SLA_FAULTS is set but CAMPAIGN_SLA_ADAPTERS=real: fault injection never wraps real adapters$/,
    );
    expect(workerSettingsFromEnv({ ...env, CAMPAIGN_SLA_ADAPTERS: 'sandbox' }).faults).toMatchObject({
      crm: { serverError: 0.2, rateLimited: 0 },
    });
    expect(() => workerSettingsFromEnv({ ...env, CAMPAIGN_SLA_ADAPTERS: 'sandbox', CAMPAIGN_SLA_FAULTS: '{' })).toThrow(
      /^worker configuration: CAMPAIGN_SLA_FAULTS is not JSON/,
    );
  });
});
