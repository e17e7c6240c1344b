// The campaign workflow's activities: thin adapters over the four ports. Every activity is safe to
// retry: ledger writes are keyed, notifications are deduplicated, Ads mutations read before writing.
import { log } from '@temporalio/activity';
import type { CampaignConfig } from '../sla/config';
import { burnPct, cpl, cplBand, forecastToDate, velocity } from '../sla/forecast';
import type { ComplianceSummary } from '../sla/compliance';
import type { ProposalView, SnapshotView } from '../sla/views';
import type {
  AdsBudgetState,
  ConfigVersionRecord,
  DecisionRecord,
  LeadActivityBatch,
  ProposalAction,
  ProposalRecord,
} from '../sla/records';
import type { AdsCampaignRef, AdsPlatform, Crm, Ledger, Notifier } from './ports';
import type { Alert } from '../sla/alerts';
import { createEscalationActivities } from './escalationSteps';
import { heartbeating } from './heartbeat';
import { createCrmPollActivity } from './crmPollActivity';

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

const MICROS = 1_000_000;

const adsRef = (config: CampaignConfig): AdsCampaignRef => ({
  customerId: config.campaign.ads.customerId,
  campaignId: config.campaign.ads.campaignId,
});

const isoDate = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(iso),
  );

export interface VelocityCheckInput {
  campaignId: string;
  checkId: string;
  at: string;
  config: CampaignConfig;
  knownBudget: { amount: number; status: 'ENABLED' | 'PAUSED' } | null;
  responseCompliance: Record<string, number>;
}

export interface VelocityCheckResult {
  snapshot: SnapshotView;
  clicks: number;
  /** Set when the budget or status differs from what the workflow last knew (an edit in the Ads UI). */
  externalChange: string | null;
}

