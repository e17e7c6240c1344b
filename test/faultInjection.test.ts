// Fault injection: deterministic per seed, rates honoured, outage windows by elapsed time, Retry-After
// on injected 429s, sync methods untouched, malformed plans refused with one clear line.
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { faultPlanFromEnv, faultPlanSchema } from '../activities/faults/faultPlan';
import { FaultInjector, faultyFetch, INJECTED_FAULT, withFaults } from '../activities/faults/faultInjector';

const faults = (overrides: object) => faultPlanSchema.parse({ crm: overrides }).crm!;

describe('fault injection', () => {
  it('injects each kind at its rate, deterministically for a seed', async () => {
    const run = async () => {
      const injector = new FaultInjector('crm', faults({ rateLimited: 0.2, serverError: 0.1 }), 'seed-1');
      const outcomes: string[] = [];
      for (let i = 0; i < 2000; i++) {
        outcomes.push(
          await injector.before('fetchNewLeads').then(
            () => 'ok',
            (err: ApplicationFailure) => (err.details?.[0] as { kind: string }).kind,
          ),
        );
      }
      return outcomes;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    const share = (kind: string) => first.filter((o) => o === kind).length / first.length;
    expect(share('rate-limited')).toBeGreaterThan(0.17);
    expect(share('rate-limited')).toBeLessThan(0.23);
    expect(share('server-error')).toBeGreaterThan(0.08);
    expect(share('server-error')).toBeLessThan(0.12);
  });

  it('fails every call inside an outage window and none outside it', async () => {
    let now = 1_000;
    const injector = new FaultInjector('ads', faults({ outages: [{ fromMs: 100, toMs: 200 }] }), 1, 1_000, () => now);
    await expect(injector.before('getBudget')).resolves.toBeUndefined();
    now = 1_150;
    await expect(injector.before('getBudget')).rejects.toMatchObject({ type: INJECTED_FAULT });
    now = 1_200;
    await expect(injector.before('getBudget')).resolves.toBeUndefined();
    expect(injector.counters).toEqual({
      calls: 3,
      injected: { outage: 1, 'rate-limited': 0, 'server-error': 0, timeout: 0 },
    });
  });

  it('wraps only the listed async methods of a port', async () => {
    const port = { apiUsage: () => 7, fetch: async () => 'data' };
    const injector = new FaultInjector('crm', faults({ serverError: 1 }), 1);
    const wrapped = withFaults(port, injector, ['fetch']);
    expect(wrapped.apiUsage()).toBe(7);
    await expect(wrapped.fetch()).rejects.toThrow('crm answered 503 (injected) during fetch');
  });

  it('answers webhook POSTs with 429 + Retry-After or 503 the way Slack does', async () => {
    const ok = async () => new Response('ok');
    const limited = faultyFetch(new FaultInjector('webhook', faults({ rateLimited: 1, retryAfterSeconds: 9 }), 1), ok);
    const response = await limited('http://hook', { method: 'POST' });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('9');
    const down = faultyFetch(new FaultInjector('webhook', faults({ serverError: 1 }), 1), ok);
    expect((await down('http://hook', { method: 'POST' })).status).toBe(503);
  });

  it('refuses a malformed plan with one line naming the field', () => {
    expect(faultPlanFromEnv({})).toBeUndefined();
    expect(() => faultPlanFromEnv({ CAMPAIGN_SLA_FAULTS: '{"crm":{"serverError":2}}' })).toThrow(
      /^CAMPAIGN_SLA_FAULTS: crm\.serverError: /,
    );
    expect(() => faultPlanFromEnv({ CAMPAIGN_SLA_FAULTS: '{nope' })).toThrow(/^CAMPAIGN_SLA_FAULTS is not JSON/);
  });
});
