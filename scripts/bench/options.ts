// Benchmark sizes: defaults that finish in a few minutes on a 2-core machine, a --quick preset for
// CI-like smoke runs, and per-figure overrides from flags or BENCH_* environment variables.
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';

export interface BenchSizes {
  /** Leads admitted into one campaign for the intake throughput and the open-clocks memory figure. */
  intakeLeads: number;
  intakeBatch: number;
  /** Campaign intake passes, each paired with a raw pass just before it; the goal is judged on all of them. */
  intakePasses: number;
  /** Sequential no-op Updates timed for the baseline. */
  baselineUpdates: number;
  /** Sequential slaState queries timed at full intake size. */
  stateQueries: number;
  /** High-intent leads left to breach for the deadline-to-escalation latency. */
  latencyLeads: number;
  /** Wall-clock firstTouch limit of the latency campaign. */
  latencyFirstTouchMs: number;
  /** The latency leads arrive over this long, so their deadlines fall in a window, not one instant. */
  latencySpreadMs: number;
  /** Under intake: leads per admitLeads batch sent back to back while the deadlines fall, and at most this many. */
  latencyLoadBatch: number;
  latencyLoadLeads: number;
  /** How long the CRM and Ads stay down for the outage figure. */
  latencyOutageMs: number;
  historyLeads: number;
  historyBatch: number;
  /** Wall-clock firstTouch limit of the history campaign: long enough for touches to land before it. */
  historyFirstTouchMs: number;
  /** Share of history leads touched before their deadline; the rest breach. */
  historyTouchedShare: number;
  pollSizes: number[];
  /** Open-lead counts whose continue-as-new carry-over is measured. */
  carryOverSizes: number[];
  /** Open-lead counts one campaign is grown to, each followed by a forced continue-as-new (figure 5). */
  scaleCheckpoints: number[];
}

export interface BenchOptions {
  sizes: BenchSizes;
  /** Where the results JSON is written. */
  outFile: string;
  /** External Postgres for the ledger; null starts an embedded one in a temp dir. */
  databaseUrl: string | null;
  /** Build and install a production copy and measure its worker (runBench's productionWorker). */
  productionWorker: boolean;
}

export const defaultSizes: BenchSizes = {
  intakeLeads: 10_000,
  intakeBatch: 500,
  intakePasses: 5,
  baselineUpdates: 200,
  stateQueries: 20,
  latencyLeads: 500,
  latencyFirstTouchMs: 10_000,
  latencySpreadMs: 5_000,
  latencyLoadBatch: 2_000,
  latencyLoadLeads: 16_000,
  latencyOutageMs: 120_000,
  historyLeads: 5_000,
  historyBatch: 100,
  historyFirstTouchMs: 30_000,
  historyTouchedShare: 0.9,
  pollSizes: [10, 100, 2_000],
  carryOverSizes: [10_000, 25_000, 50_000],
  scaleCheckpoints: [10_000, 25_000, 50_000],
};

export const quickSizes: BenchSizes = {
  intakeLeads: 1_000,
  intakeBatch: 250,
  intakePasses: 2,
  baselineUpdates: 30,
  stateQueries: 5,
  latencyLeads: 50,
  latencyFirstTouchMs: 5_000,
  latencySpreadMs: 2_000,
  latencyLoadBatch: 500,
  // Enough 500-lead batches to still be arriving when the deadlines fall (2,000 were done in 0.23 s, before them).
  latencyLoadLeads: 8_000,
  latencyOutageMs: 15_000,
  historyLeads: 300,
  historyBatch: 50,
  historyFirstTouchMs: 10_000,
  historyTouchedShare: 0.9,
  pollSizes: [10, 100],
  carryOverSizes: [1_000, 10_000],
  scaleCheckpoints: [1_000, 2_000],
};

export const DEFAULT_OUT_FILE = path.resolve(__dirname, '..', '..', 'bench', 'results.json');

