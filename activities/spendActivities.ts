// The spend loop's activities: the velocity check (Ads spend against CRM conversions) and applying an
// approved budget change. Both read the campaign through the AdsPlatform port, which refuses REMOVED
// campaigns, DAILY budgets and changes to shared budgets with non-retryable, typed failures.
import { ApplicationFailure, log } from '@temporalio/activity';
import type { AdsAccountFacts } from '../sla/adsAccount';
import { checkFlight } from '../sla/adsFlight';
import type { CampaignConfig } from '../sla/config';
import { roundToCurrencyUnit } from '../sla/currency';
import { burnPct, cpl, cplBand, forecastToDate, velocity } from '../sla/forecast';
import type { AdsBudgetState, BudgetChangeRecord, ProposalAction } from '../sla/records';
import type { SnapshotView } from '../sla/views';
import type { PortResolver } from './campaignActivities';
import { uploadConversions, type ConversionUploadTally } from './conversionUploads';
import type { AdsOperationUsage } from './ads/operationCounter';
import type { AdsCampaignRef, Ledger } from './ports';

const MICROS = 1_000_000;

export interface VelocityCheckInput {
  campaignId: string;
  checkId: string;
  at: string;
  config: CampaignConfig;
  knownBudget: { amount: number; status: 'ENABLED' | 'PAUSED' } | null;
  responseCompliance: Record<string, number>;
}

/** The Google Ads account and campaign facts the rules do not see but ops must (added in v24 reads). */
interface AdsCampaignFacts extends AdsAccountFacts {
  currencyCode: string;
  /** The account's zone: segments.date and the flight are in it, so spend days are read in it. */
  timeZone: string;
}

export interface VelocityCheckResult {
  snapshot: SnapshotView;
  clicks: number;
  /** Set when the budget or status differs from what the workflow last knew (an edit in the Ads UI). */
  externalChange: string | null;
  ads?: AdsCampaignFacts;
  /** What this check sent to Google as offline conversions, when the contract asks for it. */
  conversionUploads?: ConversionUploadTally;
  /** Google Ads API operations the worker sent in the last 24 hours, against the developer token's daily limit. */
  adsOperations?: AdsOperationUsage;
}

export interface ApplyBudgetChangeInput {
  campaignId: string;
  proposalId: string;
  config: CampaignConfig;
  action: ProposalAction;
  targetAmountMicros: number | null;
  /** Only for the restore of a pause: the status to resume. A restore of a reduce leaves the status alone. */
  restoreStatus: 'ENABLED' | 'PAUSED' | null;
  at: string;
  /**
   * The budget the proposal was sized on (its budgetBefore). A budget that has moved since, by hand in the Ads UI
   * or by another tool, is not overridden: the change fails as AdsBudgetMoved. Absent in inputs scheduled
   * before this field existed.
   */
  expectedBeforeMicros?: number;
}

export interface AppliedBudgetChange {
  after: AdsBudgetState;
  summary: string;
  /** The change's ledger row when the ledger refused it after the change was made: the workflow records it. */
  unrecorded?: BudgetChangeRecord;
}

/** The budget moved since the proposal was sized on it; applying its absolute target would override that move. */
export const ADS_BUDGET_MOVED = 'AdsBudgetMoved';
/** The account bills in another currency than the contract's amounts (guardrails, CPL band) are in. */
export const ADS_CURRENCY_MISMATCH = 'AdsCurrencyMismatch';

const currencyMismatch = (budget: AdsBudgetState, config: CampaignConfig) =>
  budget.currencyCode === config.campaign.currency
    ? null
    : `the Google Ads account bills in ${budget.currencyCode}; the contract's amounts are in ${config.campaign.currency}`;

const adsRef = (config: CampaignConfig): AdsCampaignRef => ({
  customerId: config.campaign.ads.customerId,
  campaignId: config.campaign.ads.campaignId,
});

const isoDate = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(iso),
  );

const describe = (state: AdsBudgetState) =>
  `${(state.amountMicros / MICROS).toFixed(2)}${state.currencyCode ? ` ${state.currencyCode}` : ''} (${state.period}, ${state.status})`;

