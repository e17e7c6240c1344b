// The bench's pieces, and one end-to-end run at tiny sizes on a dev server with the test Postgres.
// Asserts what the figures are made of, never how fast anything is.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from 'commander';
import { benchCampaignConfig, leadBatch, templateOwners } from '../scripts/bench/benchCampaign';
import { measureCarryOverSizes } from '../scripts/bench/carryOverSize';
import { MAX_CARRIED_OPEN_LEADS } from '../workflows/campaignSla/continueAsNew';
import { EscalationStarts } from '../scripts/bench/escalationStarts';
import {
  DEFAULT_OUT_FILE,
  defaultSizes,
  parseBenchOptions,
  quickSizes,
  type BenchSizes,
} from '../scripts/bench/options';
import { benchRows, renderBenchReport } from '../scripts/bench/report';
import { runBench, type BenchResults } from '../scripts/bench/runBench';
import { percentile, perSecond, spreadOf } from '../scripts/bench/stats';
import { createTestDatabase, type TestDatabase } from './support/postgres';

describe('continue-as-new carry-over size', () => {
  it('grows linearly with open leads once packed (deflate looks back 32 KB), so the ceiling read at one size holds at the next', () => {
    const { sizes, ceiling } = measureCarryOverSizes([2_000, 8_000]);
    for (const workload of ['untouched', 'touched', 'randomIdsTouched'] as const) {
      const [small, large] = sizes.map((size) => size[workload].packed / size.openLeads);
      expect(Math.abs(large - small) / small, workload).toBeLessThan(0.1);
    }
    // IDs that share nothing cost more than Salesforce's sequential ones, and both far less than the JSON.
    for (const size of sizes) {
      expect(size.randomIdsTouched.packed).toBeGreaterThan(size.touched.packed);
      expect(size.randomIdsTouched.packed).toBeLessThan(size.randomIdsTouched.json / 2);
    }
    expect(ceiling.randomIdsTouched).toBeLessThan(ceiling.touched);
  });
});

describe('bench options', () => {
  it('defaults to the full sizes and bench/results.json, with the ledger from DATABASE_URL', () => {
    expect(parseBenchOptions([], {})).toEqual({
      sizes: defaultSizes,
      outFile: DEFAULT_OUT_FILE,
      databaseUrl: null,
      productionWorker: true,
    });
    expect(parseBenchOptions(['--skip-production-worker'], {}).productionWorker).toBe(false);
    expect(parseBenchOptions([], { BENCH_SKIP_PRODUCTION_WORKER: '1' }).productionWorker).toBe(false);
    expect(parseBenchOptions([], { DATABASE_URL: 'postgres://db/x' }).databaseUrl).toBe('postgres://db/x');
  });

  it('takes --quick or BENCH_QUICK, and per-size flags over BENCH_* variables', () => {
    expect(parseBenchOptions(['--quick'], {}).sizes).toEqual(quickSizes);
    expect(parseBenchOptions([], { BENCH_QUICK: '1' }).sizes).toEqual(quickSizes);
    const options = parseBenchOptions(['--quick', '--intake-leads', '700', '--poll-sizes', '5, 50'], {
      BENCH_INTAKE_LEADS: '900',
      BENCH_HISTORY_BATCH: '7',
    });
    expect(options.sizes).toMatchObject({
      intakeLeads: 700,
      historyBatch: 7,
      pollSizes: [5, 50],
      intakeBatch: quickSizes.intakeBatch,
    });
  });

  it('names the flag or variable that holds a bad size', () => {
    expect(() => parseBenchOptions(['--intake-batch', '0'], {})).toThrow(
      new InvalidArgumentError('--intake-batch: expected a positive whole number, got "0"'),
    );
    expect(() => parseBenchOptions([], { BENCH_LATENCY_LEADS: '2.5' })).toThrow(
      'BENCH_LATENCY_LEADS: expected a positive whole number, got "2.5"',
    );
    expect(() => parseBenchOptions(['--poll-sizes', '10,x'], {})).toThrow(
      '--poll-sizes: expected a positive whole number, got "x"',
    );
    expect(parseBenchOptions(['--scale-checkpoints', '100,2000'], {}).sizes.scaleCheckpoints).toEqual([100, 2_000]);
    expect(() => parseBenchOptions([], { BENCH_SCALE_CHECKPOINTS: '500,500' })).toThrow(
      'BENCH_SCALE_CHECKPOINTS: expected increasing open-lead counts, got "500,500"',
    );
    expect(() => parseBenchOptions(['--intake-lead', '5'], {})).toThrow("unknown option '--intake-lead'");
  });
});