export interface ApplyBudgetChangeInput {
  campaignId: string;
  proposalId: string;
  config: CampaignConfig;
  action: ProposalAction;
  targetAmountMicros: number | null;
  restoreStatus: 'ENABLED' | 'PAUSED' | null;
  at: string;
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

const describe = (state: AdsBudgetState) =>
  `${(state.amountMicros / MICROS).toFixed(2)} (${state.period}, ${state.status})`;

export function createActivities(deps: ActivityDeps) {
  const { ports, ledger, notifier } = deps;
  const activities = {
    ...createEscalationActivities(deps),
    ...createCrmPollActivity({ ports, ledger }),
    async recordConfigVersion(record: ConfigVersionRecord): Promise<void> {
      await ledger.recordConfigVersion(record);
    },

    async recordLeadActivity(batch: LeadActivityBatch): Promise<void> {
      await ledger.recordLeadActivity(batch);
    },

    /** Delivers every alert it can; if any failed, throws the failure so the activity retries the rest. */
    async sendAlerts(alerts: Alert[]): Promise<void> {
      let firstFailure: unknown;
      for (const alert of alerts) {
        try {
          await notifier.notify(alert);
        } catch (err) {
          firstFailure ??= err;
        }
      }
      if (firstFailure !== undefined) throw firstFailure;
    },

    async recordProposal(record: ProposalRecord): Promise<void> {
      await ledger.recordProposal(record);
    },

    async recordDecision(record: DecisionRecord): Promise<void> {
      await ledger.recordDecision(record);
    },

    /** Spend from Google Ads, conversions from the CRM (source of truth), compared with the forecast and CPL band. */
    async runVelocityCheck(input: VelocityCheckInput): Promise<VelocityCheckResult> {
      const { config, campaignId } = input;
      const at = new Date(input.at);
      const ads = await ports.ads(campaignId, config, at);
      const crm = await ports.crm(campaignId, at);
      const ref = adsRef(config);
      const tz = config.campaign.timezone;
      const window = config.campaign.window;
      const until = at.getTime() < Date.parse(window.end) ? input.at : window.end;
      const [metrics, budget, conversions] = await Promise.all([
        ads.getDailyMetrics(ref, isoDate(window.start, tz), isoDate(until, tz)),
        ads.getBudget(ref),
        crm.countConversions({
          crmCampaignId: config.campaign.crm.campaignId,
          from: window.start,
          to: until,
          convertedStatuses: config.campaign.crm.convertedStatuses,
          countOpportunities: config.campaign.crm.countOpportunities,
        }),
      ]);
      const spend = metrics.reduce((sum, day) => sum + day.costMicros, 0) / MICROS;
      const clicks = metrics.reduce((sum, day) => sum + day.clicks, 0);
      const budgetAmount = budget.amountMicros / MICROS;
      const forecast = forecastToDate({
        windowStart: Date.parse(window.start),
        windowEnd: Date.parse(window.end),
        now: at.getTime(),
        targetConversions: config.targets.conversions,
        baselineCurve: config.targets.baselineCurve,
      });
      const forecastNow = config.targets.baselineCurve ? forecast.curve : forecast.linear;
      const v = velocity(conversions, forecastNow);
      const band = cplBand(config.targets.cpl.target, config.targets.cpl.tolerancePct);
      const snapshot: SnapshotView = {
        checkId: input.checkId,
        at: input.at,
        spend,
        budget: budgetAmount,
        burnPct: burnPct(spend, budgetAmount) ?? 0,
        conversions,
        forecast: forecastNow,
        velocityPct: v === null ? null : v * 100,
        cpl: cpl(spend, conversions),
        cplBand: band,
        campaignStatus: budget.status,
      };
      let externalChange: string | null = null;
      const known = input.knownBudget;
      if (known && (Math.round(known.amount * MICROS) !== budget.amountMicros || known.status !== budget.status)) {
        externalChange = `Google Ads shows ${describe(budget)}; campaign-sla last set ${known.amount.toFixed(2)} (${known.status}).`;
        await ledger.recordBudgetChange({
          changeId: `external:${input.checkId}`,
          campaignId,
          proposalId: null,
          source: 'external',
          at: input.at,
          before: { ...budget, amountMicros: Math.round(known.amount * MICROS), status: known.status },
          after: budget,
          operation: 'detected at velocity check',
          validateOnly: false,
          changed: true,
        });
      }
      await ledger.recordSnapshot({
        campaignId,
        checkId: input.checkId,
        at: input.at,
        spendMicros: Math.round(spend * MICROS),
        budgetMicros: budget.amountMicros,
        burnPct: snapshot.burnPct,
        conversions,
        forecastLinear: forecast.linear,
        forecastCurve: forecast.curve,
        velocityPct: snapshot.velocityPct ?? 0,
        cpl: snapshot.cpl,
        cplLow: band.low,
        cplHigh: band.high,
        responseCompliance: input.responseCompliance,
        detail: { clicks, status: budget.status, period: budget.period },
      });
      return { snapshot, clicks, externalChange };
    },

    /** Applies an approved proposal through the Ads API and records before/after in the ledger. */
    async applyBudgetChange(input: ApplyBudgetChangeInput): Promise<{ after: AdsBudgetState; summary: string }> {
      const ads = await ports.ads(input.campaignId, input.config, new Date(input.at));
      const ref = adsRef(input.config);
      const before = await ads.getBudget(ref);
      const operations: string[] = [];
      let after = before;
      let validateOnly = false;
      let changed = false;
      if (input.action === 'pause') {
        const result = await ads.setStatus(ref, 'PAUSED');
        operations.push(result.operation);
        ({ after, validateOnly, changed } = result);
      } else {
        if (input.targetAmountMicros !== null) {
          const result = await ads.setBudgetAmount(ref, input.targetAmountMicros);
          operations.push(result.operation);
          ({ after, validateOnly } = result);
          changed ||= result.changed;
        }
        if (input.action === 'restore' && input.restoreStatus && after.status !== input.restoreStatus) {
          const result = await ads.setStatus(ref, input.restoreStatus);
          operations.push(result.operation);
          after = { ...after, status: result.after.status };
          changed ||= result.changed;
        }
      }
      await ledger.recordBudgetChange({
        changeId: input.proposalId,
        campaignId: input.campaignId,
        proposalId: input.proposalId,
        source: 'proposal',
        at: input.at,
        before,
        after,
        operation: operations.join('; ') || 'none',
        validateOnly,
        changed,
      });
      const summary = `${input.action}: ${describe(before)} → ${describe(after)}${validateOnly ? ' [validate_only dry run]' : ''}${changed ? '' : ' (already in place)'}`;
      log.info('budget change applied', { campaignId: input.campaignId, proposalId: input.proposalId, summary });
      return { after, summary };
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
  // These wait on Salesforce or Google Ads: heartbeats let a dead worker be noticed in seconds.
  return heartbeating(activities, ['pollCrm', 'runVelocityCheck', 'applyBudgetChange']);
}

export type CampaignActivities = ReturnType<typeof createActivities>;