export function createSpendActivities({ ports, ledger }: { ports: PortResolver; ledger: Ledger }) {
  return {
    /** Spend from Google Ads, conversions from the CRM (source of truth), compared with the forecast and CPL band. */
    async runVelocityCheck(input: VelocityCheckInput): Promise<VelocityCheckResult> {
      const { config, campaignId } = input;
      const at = new Date(input.at);
      const ads = await ports.ads(campaignId, config, at);
      const crm = await ports.crm(campaignId, at);
      const ref = adsRef(config);
      const window = config.campaign.window;
      const until = at.getTime() < Date.parse(window.end) ? input.at : window.end;
      // First, so spend days are asked for in the account's zone (segments.date), not the contract's.
      const budget = await ads.getBudget(ref);
      const conversionQuery = {
        crmCampaignId: config.campaign.crm.campaignId,
        from: window.start,
        to: until,
        convertedStatuses: config.campaign.crm.convertedStatuses,
        countOpportunities: config.campaign.crm.countOpportunities,
        timeZone: config.campaign.timezone,
      };
      const [metrics, conversions] = await Promise.all([
        ads.getDailyMetrics(ref, isoDate(window.start, budget.timeZone), isoDate(until, budget.timeZone)),
        crm.countConversions(conversionQuery),
      ]);
      const facts: AdsCampaignFacts = {
        currencyCode: budget.currencyCode,
        timeZone: budget.timeZone,
        sharedBudget: budget.explicitlyShared || budget.referenceCount > 1,
        flightProblems: checkFlight(budget.flight, budget.timeZone, {
          start: window.start,
          end: window.end,
          timeZone: config.campaign.timezone,
        }),
        currencyMismatch: currencyMismatch(budget, config),
      };
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
        detail: { clicks, status: budget.status, period: budget.period, ads: facts },
      });
      // CRM outcomes back to Google (offline conversions); a failed upload is tried again at the next check.
      const conversionUploads = await uploadConversions({
        campaignId,
        config,
        ads,
        ledger,
        conversions: () => crm.fetchConversions(conversionQuery),
        currencyCode: budget.currencyCode,
        now: at,
      }).catch((err: unknown) => {
        log.warn('conversion upload failed; the next check tries again', { campaignId, error: String(err) });
        return null;
      });
      return {
        snapshot,
        clicks,
        externalChange,
        ads: facts,
        ...(conversionUploads ? { conversionUploads } : {}),
        adsOperations: ads.operationUsage(),
      };
    },

    /**
     * Applies an approved proposal through the Ads API and records before/after in the ledger. The target is
     * rounded down to the account currency's minimum unit (whole yen for JPY), so it never exceeds what was
     * approved. A shared budget (AdsSharedBudget) or a total below Google's floor (AdsBudgetBelowMinimum,
     * minimum in details[0]) fails without retries, and the workflow marks the proposal failed with the reason.
     */
    async applyBudgetChange(input: ApplyBudgetChangeInput): Promise<AppliedBudgetChange> {
      const ads = await ports.ads(input.campaignId, input.config, new Date(input.at));
      const ref = adsRef(input.config);
      let before = await ads.getBudget(ref);
      const operations: string[] = [];
      const notes: string[] = [];
      let after: AdsBudgetState = before;
      let validateOnly = false;
      let changed = false;
      if (input.action === 'pause') {
        const result = await ads.setStatus(ref, 'PAUSED');
        operations.push(result.operation);
        ({ after, validateOnly, changed } = result);
      } else {
        const mismatch = input.targetAmountMicros === null ? null : currencyMismatch(before, input.config);
        if (mismatch !== null) {
          // Targets are sized on the contract's figures and held to its guardrails: in another currency they mean
          // another amount. A pause carries no amount and still goes through.
          throw ApplicationFailure.create({
            type: ADS_CURRENCY_MISMATCH,
            nonRetryable: true,
            message: `not applied: ${mismatch}, so this ${input.action}'s target would be set in the wrong currency; set campaign.currency to the account's`,
          });
        }
        if (input.targetAmountMicros !== null) {
          const target = roundToCurrencyUnit(input.targetAmountMicros, before.currencyCode, 'down');
          if (target !== input.targetAmountMicros) {
            notes.push(`target rounded to whole ${before.currencyCode} units: ${target / MICROS}`);
          }
          const { expectedBeforeMicros } = input;
          if (expectedBeforeMicros !== undefined && before.amountMicros === target) {
            // Already at the target: an earlier attempt of this activity set it and then failed before completing
            // (a retry reads its own write). The ledger keeps the amount the proposal changed from.
            if (expectedBeforeMicros !== target) {
              before = { ...before, amountMicros: expectedBeforeMicros };
              changed = true;
              notes.push('set by an earlier attempt of this change');
            }
          } else if (expectedBeforeMicros !== undefined && before.amountMicros !== expectedBeforeMicros) {
            throw ApplicationFailure.create({
              type: ADS_BUDGET_MOVED,
              nonRetryable: true,
              message: `not applied: the budget is ${describe(before)} now, not the ${(expectedBeforeMicros / MICROS).toFixed(2)} this ${input.action} was sized on; it was changed outside this proposal, so its target ${(target / MICROS).toFixed(2)} would override that change. The next velocity check proposes from the new budget`,
            });
          } else {
            const result = await ads.setBudgetAmount(ref, target);
            operations.push(result.operation);
            ({ after, validateOnly } = result);
            changed ||= result.changed;
          }
        }
        if (input.action === 'restore' && input.restoreStatus && after.status !== input.restoreStatus) {
          const result = await ads.setStatus(ref, input.restoreStatus);
          operations.push(result.operation);
          after = { ...after, status: result.after.status };
          changed ||= result.changed;
        }
      }
      const record: BudgetChangeRecord = {
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
      };
      // The change is in Google Ads: a ledger that fails now must not make it look undone (the workflow would mark
      // it failed while it stands, and lose its restore). The workflow's own write, retried until it lands, carries it.
      const unrecorded = await ledger.recordBudgetChange(record).then(
        () => undefined,
        (err: unknown) => {
          log.warn('budget change applied; its ledger row goes with the workflow', { error: String(err) });
          return record;
        },
      );
      const summary = `${input.action}: ${describe(before)} → ${describe(after)}${validateOnly ? ' [validate_only dry run]' : ''}${changed ? '' : ' (already in place)'}${notes.length ? ` (${notes.join('; ')})` : ''}`;
      log.info('budget change applied', { campaignId: input.campaignId, proposalId: input.proposalId, summary });
      return { after, summary, ...(unrecorded ? { unrecorded } : {}) };
    },
  };
}