describe('bench statistics', () => {
  it('takes nearest-rank percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(spreadOf([3, 1, 2])).toEqual({ count: 3, min: 1, p50: 2, p99: 3, max: 3 });
    expect(() => percentile([], 50)).toThrow('no samples');
    expect(perSecond(50, 2000)).toBe(25);
    expect(() => perSecond(1, 0)).toThrow('elapsed time must be positive');
  });
});

describe('bench campaign and escalation starts', () => {
  it('builds a valid campaign from the seed template with the bench tiers and CRM polling off', () => {
    const raw = benchCampaignConfig({
      id: 'bench-x',
      now: Date.parse('2026-11-23T00:00:00Z'),
      tiers: { fast: { firstTouch: '2s', clock: 'wall' } },
      escalation: [],
    });
    expect(raw.campaign).toMatchObject({
      id: 'bench-x',
      crm: { pollEvery: '0s' },
      window: { start: '2026-11-22T00:00:00.000Z' },
    });
    expect(templateOwners(raw).length).toBeGreaterThan(1);
    expect(leadBatch({ prefix: 'T', from: 3, count: 2, tier: 'fast', owners: ['a', 'b'], createdAt: 0 })).toEqual([
      { leadId: 'T-3', tier: 'fast', ownerId: 'b', createdAt: '1970-01-01T00:00:00.000Z' },
      { leadId: 'T-4', tier: 'fast', ownerId: 'a', createdAt: '1970-01-01T00:00:00.000Z' },
    ]);
    expect(() =>
      benchCampaignConfig({
        id: 'bench-y',
        now: 0,
        tiers: { fast: { firstTouch: '0s', clock: 'wall' } },
        escalation: [],
      }),
    ).toThrow('responseSla.tiers.fast.firstTouch: must be longer than 0s');
  });

  it('keeps the first start of step 0 per lead and clock, ignoring later steps and retries', () => {
    let now = 1000;
    const starts = new EscalationStarts(() => now);
    const step = (leadId: string, stepIndex: number) => ({
      type: 'escalation' as const,
      leadId,
      clock: 'firstTouch' as const,
      tier: 't',
      stepIndex,
      step: 'notify-owner' as const,
      ownerId: 'o',
    });
    starts.note({ campaignId: 'c1', steps: [step('L1', 0), step('L2', 1)] });
    now = 2000;
    starts.note({ campaignId: 'c1', steps: [step('L1', 0), step('L2', 0)] });
    starts.note({ campaignId: 'c2', steps: [step('L1', 0)] });
    expect(starts.forCampaign('c1', 'firstTouch')).toEqual(
      new Map([
        ['L1', 1000],
        ['L2', 2000],
      ]),
    );
    expect(starts.forCampaign('c1', 'acceptance').size).toBe(0);
  });
});

