// The campaign workflow's activities: thin adapters over the four ports. Every activity is safe to
// retry: ledger writes are keyed, notifications are deduplicated, Ads mutations read before writing.
// The record activities here (ledger and notifier) run on the campaign's own task queue; the calls to
// Salesforce and Google Ads (./integrationActivities) on its integrations queue, in a worker that may be a
// process of its own, so the campaign worker never loads those clients.
import { log } from '@temporalio/activity';
import type { CampaignConfig } from '../sla/config';
import type { ComplianceSummary } from '../sla/compliance';
import type { ProposalView, SnapshotView } from '../sla/views';
import type {
  BudgetChangeRecord,
  ConfigVersionRecord,
  DecisionRecord,
  LeadActivityBatch,
  ProposalRecord,
} from '../sla/records';
import type { AdsPlatform, Crm, Ledger, Notifier } from './ports';
import type { Alert } from '../sla/alerts';
import { decodeLeadActivity, type ColumnarLeadActivity } from '../sla/recordColumns';

/** Resolves the adapters for one campaign at one moment (sandbox adapters follow the workflow's clock). */
export interface PortResolver {
  ads(campaignId: string, config: CampaignConfig, at: Date): Promise<AdsPlatform>;
  crm(campaignId: string, at: Date): Promise<Crm>;
}

export interface ActivityDeps {
  ports: PortResolver;
  ledger: Ledger;
  notifier: Notifier;
}

export interface QuarterReportInput {
  campaignId: string;
  quarter: string;
  final: boolean;
  at: string;
  compliance: ComplianceSummary;
  latestSnapshot: SnapshotView | null;
  proposals: ProposalView[];
  breachedLeads: number;
}

export function createRecordActivities({ ledger, notifier }: Omit<ActivityDeps, 'ports'>) {
  return {
    async recordConfigVersion(record: ConfigVersionRecord): Promise<void> {
      await ledger.recordConfigVersion(record);
    },

    async recordLeadActivity(batch: LeadActivityBatch | ColumnarLeadActivity): Promise<void> {
      await ledger.recordLeadActivity(decodeLeadActivity(batch));
    },

    /** Delivers every alert it can (a digest when many fire together); throws if any failed, so the rest retry. */
    async sendAlerts(alerts: Alert[]): Promise<void> {
      const { failed } = await notifier.notifyBatch(alerts);
      if (failed[0]) throw failed[0].failure;
    },

    async recordProposal(record: ProposalRecord): Promise<void> {
      await ledger.recordProposal(record);
    },

    async recordDecision(record: DecisionRecord): Promise<void> {
      await ledger.recordDecision(record);
    },

    /** A budget change made in Google Ads whose own activity could not record it. */
    async recordBudgetChange(record: BudgetChangeRecord): Promise<void> {
      await ledger.recordBudgetChange(record);
    },

    async writeQuarterReport(input: QuarterReportInput): Promise<{ inserted: boolean }> {
      const c = input.compliance;
      const report = {
        final: input.final,
        responseCompliance: c.targets,
        meetsTargets: c.meetsTargets,
        medianFirstTouchMs: c.medianFirstTouchMs,
        p95FirstTouchMs: c.p95FirstTouchMs,
        breaches: c.breaches,
        breachesByTier: Object.fromEntries(Object.entries(c.byTier).map(([tier, s]) => [tier, s.breaches])),
        breachesByOwner: Object.fromEntries(Object.entries(c.byOwner).map(([owner, s]) => [owner, s.breaches])),
        acceptanceRate: c.acceptanceRate,
        dispositionMix: c.dispositions,
        leads: c.leads,
        spend: input.latestSnapshot?.spend ?? null,
        conversions: input.latestSnapshot?.conversions ?? null,
        cpl: input.latestSnapshot?.cpl ?? null,
        velocityPct: input.latestSnapshot?.velocityPct ?? null,
        proposals: input.proposals,
        breachedLeads: input.breachedLeads,
      };
      const result = await ledger.recordQuarterReport({
        campaignId: input.campaignId,
        quarter: input.quarter,
        createdAt: input.at,
        report,
      });
      log.info('quarter report', { campaignId: input.campaignId, quarter: input.quarter, inserted: result.inserted });
      return result;
    },
  };
}

export type RecordActivities = ReturnType<typeof createRecordActivities>;
