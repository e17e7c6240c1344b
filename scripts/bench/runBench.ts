// Runs every bench figure in one environment, in an order that keeps them apart: the baseline and
// intake first (the memory figure must see only the intake campaign), then latency, history, poll cost.
// A figure that fails is recorded with its reason and the others still run; the caller decides the exit code.
import os from 'node:os';
import { withBenchEnvironment } from './benchEnvironment';
import { measureCarryOverSizes, type CarryOverCeiling } from './carryOverSize';
import { errorChain } from './diagnose';
import { measureEscalationLatency, type EscalationLatency, type LatencyCondition } from './escalationLatency';
import { measureHistoryPerLead, type HistoryPerLead } from './historyPerLead';
import {
  measureIntake,
  measureUpdateBaseline,
  type IntakeFigures,
  type OpenClocksMemory,
  type UpdateBaseline,
} from './intake';
import type { BenchSizes } from './options';
import { measurePerLeadDesign, type PerLeadDesign } from './perLeadDesign';
import { measurePollCosts, type PollCost } from './pollCost';
import { measureProductionWorker, type ProductionWorkerMemory } from './productionWorker';
import { measureScale, type ScaleFigures } from './scale';

interface BenchFailure {
  figure: string;
  error: string;
}

export interface BenchResults {
  startedAt: string;
  elapsedS: number;
  host: { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string };
  ledger: 'embedded' | 'external';
  sizes: BenchSizes;
  /** Figures are null when their measurement failed; `failures` says why. */
  baseline: UpdateBaseline | null;
  intake: IntakeFigures | null;
  openClocksMemory: OpenClocksMemory | null;
  /** The built worker in its own process on the prebuilt bundle; null when skipped or failed. */
  productionWorker: ProductionWorkerMemory | null;
  /** Deadline → escalation start: idle, under back-to-back intake, during a CRM and Ads outage. */
  escalationLatency: Record<LatencyCondition, EscalationLatency | null>;
  historyPerLead: HistoryPerLead | null;
  /** The history workload run as one workflow per lead, for the actions-per-lead comparison. */
  perLeadDesign: PerLeadDesign | null;
  crmPollCost: PollCost[] | null;
  /** What continue-as-new carries at 10k, 25k and 50k open leads, and the ceiling that sets. */
  carryOver: CarryOverCeiling | null;
  /** One campaign grown to each checkpoint through the server, with a hand-over at each. */
  scale: ScaleFigures | null;
  failures: BenchFailure[];
}

export async function runBench(opts: {
  sizes: BenchSizes;
  databaseUrl: string | null;
  /** Also build a production copy and measure its worker with the intake's open leads. */
  productionWorker?: boolean;
  log?: (line: string) => void;
}): Promise<BenchResults> {
  const log = opts.log ?? (() => undefined);
  const started = Date.now();
  const runId = started.toString(36);
  const { sizes } = opts;
  const failures: BenchFailure[] = [];
  const attempt = async <T>(figure: string, measure: () => Promise<T>): Promise<T | null> => {
    log(figure);
    try {
      return await measure();
    } catch (err) {
      failures.push({ figure, error: errorChain(err) });
      log(`${figure} FAILED: ${errorChain(err)}`);
      return null;
    }
  };

  const temporalFigures = await withBenchEnvironment({ databaseUrl: opts.databaseUrl, runId }, async (env) => {
    const baseline = await attempt(
      `baseline: ${sizes.baselineUpdates} no-op Updates, then the intake's ${sizes.intakeLeads} leads stored raw`,
      () => measureUpdateBaseline(env, sizes),
    );
    const intake =
      baseline &&
      (await attempt(`intake: ${sizes.intakeLeads} leads in batches of ${sizes.intakeBatch}`, () =>
        measureIntake(env, sizes, baseline),
      ));
    const productionWorker = opts.productionWorker
      ? await attempt(`production worker: npm run build, npm ci --omit=dev, ${sizes.intakeLeads} open leads`, () =>
          measureProductionWorker(env, sizes),
        )
      : null;
    const latencyIn = (condition: LatencyCondition, while_: string) =>
      attempt(
        `escalation latency (${condition}): ${sizes.latencyLeads} leads breaching ${sizes.latencyFirstTouchMs} ms after arrival${while_}`,
        () => measureEscalationLatency(env, sizes, condition),
      );
    const escalationLatency = {
      idle: await latencyIn('idle', ''),
      intake: await latencyIn('intake', `, while ${sizes.latencyLoadBatch}-lead batches arrive back to back`),
      outage: await latencyIn('outage', `, while the CRM and Ads are down for ${sizes.latencyOutageMs / 1000} s`),
    };
    const historyPerLead = await attempt(
      `history: ${sizes.historyLeads} leads in batches of ${sizes.historyBatch}`,
      () => measureHistoryPerLead(env, sizes),
    );
    const perLeadDesign = await attempt(
      `workflow per lead: up to 500 of the history workload's leads, one workflow each`,
      () => measurePerLeadDesign(env, sizes),
    );
    // Last: its campaign grows the worker's cache far past every other figure's.
    const scale = await attempt(
      `scale: one campaign grown to ${sizes.scaleCheckpoints.join(', ')} open leads, continuing as new at each`,
      () => measureScale(env, sizes),
    );
    return {
      // The payload baseline brackets the intake: a raw pass before it and one after.
      baseline: intake?.baseline ?? baseline,
      intake: intake?.intake ?? null,
      openClocksMemory: intake?.memory ?? null,
      productionWorker,
      escalationLatency,
      historyPerLead,
      perLeadDesign,
      scale,
    };
  });
  const crmPollCost = await attempt(`CRM poll cost: ${sizes.pollSizes.join(', ')} open leads`, () =>
    measurePollCosts(sizes.pollSizes),
  );
  const carryOver = await attempt(`carry-over size: ${sizes.carryOverSizes.join(', ')} open leads`, async () =>
    measureCarryOverSizes(sizes.carryOverSizes),
  );
  const cpus = os.cpus();
  return {
    startedAt: new Date(started).toISOString(),
    elapsedS: (Date.now() - started) / 1000,
    host: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? 'unknown',
      memoryGb: os.totalmem() / 1024 ** 3,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
    ledger: opts.databaseUrl ? 'external' : 'embedded',
    sizes,
    ...temporalFigures,
    crmPollCost,
    carryOver,
    failures,
  };
}