describe('bench end to end at tiny sizes', () => {
  let db: TestDatabase;
  let results: BenchResults;
  const sizes: BenchSizes = {
    intakeLeads: 30,
    intakeBatch: 20,
    intakePasses: 2,
    baselineUpdates: 5,
    stateQueries: 2,
    latencyLeads: 6,
    latencyFirstTouchMs: 2_000,
    latencySpreadMs: 500,
    latencyLoadBatch: 20,
    latencyLoadLeads: 2_000,
    latencyOutageMs: 6_000,
    historyLeads: 40,
    historyBatch: 20,
    historyFirstTouchMs: 3_000,
    historyTouchedShare: 0.9,
    pollSizes: [5],
    carryOverSizes: [20, 40],
    scaleCheckpoints: [30],
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    results = await runBench({ sizes, databaseUrl: db.url, productionWorker: true });
  }, 480_000);

  afterAll(async () => {
    await db?.drop();
  });

  /** A figure the run must have produced. */
  function measured<T>(figure: T | null): T {
    if (figure === null) throw new Error(`figure missing; failures: ${JSON.stringify(results.failures)}`);
    return figure;
  }

  it('measures every figure without failures', () => {
    expect(results.failures).toEqual([]);
  });

  it('measures the production worker: its own process, production dependencies only, the prebuilt bundle', () => {
    const worker = measured(results.productionWorker);
    expect(worker.openLeads).toBe(sizes.intakeLeads);
    expect(path.basename(worker.workflowBundle)).toBe('workflow-bundle.js');
    // Three processes measured: the campaign and integrations workers side by side, then one with both.
    for (const process of [worker.campaign, worker.integrations, worker.allInOne]) {
      expect(process.rssAfterMb).toBeGreaterThan(30);
      expect(process.rssIdleMb).toBeGreaterThan(30);
    }
    expect(worker.nodeOptions).toEqual(['--max-semi-space-size=4']);
    expect(Number.isFinite(worker.intakeLeadsPerSec.split) && worker.intakeLeadsPerSec.split > 0).toBe(true);
    const lock = JSON.parse(readFileSync(path.join(__dirname, '..', 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const production = Object.entries(lock.packages).filter(([name, p]) => name.startsWith('node_modules/') && !p.dev);
    expect(worker.installedPackages).toBeLessThanOrEqual(production.length);
  });

  it('reports intake against the no-op baseline measured in the same run', () => {
    const baseline = measured(results.baseline);
    const intake = measured(results.intake);
    expect(baseline.updates).toBe(5);
    expect(baseline.updatesPerSec).toBeGreaterThan(0);
    expect(intake).toMatchObject({ leads: 30, batchSize: 20, batches: 2 });
    expect(intake.leadsPerSecOverBaseline).toBeCloseTo(intake.leadsPerSec / baseline.updatesPerSec, 9);
    expect(intake.batchUpdatesPerSecOverBaseline).toBeCloseTo(intake.batchUpdatesPerSec / baseline.updatesPerSec, 9);
    // The payload-matched baseline took the intake's own lead batches, once before the intake and once after.
    expect(baseline.payloadPassesMs).toHaveLength(2);
    expect(baseline.payloadLeads).toBe(2 * intake.leads);
    expect(baseline.payloadElapsedMs).toBeCloseTo(baseline.payloadPassesMs[0] + baseline.payloadPassesMs[1], 9);
    expect(intake.leadsPerSecOverPayloadBaseline).toBeCloseTo(intake.leadsPerSec / baseline.payloadLeadsPerSec, 9);
    // Two passes, the first the one above against the mean of the raw passes bracketing it; the goal's ratio is
    // all campaign time against all paired raw time, between the passes' own.
    const [first, second] = intake.passes.pairs;
    expect(intake.passes.pairs).toHaveLength(2);
    expect(first).toEqual({ campaignMs: intake.elapsedMs, rawMs: baseline.payloadElapsedMs / 2 });
    expect(second.campaignMs).toBeGreaterThan(0);
    expect(intake.passes.leadsPerSecOverPayloadBaseline).toBeCloseTo(
      (first.rawMs + second.rawMs) / (first.campaignMs + second.campaignMs),
      9,
    );
    expect(intake.passes.lowest).toBeLessThanOrEqual(intake.passes.leadsPerSecOverPayloadBaseline);
    expect(intake.passes.highest).toBeGreaterThanOrEqual(intake.passes.leadsPerSecOverPayloadBaseline);
  });

  it("measures the intake again with only that campaign's ledger activity skipped, and a warm-up pass before it", async () => {
    const { leads, ledgerSkipped, warmUp } = measured(results.intake);
    const baseline = measured(results.baseline);
    for (const pass of [ledgerSkipped, warmUp]) {
      expect(pass.leadsPerSec).toBeCloseTo((leads * 1000) / pass.elapsedMs, 9);
      expect(pass.leadsPerSecOverPayloadBaseline).toBeCloseTo(pass.leadsPerSec / baseline.payloadLeadsPerSec, 9);
    }
    const { rows } = await db.pool.query<{ campaign_id: string; leads: number }>(
      `SELECT c.campaign_id, (SELECT count(*)::int FROM leads l WHERE l.campaign_id = c.campaign_id) AS leads
         FROM campaigns c WHERE c.campaign_id LIKE 'bench-%-intake%'`,
    );
    const leadsOf = (suffix: string) => rows.find((r) => r.campaign_id.endsWith(suffix))?.leads;
    // The skipped campaign ran its other activities (its config version is recorded) but wrote no lead rows; the
    // campaign as shipped wrote at least its first batch, whose write starts at once.
    expect(leadsOf('-intake-ledger-skipped')).toBe(0);
    expect(leadsOf('-intake')).toBeGreaterThanOrEqual(sizes.intakeBatch);
    expect(leadsOf('-intake-warm-up')).toBeGreaterThanOrEqual(sizes.intakeBatch);
    expect(leadsOf('-intake-pass-1')).toBeGreaterThanOrEqual(sizes.intakeBatch);
  });

  it('measures one escalation latency per breached lead, after its deadline, in each condition', () => {
    for (const condition of ['idle', 'intake', 'outage'] as const) {
      const latency = measured(results.escalationLatency[condition]);
      expect(latency.condition).toBe(condition);
      expect(latency.latencyMs.count, condition).toBe(condition === 'intake' ? latency.load?.deadlinesDuring : 6);
      expect(latency.latencyMs.min, condition).toBeGreaterThanOrEqual(0);
      expect(latency.latencyMs.p50, condition).toBeLessThanOrEqual(latency.latencyMs.p99);
      // The baselines: the same waves' deadlines in bare workflows, each counted once per lead of its wave.
      for (const bare of [latency.bare.oneWorkflowMs, latency.bare.timerPerWorkflowMs]) {
        expect(bare.count, condition).toBe(6);
        expect(bare.min, condition).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('measures under intake with batches arriving while the deadlines fall', () => {
    const { load } = measured(results.escalationLatency.intake);
    expect(load?.batchSize).toBe(20);
    expect(load?.leads).toBe(20 * (load?.batches ?? 0));
    expect(load?.deadlinesDuring).toBeGreaterThanOrEqual(1);
  });

  it('measures during an outage that refused CRM and Ads calls while the deadlines fell', () => {
    const { outage } = measured(results.escalationLatency.outage);
    expect(outage?.durationMs).toBe(6_000);
    expect(outage?.refusedCrmCalls).toBeGreaterThanOrEqual(1);
    expect(outage?.refusedAdsCalls).toBeGreaterThanOrEqual(1);
    expect(outage?.deadlinesDuring).toBe(6);
  });

  it('counts history over the whole run chain, with every untouched lead breached', () => {
    const history = measured(results.historyPerLead);
    expect(history).toMatchObject({ leads: 40, touched: 36, breached: 4, continueAsNewRuns: history.runs.length - 1 });
    expect(history.totalEvents).toBe(history.runs.reduce((sum, run) => sum + run.events, 0));
    expect(history.eventsPerLead).toBeCloseTo(history.totalEvents / 40, 9);
    expect(history.maxEventsInRun).toBeGreaterThan(0);
    // The dev server reports each run's history size.
    expect(history.bytesPerLead).toBeCloseTo(history.runs.reduce((sum, run) => sum + (run.bytes ?? NaN), 0) / 40, 9);
  });

  it('reports memory and query latency with every intake lead still open', () => {
    const memory = measured(results.openClocksMemory);
    expect(memory.openLeads).toBe(30);
    // firstTouch and followUp per lead.
    expect(memory.openClocks).toBe(60);
    expect(memory.rssAfterMb).toBeGreaterThan(0);
    expect(memory.heapUsedAfterMb).toBeGreaterThan(0);
    expect(memory.slaStateQueryMs.count).toBe(2);
    // One task per admitLeads batch at least, and one per single-contact Update sent one by one.
    expect(memory.intakeTaskMs.count).toBeGreaterThanOrEqual(2);
    expect(memory.steadyTaskMs.count).toBeGreaterThanOrEqual(20);
  });

  it('counts Temporal Cloud actions per lead for the campaign and for a workflow per lead on the same workload', () => {
    const history = measured(results.historyPerLead);
    const a = history.actions;
    expect(a.total).toBe(
      a.workflowStarts +
        a.timers +
        a.searchAttributeUpserts +
        a.signals +
        a.updates +
        a.activityAttempts +
        a.childWorkflows,
    );
    // Two Updates per batch of 20 (admit, then touches): 40 leads.
    expect(a.updates).toBe(4);
    expect(a.workflowStarts).toBe(history.runs.length);
    expect(history.actionsPerLead).toBeCloseTo(a.total / 40, 9);
    const perLead = measured(results.perLeadDesign);
    expect(perLead).toMatchObject({ leads: 40, touched: 36, breached: 4 });
    // Each lead: its start and first activity, then a touch (Update + activity) or, after its timer, an escalation.
    expect(perLead.actions).toMatchObject({ workflowStarts: 40, updates: 36, activityAttempts: 80 });
    expect(perLead.actions.timers).toBeGreaterThanOrEqual(4);
    expect(perLead.actionsPerLead).toBeCloseTo(perLead.actions.total / 40, 9);
  });

  it('grows one campaign through the server and forces a packed continue-as-new at each checkpoint', () => {
    const scale = measured(results.scale);
    expect(scale.checkpoints.map((c) => c.openLeads)).toEqual([30]);
    const [checkpoint] = scale.checkpoints;
    // 30 leads in one batch take the run nowhere near a hand-over of its own.
    expect(checkpoint.handedOverDuringQueries).toBe(false);
    expect(checkpoint.slaStateQueryMs.count).toBe(2);
    expect(checkpoint.handOver.carried).toMatchObject({ format: 6, openLeads: 30 });
    expect(checkpoint.handOver.carried.packedBytes).toBeLessThan(checkpoint.handOver.carried.unpackedBytes);
    expect(checkpoint.handOver.touchUpdates).toBeGreaterThanOrEqual(8);
    expect(checkpoint.handOver.firstTaskMs).toBeGreaterThanOrEqual(0);
    // Every Update of the stream was taken by some task of the run, at most 8 (those in flight) per task.
    expect(checkpoint.handOver.steadyTaskMs.count).toBeGreaterThanOrEqual(
      Math.ceil(checkpoint.handOver.touchUpdates / 8),
    );
    expect(checkpoint.handOver.steadyTaskMs.max).toBeGreaterThanOrEqual(checkpoint.handOver.steadyTaskMs.p99);
    expect(checkpoint.handOver.handOverTaskMs).toBeGreaterThanOrEqual(0);
    expect(Array.isArray(checkpoint.handOver.refused)).toBe(true);
    expect(scale.runs).toBeGreaterThanOrEqual(2);
    expect(scale).toMatchObject({ leadsAdmitted: 30, leadsTouched: 30 });
    expect(scale.contactsSent).toBe(checkpoint.handOver.touchUpdates * 20);
    expect(scale.historyEventsPerLead).toBeCloseTo(scale.historyEvents / 30, 9);
  });

  it('measures what continue-as-new carries per open lead, and the ceiling that sets', () => {
    const carryOver = measured(results.carryOver);
    expect(carryOver.sizes.map((size) => size.openLeads)).toEqual([20, 40]);
    for (const size of carryOver.sizes) {
      // A touch adds the call's event ID and the acceptance clock to what is carried.
      expect(size.touched.json).toBeGreaterThan(size.untouched.json);
      expect(size.touched.packed).toBeGreaterThan(size.untouched.packed);
    }
    const [, largest] = carryOver.sizes;
    expect(carryOver.ceiling.touched).toBe(
      Math.min(MAX_CARRIED_OPEN_LEADS, Math.floor(carryOver.guardBytes / (largest.touched.packed / 40))),
    );
  });

  it('reports Salesforce calls per poll and renders every figure in the table', () => {
    expect(results.crmPollCost).toEqual([
      { openLeads: 5, apiCalls: expect.any(Number), touchesFound: expect.any(Number), perLeadQueryCalls: 10 },
    ]);
    expect(measured(results.crmPollCost)[0].apiCalls).toBeGreaterThan(0);
    const report = renderBenchReport(results);
    for (const row of benchRows(results)) expect(report).toContain(row.figure);
    expect(JSON.parse(JSON.stringify(results))).toEqual(results);
  });

  it('shows a failed figure as FAILED with its reason under the table', () => {
    const failed: BenchResults = {
      ...results,
      historyPerLead: null,
      failures: [{ figure: 'history: 40 leads', error: 'continue-as-new payload too large' }],
    };
    const report = renderBenchReport(failed);
    expect(report).toMatch(/History events per lead\s*│\s*FAILED/);
    expect(report).toContain('FAILED history: 40 leads\n  continue-as-new payload too large');
    expect(report).toContain('Lead intake throughput');
    const noIntake = renderBenchReport({
      ...results,
      intake: null,
      failures: [{ figure: 'intake', error: 'payload too large' }],
    });
    expect(noIntake).toMatch(/Lead intake throughput\s*│\s*FAILED\s*│\s*no-op Update baseline/);
  });
});
