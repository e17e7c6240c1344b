// What goes wrong, and when: worker kill -9s at random moments (the campaign worker and the integrations
// worker in turn, run as two processes as docker-compose.yml runs them), Temporal server restarts (SIGTERM and
// kill -9), 20% API faults on the sandbox Ads and CRM and on the alert webhook, a Postgres outage and a
// CRM outage. Times are milliseconds from the start of the feed; the fault plan pins them to wall-clock
// time so every (re)started worker sees the same windows.
import { SeededRandom } from '../../activities/sandbox/seededRandom';
import type { FaultTarget } from '../../activities/faults/faultPlan';

export type Mode = 'quick' | 'full';

type DisruptionKind = 'worker kill -9' | 'server restart (SIGTERM)' | 'server restart (kill -9)';

export type WorkerRoleName = 'campaign' | 'integrations';

interface Disruption {
  kind: DisruptionKind;
  atMs: number;
  /** Which worker process a kill -9 hits. */
  role?: WorkerRoleName;
}

/** Kills hit the campaign worker and the integrations worker in turn, the campaign worker first. */
const inTurn = (atMs: number, i: number): Disruption => ({
  kind: 'worker kill -9',
  atMs,
  role: i % 2 === 0 ? 'campaign' : 'integrations',
});

interface Outage {
  name: string;
  target: FaultTarget;
  fromMs: number;
  toMs: number;
  /** Printed with the results: how the outage is simulated. */
  note?: string;
}

export interface Scenario {
  mode: Mode;
  leads: number;
  feedMs: number;
  disruptions: Disruption[];
  outages: Outage[];
  /** Per-call fault shares on the outside APIs (sandbox Ads, sandbox CRM, webhook). */
  apiFaults: {
    rateLimited: number;
    serverError: number;
    timeout: number;
    timeoutMs: number;
    retryAfterSeconds: number;
  };
  /** After the feed and the last escalation step: how long the healed system gets to converge. */
  settleMs: number;
}

/** 20% of calls fail: 8% rate limited (Retry-After 2 s), 10% 5xx, 2% hang 3 s and time out. */
const API_FAULTS = { rateLimited: 0.08, serverError: 0.1, timeout: 0.02, timeoutMs: 3_000, retryAfterSeconds: 2 };

/** `count` moments in [from, to), at least `spacing` apart and outside `avoid` windows. */
function randomMoments(
  random: SeededRandom,
  count: number,
  from: number,
  to: number,
  spacing: number,
  avoid: [number, number][],
): number[] {
  const moments: number[] = [];
  for (let tries = 0; moments.length < count && tries < 10_000; tries++) {
    const at = Math.round(from + random.next() * (to - from));
    if (moments.some((m) => Math.abs(m - at) < spacing)) continue;
    if (avoid.some(([a, b]) => at >= a - spacing && at <= b + spacing)) continue;
    moments.push(at);
  }
  if (moments.length < count) throw new Error(`chaos: could not place ${count} disruptions in the timeline`);
  return moments.sort((a, b) => a - b);
}

export function scenarioFor(mode: Mode, seed: string): Scenario {
  const random = new SeededRandom(`${seed}:scenario`);
  if (mode === 'quick') {
    const feedMs = 100_000;
    return {
      mode,
      leads: 200,
      feedMs,
      disruptions: randomMoments(random, 2, 20_000, feedMs, 25_000, []).map(inTurn),
      outages: [{ name: 'CRM outage 20 s', target: 'crm', fromMs: 45_000, toMs: 65_000 }],
      apiFaults: API_FAULTS,
      settleMs: 120_000,
    };
  }
  const feedMs = 480_000;
  const serverRestarts: Disruption[] = [
    { kind: 'server restart (SIGTERM)', atMs: 140_000 },
    { kind: 'server restart (kill -9)', atMs: 320_000 },
  ];
  const kills = randomMoments(
    random,
    10,
    20_000,
    feedMs + 20_000,
    25_000,
    serverRestarts.map((r) => [r.atMs, r.atMs + 15_000]),
  ).map(inTurn);
  return {
    mode,
    leads: 1000,
    feedMs,
    disruptions: [...serverRestarts, ...kills].sort((a, b) => a.atMs - b.atMs),
    outages: [
      {
        name: 'Postgres outage 60 s',
        target: 'ledger',
        fromMs: 190_000,
        toMs: 250_000,
        note: 'simulated: every ledger write fails (injected) for 60 s; the shared system Postgres cannot be stopped safely',
      },
      { name: 'CRM outage 120 s', target: 'crm', fromMs: 360_000, toMs: 480_000 },
    ],
    apiFaults: API_FAULTS,
    settleMs: 240_000,
  };
}

/** CAMPAIGN_SLA_FAULTS for the workers of a run whose feed started at `t0` (epoch ms). */
export function faultPlanJson(scenario: Scenario, t0: number, seed: string): string {
  const plan: Record<string, unknown> = { seed, startedAt: t0 };
  for (const target of ['ads', 'crm', 'webhook', 'ledger'] as const) {
    const rates = target === 'ledger' ? {} : scenario.apiFaults;
    const outages = scenario.outages.filter((o) => o.target === target).map(({ fromMs, toMs }) => ({ fromMs, toMs }));
    plan[target] = { ...rates, outages };
  }
  return JSON.stringify(plan);
}

/** The SDK query race canary (scripts/chaos/sdkQueryRace.ts): its own dev server, about 7 minutes. */
export const SDK_QUERY_RACE = { restarts: 25, steadyMs: 60_000, queriesPerBurst: 8 };
