// Feeds CRM outcomes back to Google Ads: converted leads that carry a click ID are uploaded as offline click
// conversions, valued per stage by the contract, in requests of at most 2,000. The ledger keeps one row per lead,
// so a lead is sent until its upload is final and never after; Google dedupes on the order ID (the lead ID) too.
// An upload that fails never fails the velocity check it rides on: the next check tries again.
import { DateTime } from 'luxon';
import type { CampaignConfig } from '../sla/config';
import type { ConversionUploadRecord } from '../sla/records';
import { MAX_CONVERSIONS_PER_REQUEST } from './ads/conversionUpload';
import type { AdsPlatform, ClickConversionUpload, CrmConversion, Ledger } from './ports';

export interface ConversionUploadTally {
  uploaded: number;
  alreadyUploaded: number;
  rejected: number;
  failed: number;
  /** Converted leads without a click ID in the CRM: nothing to tell Google. */
  withoutClickId: number;
}

/**
 * ConvertedDate is a date: the conversion is placed at the end of that day in the campaign's zone, or now if
 * that is still ahead (a conversion time in the future is not a conversion yet).
 */
function conversionTime(convertedDate: string, timeZone: string, now: Date): string {
  const endOfDay = DateTime.fromISO(convertedDate, { zone: timeZone }).endOf('day').set({ millisecond: 0 });
  return DateTime.min(endOfDay, DateTime.fromJSDate(now)).toUTC().toISO({ suppressMilliseconds: true })!;
}

export async function uploadConversions(opts: {
  campaignId: string;
  config: CampaignConfig;
  ads: AdsPlatform;
  ledger: Ledger;
  /** Read only when the contract asks for uploads (one more CRM query). */
  conversions: () => Promise<CrmConversion[]>;
  currencyCode: string;
  now: Date;
}): Promise<ConversionUploadTally | null> {
  const settings = opts.config.ads.conversionUpload;
  if (!settings) return null;
  const { campaignId, ledger, ads } = opts;
  const tally: ConversionUploadTally = { uploaded: 0, alreadyUploaded: 0, rejected: 0, failed: 0, withoutClickId: 0 };
  const conversions = await opts.conversions();
  const withClick = conversions.filter((c) => c.clickId !== undefined);
  tally.withoutClickId = conversions.length - withClick.length;
  const settled = await ledger.settledConversionUploads(
    campaignId,
    withClick.map((c) => c.leadId),
  );
  const due = withClick.filter((c) => !settled.has(c.leadId));
  const byOrderId = new Map(due.map((c) => [c.leadId, c]));
  for (let start = 0; start < due.length; start += MAX_CONVERSIONS_PER_REQUEST) {
    const uploads: ClickConversionUpload[] = due.slice(start, start + MAX_CONVERSIONS_PER_REQUEST).map((c) => ({
      orderId: c.leadId,
      clickId: c.clickId!,
      conversionAction: settings.conversionAction,
      at: conversionTime(c.convertedDate, opts.config.campaign.timezone, opts.now),
      value:
        c.opportunityId !== null ? (settings.value.opportunity ?? settings.value.converted) : settings.value.converted,
      currencyCode: opts.currencyCode,
      adUserData: settings.adUserDataConsent,
    }));
    const outcomes = await ads
      .uploadClickConversions(opts.config.campaign.ads.customerId, uploads)
      .catch((err: unknown) =>
        uploads.map((u) => ({ orderId: u.orderId, status: 'failed' as const, error: (err as Error).message })),
      );
    const records: ConversionUploadRecord[] = outcomes.map((outcome, i) => {
      if (outcome.status === 'uploaded') tally.uploaded++;
      else if (outcome.status === 'already-uploaded') tally.alreadyUploaded++;
      else if (outcome.status === 'rejected') tally.rejected++;
      else tally.failed++;
      return {
        campaignId,
        leadId: outcome.orderId,
        conversionAction: settings.conversionAction,
        convertedDate: byOrderId.get(outcome.orderId)!.convertedDate,
        value: uploads[i].value,
        currency: uploads[i].currencyCode,
        status: outcome.status,
        error: 'error' in outcome ? outcome.error : null,
        at: opts.now.toISOString(),
      };
    });
    await ledger.recordConversionUploads(records);
  }
  return tally;
}
