// Offline click conversions for Google Ads (ConversionUploadService.UploadClickConversions, v24): the request
// Google documents and the per-conversion outcome read from its partial-failure response.
import { DateTime } from 'luxon';
import { enums, errors as adsProtos, services } from 'google-ads-api';
import type { ClickConversionOutcome, ClickConversionUpload } from '../ports';
import { errorCodeOf, type GoogleAdsErrorLike } from './adsErrors';

/** "Upload fewer than 2001 events in a single request" (ConversionUploadError.TOO_MANY_CONVERSIONS_IN_REQUEST). */
export const MAX_CONVERSIONS_PER_REQUEST = 2000;

/** Google already has it: the same order ID, or the same click and time (conversion_upload_error.proto). */
const ALREADY_THERE = new Set(['ORDER_ID_ALREADY_IN_USE', 'CLICK_CONVERSION_ALREADY_EXISTS']);
/** Worth another try later; every other per-conversion error is final for that conversion. */
const TRY_AGAIN = new Set(['TOO_RECENT_EVENT', 'CONCURRENT_MODIFICATION', 'INTERNAL_ERROR']);

/**
 * ClickConversion: exactly one of gclid, gbraid, wbraid (GBRAID_WBRAID_BOTH_SET otherwise);
 * conversion_date_time as "yyyy-mm-dd hh:mm:ss+|-hh:mm"; consent.ad_user_data per the EU user consent policy.
 */
export function clickConversionRequest(
  customerId: string,
  conversions: ClickConversionUpload[],
  validateOnly: boolean,
): services.UploadClickConversionsRequest {
  if (conversions.length > MAX_CONVERSIONS_PER_REQUEST) {
    throw new Error(`at most ${MAX_CONVERSIONS_PER_REQUEST} conversions per request, got ${conversions.length}`);
  }
  return new services.UploadClickConversionsRequest({
    customer_id: customerId,
    // UploadClickConversionsRequest.partial_failure: "Required ... This should always be set to true."
    partial_failure: true,
    validate_only: validateOnly,
    conversions: conversions.map((c) => ({
      gclid: c.clickId.kind === 'gclid' ? c.clickId.value : null,
      gbraid: c.clickId.kind === 'gbraid' ? c.clickId.value : null,
      wbraid: c.clickId.kind === 'wbraid' ? c.clickId.value : null,
      conversion_action: c.conversionAction,
      conversion_date_time: DateTime.fromISO(c.at, { zone: 'utc' }).toFormat('yyyy-MM-dd HH:mm:ssZZ'),
      conversion_value: c.value,
      currency_code: c.currencyCode,
      order_id: c.orderId,
      consent: { ad_user_data: enums.ConsentStatus[c.adUserData] },
    })),
  });
}

/**
 * Per conversion: results[i] is an empty proto for a failed row; partial_failure_error's GoogleAdsFailure
 * details name each failed row by location.field_path_elements [{ field_name: "conversions", index }].
 */
export function clickConversionOutcomes(
  conversions: ClickConversionUpload[],
  response: services.IUploadClickConversionsResponse | null | undefined,
): ClickConversionOutcome[] {
  const errorsByIndex = new Map<number, { name: string; message: string }[]>();
  for (const detail of response?.partial_failure_error?.details ?? []) {
    if (!(detail.value instanceof Uint8Array) || !detail.type_url?.endsWith('.GoogleAdsFailure')) continue;
    const failure = adsProtos.GoogleAdsFailure.decode(detail.value);
    for (const error of failure.errors as GoogleAdsErrorLike[]) {
      const element = (
        error as { location?: { field_path_elements?: { field_name?: string; index?: number | null }[] } }
      ).location?.field_path_elements?.find((e) => e.field_name === 'conversions');
      const index = element?.index ?? -1;
      const code = errorCodeOf(error);
      errorsByIndex.set(index, [
        ...(errorsByIndex.get(index) ?? []),
        { name: code.name, message: error.message ?? '' },
      ]);
    }
  }
  const unplaced = errorsByIndex.get(-1);
  return conversions.map((c, index): ClickConversionOutcome => {
    const errors = errorsByIndex.get(index) ?? unplaced;
    if (!errors) return { orderId: c.orderId, status: 'uploaded' };
    if (errors.every((e) => ALREADY_THERE.has(e.name))) return { orderId: c.orderId, status: 'already-uploaded' };
    const error = errors.map((e) => `${e.name}: ${e.message}`).join('; ');
    return { orderId: c.orderId, status: errors.some((e) => TRY_AGAIN.has(e.name)) ? 'failed' : 'rejected', error };
  });
}
