// GAQL text and resource names for the Ads port. Every value interpolated into GAQL is validated
// first (digits-only IDs, real YYYY-MM-DD dates), so a bad input can never change the query's meaning.
import { DateTime } from 'luxon';
import type { AdsCampaignRef } from '../ports';
import type { CampaignStatus } from '../../sla/records';
import { adsInputError } from './adsErrors';

function assertDigits(value: string, field: string): string {
  if (typeof value !== 'string' || !/^\d{1,20}$/.test(value)) {
    throw adsInputError(`${field}: expected digits only (no dashes), got ${JSON.stringify(value)}`);
  }
  return value;
}

export function assertIsoDate(value: string, field: string): string {
  const valid = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && DateTime.fromISO(value).isValid;
  if (!valid) throw adsInputError(`${field}: expected a date as YYYY-MM-DD, got ${JSON.stringify(value)}`);
  return value;
}

export function assertCampaignRef(ref: AdsCampaignRef): AdsCampaignRef {
  assertDigits(ref.customerId, 'AdsCampaignRef.customerId');
  assertDigits(ref.campaignId, 'AdsCampaignRef.campaignId');
  return ref;
}

export function assertBudgetMicros(amountMicros: number, field: string): number {
  if (!Number.isSafeInteger(amountMicros) || amountMicros <= 0) {
    throw adsInputError(`${field}: must be a positive integer number of micros, got ${amountMicros}`);
  }
  return amountMicros;
}

export function assertCampaignStatus(status: CampaignStatus, field: string): CampaignStatus {
  if (status !== 'ENABLED' && status !== 'PAUSED') {
    throw adsInputError(`${field}: must be ENABLED or PAUSED, got ${JSON.stringify(status)}`);
  }
  return status;
}

export function dailyMetricsQuery(campaignId: string, fromDate: string, toDate: string): string {
  assertDigits(campaignId, 'campaignId');
  assertIsoDate(fromDate, 'fromDate');
  assertIsoDate(toDate, 'toDate');
  if (fromDate > toDate) throw adsInputError(`fromDate ${fromDate} is after toDate ${toDate}`);
  return (
    'SELECT segments.date, metrics.cost_micros, metrics.clicks, metrics.impressions, metrics.conversions ' +
    `FROM campaign WHERE campaign.id = ${campaignId} AND segments.date BETWEEN '${fromDate}' AND '${toDate}'`
  );
}

/**
 * The campaign, its budget and its account in one row (customer is an attributed resource of campaign).
 * v24 field names: campaign.start_date_time / end_date_time (start_date / end_date no longer exist).
 */
export function budgetQuery(campaignId: string): string {
  assertDigits(campaignId, 'campaignId');
  return (
    'SELECT campaign.status, campaign.advertising_channel_type, campaign.start_date_time, campaign.end_date_time, ' +
    'campaign_budget.resource_name, campaign_budget.period, campaign_budget.total_amount_micros, ' +
    'campaign_budget.amount_micros, campaign_budget.explicitly_shared, campaign_budget.reference_count, ' +
    'customer.currency_code, customer.time_zone ' +
    `FROM campaign WHERE campaign.id = ${campaignId}`
  );
}

export function campaignResourceName(ref: AdsCampaignRef): string {
  assertCampaignRef(ref);
  return `customers/${ref.customerId}/campaigns/${ref.campaignId}`;
}
