// Fault injection for the sandbox adapters, the ledger and the alert webhook: the chaos suite and the
// bench use it to make the outside world fail the way real APIs do (429 with Retry-After, 5xx,
// timeouts, added latency, whole outage windows). Configured by env CAMPAIGN_SLA_FAULTS (JSON).
import { z } from 'zod';
import type { PgLedger } from '../ledger/pgLedger';

export type FaultTarget = 'ads' | 'crm' | 'ledger' | 'webhook';

const share = z.number().min(0).max(1);

const outageSchema = z.strictObject({
  /** Milliseconds after `startedAt` (default: the plan's loading), so a chaos run can script "down from 30 s to 150 s". */
  fromMs: z.number().int().nonnegative(),
  toMs: z.number().int().positive(),
});

const targetFaultsSchema = z.strictObject({
  /** Share of calls answered with a rate limit (429 / REQUEST_LIMIT_EXCEEDED / RESOURCE_EXHAUSTED). */
  rateLimited: share.default(0),
  /** Retry-After the rate limit carries, in seconds. */
  retryAfterSeconds: z.number().int().positive().default(2),
  /** Share of calls answered with a server error (HTTP 5xx / UNAVAILABLE). */
  serverError: share.default(0),
  /** Share of calls that hang for `timeoutMs` and then fail, as a dropped connection does. */
  timeout: share.default(0),
  timeoutMs: z.number().int().positive().default(30_000),
  /** Latency added to every call. */
  latencyMs: z.number().int().nonnegative().default(0),
  outages: z.array(outageSchema).default([]),
});

/** The ledger's writes, alert deliveries included; reads (latestConfig, openLeadIds) pass through. */
export const LEDGER_WRITES = [
  'recordConfigVersion',
  'recordLeadActivity',
  'recordEscalationStep',
  'recordSnapshot',
  'recordProposal',
  'recordDecision',
  'recordBudgetChange',
  'recordQuarterReport',
  'recordConversionUploads',
  'leaseAlert',
  'markAlertsDelivered',
  'releaseAlert',
] as const satisfies readonly (keyof PgLedger)[];

const ledgerFaultsSchema = targetFaultsSchema.extend({
  /** Only these writes fail (an outage of one table: a lock, its tablespace full); default: every write. */
  writes: z.array(z.enum(LEDGER_WRITES)).min(1).optional(),
});

export const faultPlanSchema = z.strictObject({
  seed: z.union([z.number().int(), z.string()]).default('chaos'),
  /**
   * Epoch milliseconds the outage windows count from; default: when the plan is loaded. A chaos run that
   * restarts workers pins it, so a window stays at the same wall-clock time in every worker process.
   */
  startedAt: z.number().int().positive().optional(),
  ads: targetFaultsSchema.optional(),
  crm: targetFaultsSchema.optional(),
  ledger: ledgerFaultsSchema.optional(),
  webhook: targetFaultsSchema.optional(),
});

export type FaultPlan = z.output<typeof faultPlanSchema>;
export type TargetFaults = z.output<typeof targetFaultsSchema>;

/** Reads CAMPAIGN_SLA_FAULTS; undefined when unset. A malformed plan is one clear error, never ignored. */
export function faultPlanFromEnv(env: NodeJS.ProcessEnv = process.env): FaultPlan | undefined {
  const raw = env.CAMPAIGN_SLA_FAULTS?.trim();
  if (!raw) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new Error(`CAMPAIGN_SLA_FAULTS is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = faultPlanSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `CAMPAIGN_SLA_FAULTS: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(plan)'}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}
