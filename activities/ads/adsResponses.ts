// Boundary validation of what google-ads-api hands back. The library returns int64 fields as numbers
// when it parses REST rows but as strings when parsing is off or the field is unknown to its tables,
// and enums as numbers (parsed) or names (raw), so each field accepts both forms and is normalised here.
import { enums } from 'google-ads-api';
import { z } from 'zod';
import { IANAZone } from 'luxon';
import type { BudgetPeriod, CampaignStatus } from '../../sla/records';
import type { DailyAdsMetrics } from '../ports';
import { adsMalformedResponse } from './adsErrors';
import type { BudgetRead } from './budgetPolicy';

const int64 = z
  .union([z.number(), z.string().regex(/^-?\d+$/, 'expected number')], { error: 'expected number' })
  .transform((value, ctx) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n)) {
      ctx.addIssue({ code: 'custom', message: `expected a safe integer, got ${value}` });
      return z.NEVER;
    }
    return n;
  });

const double = z
  .union([z.number(), z.string().regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/, 'expected number')], {
    error: 'expected number',
  })
  .transform(Number);

/** An enum field as number or name, resolved to its name and checked against the allowed names. */
function enumOf<const Name extends string>(table: Record<string | number, string | number>, allowed: readonly Name[]) {
  return z
    .union([z.number(), z.string()], { error: `expected one of ${allowed.join(', ')}` })
    .transform((value, ctx) => {
      const name = typeof value === 'number' ? table[value] : value;
      if (typeof name !== 'string' || !(allowed as readonly string[]).includes(name)) {
        ctx.addIssue({
          code: 'custom',
          message: `expected one of ${allowed.join(', ')}, got ${String(name ?? value)}`,
        });
        return z.NEVER;
      }
      return name as Name;
    });
}

// REMOVED is read (and refused with its own error by budgetPolicy), not mistaken for a malformed row.
const campaignStatus = enumOf<CampaignStatus | 'REMOVED'>(enums.CampaignStatus as unknown as Record<string, string>, [
  'ENABLED',
  'PAUSED',
  'REMOVED',
]);
const channelType = z
  .union([z.number(), z.string()], { error: 'expected an advertising channel type' })
  .transform((value) =>
    typeof value === 'number'
      ? ((enums.AdvertisingChannelType as unknown as Record<number, string>)[value] ?? String(value))
      : value,
  );
const budgetPeriod = enumOf<BudgetPeriod>(enums.BudgetPeriod as unknown as Record<string, string>, [
  'DAILY',
  'CUSTOM_PERIOD',
]);

// Zero-valued metrics may be omitted from a row, so a missing metric reads as 0; a present one must be numeric.
const metricsRowSchema = z.object({
  segments: z.object({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD') }),
  metrics: z.object({
    cost_micros: int64.optional().default(0),
    clicks: int64.optional().default(0),
    impressions: int64.optional().default(0),
    conversions: double.optional().default(0),
  }),
});

// campaign.proto: "yyyy-MM-dd HH:mm:ss" in the customer's time zone.
const flightTime = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'expected yyyy-MM-dd HH:mm:ss');

// Optional proto3 fields are omitted when false/zero (REST), so a missing explicitly_shared or
// reference_count reads as false/0; a present one must have the right type.
const budgetRowSchema = z
  .object({
    campaign: z.object({
      status: campaignStatus,
      advertising_channel_type: channelType,
      start_date_time: flightTime.optional(),
      // Unset end_date_time means the campaign runs indefinitely (campaign.proto).
      end_date_time: flightTime.optional(),
    }),
    campaign_budget: z.object({
      resource_name: z
        .string()
        .regex(/^customers\/\d+\/campaignBudgets\/\d+$/, 'expected customers/<id>/campaignBudgets/<id>'),
      period: budgetPeriod,
      total_amount_micros: int64.optional(),
      amount_micros: int64.optional(),
      explicitly_shared: z.boolean({ error: 'expected boolean' }).optional().default(false),
      reference_count: int64.optional().default(0),
    }),
    customer: z.object({
      currency_code: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code'),
      time_zone: z.string().refine((zone) => IANAZone.isValidZone(zone), 'expected an IANA time zone'),
    }),
  })
  .superRefine((row, ctx) => {
    // A total campaign budget (CUSTOM_PERIOD) is sized by total_amount_micros; DAILY ones are refused later.
    if (row.campaign_budget.period === 'CUSTOM_PERIOD' && row.campaign_budget.total_amount_micros === undefined) {
      ctx.addIssue({ code: 'custom', path: ['campaign_budget', 'total_amount_micros'], message: 'expected number' });
    }
  });

const mutateResponseSchema = z.object({
  results: z.array(z.object({ resource_name: z.string() })).nullish(),
});

const rowsSchema = z.array(z.unknown(), { error: 'expected an array of rows' });

export function parseDailyMetricsRows(response: unknown): DailyAdsMetrics[] {
  return parseRows(response, metricsRowSchema)
    .map((row) => ({
      date: row.segments.date,
      costMicros: row.metrics.cost_micros,
      clicks: row.metrics.clicks,
      impressions: row.metrics.impressions,
      conversions: row.metrics.conversions,
    }))
    .sort((a, b) => a.date.localeCompare(b.date));
}

/** Returns null when the campaign was not found (no rows). */
export function parseBudgetRows(response: unknown): BudgetRead | null {
  const rows = parseRows(response, budgetRowSchema);
  if (rows.length === 0) return null;
  if (rows.length > 1) throw adsMalformedResponse(`expected one campaign row, got ${rows.length}`);
  const { campaign, campaign_budget: budget, customer } = rows[0];
  return {
    campaignStatus: campaign.status,
    budgetResourceName: budget.resource_name,
    period: budget.period,
    totalAmountMicros: budget.total_amount_micros ?? null,
    amountMicros: budget.amount_micros ?? null,
    explicitlyShared: budget.explicitly_shared,
    referenceCount: budget.reference_count,
    currencyCode: customer.currency_code,
    timeZone: customer.time_zone,
    flight: {
      startDateTime: campaign.start_date_time ?? null,
      endDateTime: campaign.end_date_time ?? null,
      channelType: campaign.advertising_channel_type,
    },
  };
}

/**
 * Checks a mutate response names the resource we changed. validate_only responses carry no results,
 * so an empty result list is accepted only for them.
 */
export function assertMutateResponse(response: unknown, resourceName: string, validateOnly: boolean): void {
  const parsed = mutateResponseSchema.safeParse(response ?? {});
  if (!parsed.success) throw adsMalformedResponse(formatIssues(parsed.error.issues));
  const names = (parsed.data.results ?? []).map((r) => r.resource_name);
  if (validateOnly && names.length === 0) return;
  if (!names.includes(resourceName)) {
    throw adsMalformedResponse(
      `results: expected ${resourceName}, got ${names.length ? names.join(', ') : 'no results'}`,
    );
  }
}

function parseRows<S extends z.ZodType>(response: unknown, schema: S): z.output<S>[] {
  const rows = rowsSchema.safeParse(response);
  if (!rows.success) throw adsMalformedResponse(formatIssues(rows.error.issues));
  return rows.data.map((row, index) => {
    const parsed = schema.safeParse(row);
    if (!parsed.success) throw adsMalformedResponse(`${formatIssues(parsed.error.issues)} (row ${index})`);
    return parsed.data;
  });
}

function formatIssues(issues: z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`).join('; ');
}