/** Size flags: flag name, environment variable, and the size it sets. */
const countFlags = [
  ['intake-leads', 'BENCH_INTAKE_LEADS', 'intakeLeads', 'leads admitted for intake throughput and open-clock memory'],
  ['intake-batch', 'BENCH_INTAKE_BATCH', 'intakeBatch', 'leads per admitLeads Update'],
  ['intake-passes', 'BENCH_INTAKE_PASSES', 'intakePasses', 'campaign intake passes, each paired with a raw one'],
  ['baseline-updates', 'BENCH_BASELINE_UPDATES', 'baselineUpdates', 'no-op Updates timed for the baseline'],
  ['latency-leads', 'BENCH_LATENCY_LEADS', 'latencyLeads', 'leads left to breach for escalation latency'],
  [
    'latency-load-batch',
    'BENCH_LATENCY_LOAD_BATCH',
    'latencyLoadBatch',
    'leads per batch arriving while deadlines fall',
  ],
  ['latency-load-leads', 'BENCH_LATENCY_LOAD_LEADS', 'latencyLoadLeads', 'most leads sent as that load'],
  ['latency-outage-ms', 'BENCH_LATENCY_OUTAGE_MS', 'latencyOutageMs', 'how long the CRM and Ads are down'],
  ['history-leads', 'BENCH_HISTORY_LEADS', 'historyLeads', 'leads in the history-events workload'],
  ['history-batch', 'BENCH_HISTORY_BATCH', 'historyBatch', 'leads (and touches) per Update in the history workload'],
] as const;

function positiveInteger(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new InvalidArgumentError(`${name}: expected a positive whole number, got "${raw}"`);
  return value;
}

function pollSizeList(name: string, raw: string): number[] {
  return raw.split(',').map((part) => positiveInteger(name, part.trim()));
}

/** Checkpoints of one growing campaign: each larger than the one before. */
function increasingList(name: string, raw: string): number[] {
  const list = pollSizeList(name, raw);
  if (list.some((n, i) => i > 0 && n <= list[i - 1]))
    throw new InvalidArgumentError(`${name}: expected increasing open-lead counts, got "${raw}"`);
  return list;
}

/**
 * Reads flags (argv without node and script) and BENCH_* variables; flags win over variables,
 * both win over the preset. Throws an InvalidArgumentError naming the bad flag or variable.
 */
export function parseBenchOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const program = new Command('bench')
    .description(
      'Performance benchmark of the campaign engine on a Temporal dev server with a real worker and Postgres.',
    )
    .option('--quick', 'CI-like smoke sizes (also BENCH_QUICK=1)')
    .option('--out <file>', 'results JSON file (also BENCH_OUT)')
    .option(
      '--skip-production-worker',
      'skip building and installing a production copy to measure its worker (also BENCH_SKIP_PRODUCTION_WORKER=1)',
    )
    .option(
      '--poll-sizes <list>',
      'open-lead counts for the Salesforce poll cost, comma-separated (also BENCH_POLL_SIZES)',
    )
    .option(
      '--scale-checkpoints <list>',
      'open-lead counts one campaign grows to, each with a forced continue-as-new, comma-separated (also BENCH_SCALE_CHECKPOINTS)',
    )
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
  for (const [flag, variable, , help] of countFlags) program.option(`--${flag} <n>`, `${help} (also ${variable})`);
  program.parse(argv, { from: 'user' });
  const flags = program.opts<Record<string, string | boolean | undefined>>();

  const quick = flags.quick === true || env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  const sizes: BenchSizes = { ...(quick ? quickSizes : defaultSizes) };
  for (const [flag, variable, key] of countFlags) {
    const fromFlag = flags[camel(flag)];
    if (typeof fromFlag === 'string') sizes[key] = positiveInteger(`--${flag}`, fromFlag);
    else if (env[variable]) sizes[key] = positiveInteger(variable, env[variable]);
  }
  if (typeof flags.pollSizes === 'string') sizes.pollSizes = pollSizeList('--poll-sizes', flags.pollSizes);
  else if (env.BENCH_POLL_SIZES) sizes.pollSizes = pollSizeList('BENCH_POLL_SIZES', env.BENCH_POLL_SIZES);
  if (typeof flags.scaleCheckpoints === 'string')
    sizes.scaleCheckpoints = increasingList('--scale-checkpoints', flags.scaleCheckpoints);
  else if (env.BENCH_SCALE_CHECKPOINTS)
    sizes.scaleCheckpoints = increasingList('BENCH_SCALE_CHECKPOINTS', env.BENCH_SCALE_CHECKPOINTS);

  const outFile =
    typeof flags.out === 'string'
      ? path.resolve(flags.out)
      : env.BENCH_OUT
        ? path.resolve(env.BENCH_OUT)
        : DEFAULT_OUT_FILE;
  const productionWorker = !(
    flags.skipProductionWorker === true ||
    env.BENCH_SKIP_PRODUCTION_WORKER === '1' ||
    env.BENCH_SKIP_PRODUCTION_WORKER === 'true'
  );
  return { sizes, outFile, databaseUrl: env.DATABASE_URL || null, productionWorker };
}

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
