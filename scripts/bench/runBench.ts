// Runs every bench figure in one environment, in an order that keeps them apart: the baseline and
// intake first (the memory figure must see only the intake campaign), then latency, history, poll cost.
import os from 'node:os';
import { withBenchEnvironment } from './benchEnvironment';
import { measureEscalationLatency, type EscalationLatency } from './escalationLatency';
import { measureHistoryPerLead, type HistoryPerLead } from './historyPerLead';
import { measureIntake, measureUpdateBaseline, type IntakeFigures, type OpenClocksMemory, type UpdateBaseline } from './intake';
import type { BenchSizes } from './options';
import { measurePollCosts, type PollCost } from './pollCost';

export interface BenchResults {
  startedAt: string;
  elapsedS: number;
  host: { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string };
  ledger: 'embedded' | 'external';
  sizes: BenchSizes;
  baseline: UpdateBaseline;
  intake: IntakeFigures;
  escalationLatency: EscalationLatency;
  historyPerLead: HistoryPerLead;
  openClocksMemory: OpenClocksMemory;
  crmPollCost: PollCost[];
}

export async function runBench(opts: { sizes: BenchSizes; databaseUrl: string | null; log?: (line: string) => void }): Promise<BenchResults> {
  const log = opts.log ?? (() => undefined);
  const started = Date.now();
  const runId = started.toString(36);
  const { sizes } = opts;
  const figures = await withBenchEnvironment({ databaseUrl: opts.databaseUrl, runId }, async (env) => {
    log(`baseline: ${sizes.baselineUpdates} no-op Updates`);
    const baseline = await measureUpdateBaseline(env, sizes.baselineUpdates);
    log(`intake: ${sizes.intakeLeads} leads in batches of ${sizes.intakeBatch}`);
    const { intake, memory } = await measureIntake(env, sizes, baseline);
    log(`escalation latency: ${sizes.latencyLeads} leads breaching ${sizes.latencyFirstTouchMs} ms after arrival`);
    const escalationLatency = await measureEscalationLatency(env, sizes);
    log(`history: ${sizes.historyLeads} leads in batches of ${sizes.historyBatch}`);
    const historyPerLead = await measureHistoryPerLead(env, sizes);
    return { baseline, intake, openClocksMemory: memory, escalationLatency, historyPerLead };
  });
  log(`CRM poll cost: ${sizes.pollSizes.join(', ')} open leads`);
  const crmPollCost = await measurePollCosts(sizes.pollSizes);
  const cpus = os.cpus();
  return {
    startedAt: new Date(started).toISOString(),
    elapsedS: (Date.now() - started) / 1000,
    host: { cpus: cpus.length, cpuModel: cpus[0]?.model ?? 'unknown', memoryGb: os.totalmem() / 1024 ** 3, node: process.version, platform: `${process.platform}-${process.arch}` },
    ledger: opts.databaseUrl ? 'external' : 'embedded',
    sizes,
    ...figures,
    crmPollCost,
  };
}
