// What campaign-sla refuses about a Google Ads campaign budget, applied by the real and the sandbox
// adapter alike to what they read, so both fail the same way with the same ApplicationFailure types.
import { isSupportedCurrency } from '../../sla/currency';
import type { AdsFlight } from '../../sla/adsFlight';
import type { AdsCampaignBudget, BudgetPeriod, CampaignStatus } from '../../sla/records';
import { adsCampaignRemoved, adsSharedBudget, adsUnsupportedBudget } from './adsErrors';

const MICROS = 1_000_000;

/** One campaign row as read (campaign, campaign_budget and customer fields), before any refusal. */
export interface BudgetRead {
  campaignStatus: CampaignStatus | 'REMOVED';
  budgetResourceName: string;
  period: BudgetPeriod;
  totalAmountMicros: number | null;
  amountMicros: number | null;
  explicitlyShared: boolean;
  referenceCount: number;
  currencyCode: string;
  timeZone: string;
  flight: AdsFlight;
}

/** The budget state the port hands out, or the one clear refusal that applies first. */
export function toManagedBudget(read: BudgetRead, campaignResourceName: string): AdsCampaignBudget {
  // campaign_status.proto: REMOVED is final; Google keeps the row but nothing serves or can be changed.
  if (read.campaignStatus === 'REMOVED') throw adsCampaignRemoved(campaignResourceName);
  // budget_period.proto: DAILY is an average daily amount (amount_micros); the rules size a total.
  if (read.period !== 'CUSTOM_PERIOD' || read.totalAmountMicros === null) {
    const daily = read.amountMicros === null ? '' : ` of ${(read.amountMicros / MICROS).toFixed(2)}/day`;
    throw adsUnsupportedBudget(
      `budget ${read.budgetResourceName} is a ${read.period} budget${daily}; campaign-sla manages total campaign budgets (CUSTOM_PERIOD, total_amount_micros) only, because its rules treat the amount as the campaign's total`,
    );
  }
  if (!isSupportedCurrency(read.currencyCode)) {
    throw adsUnsupportedBudget(
      `account currency ${read.currencyCode} is not in campaign-sla's table of Google Ads currencies (sla/currency.ts)`,
    );
  }
  return {
    budgetResourceName: read.budgetResourceName,
    period: 'CUSTOM_PERIOD',
    amountMicros: read.totalAmountMicros,
    status: read.campaignStatus,
    explicitlyShared: read.explicitlyShared,
    referenceCount: read.referenceCount,
    currencyCode: read.currencyCode,
    timeZone: read.timeZone,
    flight: read.flight,
  };
}

/**
 * A shared budget moves spend on every campaign that uses it (campaign_budget.proto: explicitly_shared,
 * reference_count = "campaigns actively using the budget"), so its amount is never changed here.
 */
export function assertBudgetNotShared(budget: AdsCampaignBudget): void {
  if (budget.explicitlyShared || budget.referenceCount > 1) {
    throw adsSharedBudget(budget.budgetResourceName, budget.referenceCount);
  }
}
