// Fault injection (CAMPAIGN_SLA_FAULTS) wired into the composition: the sandbox Ads and CRM ports, the
// ledger's writes and the alert webhook's fetch fail as the plan says. Real adapters are never wrapped:
// a plan together with real adapters is refused, so a stray env var cannot break a production campaign.
import { faultyFetch, injectorsFor, withFaults, type FaultInjector } from '../activities/faults/faultInjector';
import { LEDGER_WRITES, type FaultPlan } from '../activities/faults/faultPlan';
import type { AdsPlatform, Crm } from '../activities/ports';
import type { PgLedger } from '../activities/ledger/pgLedger';
import type { AdapterMode } from './portResolver';

/** Every async call of the ports (apiUsage is sync and stays untouched). */
export const ADS_CALLS = [
  'getDailyMetrics',
  'getBudget',
  'setBudgetAmount',
  'setStatus',
] as const satisfies readonly (keyof AdsPlatform)[];
export const CRM_CALLS = [
  'fetchNewLeads',
  'fetchAttempts',
  'fetchStatusChanges',
  'fetchMeetingsBooked',
  'fetchOpportunities',
  'fetchRemovedLeads',
  'validateLeadStatuses',
  'fetchConversions',
  'countConversions',
  'setOwner',
  'createFollowUpTask',
  'setLeadStatus',
  'removedLeads',
  'fetchApiUsage',
] as const satisfies readonly (keyof Crm)[];

/** What the sandbox resolver wraps its per-campaign ports with. */
export interface SandboxFaults {
  ads?: FaultInjector;
  crm?: FaultInjector;
}

export interface FaultWiring {
  sandbox: SandboxFaults;
  ledger(ledger: PgLedger): PgLedger;
  /** For the notifier; undefined when the plan leaves the webhook alone. */
  fetchImpl?: typeof fetch;
}

/** Undefined without a plan; throws one line when a plan meets real adapters. */
export function wireFaults(plan: FaultPlan | undefined, adapters: AdapterMode): FaultWiring | undefined {
  if (!plan) return undefined;
  if (adapters !== 'sandbox') {
    throw new Error(
      `CAMPAIGN_SLA_FAULTS is set but adapters are "${adapters}": fault injection only wraps the sandbox adapters; unset it`,
    );
  }
  const injectors = injectorsFor(plan);
  const ledgerFaults = injectors.ledger;
  return {
    sandbox: { ads: injectors.ads, crm: injectors.crm },
    ledger: (ledger) =>
      ledgerFaults ? withFaults(ledger, ledgerFaults, plan.ledger?.writes ?? LEDGER_WRITES) : ledger,
    fetchImpl: injectors.webhook && faultyFetch(injectors.webhook),
  };
}
