// Error taxonomy for the Google Ads port. Every failure leaving an ads adapter is an ApplicationFailure
// whose `type` is one of the constants below, so workflows can catch them by type and Temporal's
// retry policy does the right thing (quota waits for the server's delay; auth/validation never retry).
import { ApplicationFailure } from '@temporalio/common';
import { errors as adsProtos } from 'google-ads-api';

export const ADS_QUOTA_EXCEEDED = 'AdsQuotaExceeded';
export const ADS_AUTH_ERROR = 'AdsAuthError';
export const ADS_VALIDATION_ERROR = 'AdsValidationError';
export const ADS_MALFORMED_RESPONSE = 'AdsMalformedResponse';
export const ADS_TRANSIENT_ERROR = 'AdsTransientError';
/** The campaign's budget is shared with other campaigns: moving it would move their spend too. */
export const ADS_SHARED_BUDGET = 'AdsSharedBudget';
/** A budget campaign-sla does not manage (DAILY) or an account currency it does not know. */
export const ADS_UNSUPPORTED_BUDGET = 'AdsUnsupportedBudget';
/** CampaignBudgetError.BUDGET_BELOW_PER_DAY_MINIMUM; the failure's details carry Google's minimum. */
export const ADS_BUDGET_BELOW_MINIMUM = 'AdsBudgetBelowMinimum';
export const ADS_CAMPAIGN_REMOVED = 'AdsCampaignRemoved';

type AdsErrorType =
  | typeof ADS_QUOTA_EXCEEDED
  | typeof ADS_AUTH_ERROR
  | typeof ADS_VALIDATION_ERROR
  | typeof ADS_MALFORMED_RESPONSE
  | typeof ADS_TRANSIENT_ERROR
  | typeof ADS_SHARED_BUDGET
  | typeof ADS_UNSUPPORTED_BUDGET
  | typeof ADS_BUDGET_BELOW_MINIMUM
  | typeof ADS_CAMPAIGN_REMOVED;

/** Types a workflow should treat as final (also usable as RetryPolicy.nonRetryableErrorTypes). */
const NON_RETRYABLE_ADS_ERROR_TYPES: readonly AdsErrorType[] = [
  ADS_AUTH_ERROR,
  ADS_VALIDATION_ERROR,
  ADS_MALFORMED_RESPONSE,
  ADS_SHARED_BUDGET,
  ADS_UNSUPPORTED_BUDGET,
  ADS_BUDGET_BELOW_MINIMUM,
  ADS_CAMPAIGN_REMOVED,
];

/** Used when Google signals quota exhaustion without saying how long to wait. */
const DEFAULT_QUOTA_RETRY_DELAY_MS = 30_000;

interface AdsErrorClassification {
  type: AdsErrorType;
  message: string;
  /** Only for quota errors: how long the server asked us to back off. */
  retryDelayMs?: number;
  /** Figures a workflow acts on, carried as the ApplicationFailure's first detail. */
  details?: AdsFailureDetails;
}

/** The first detail of an AdsBudgetBelowMinimum failure (errors.proto, BudgetPerDayMinimumErrorDetails). */
interface BudgetBelowMinimumDetails {
  minimumBudgetTotalAmountMicros: number | null;
  budgetPerDayMinimumMicros: number | null;
  failedBudgetTotalAmountMicros: number | null;
  currencyCode: string | null;
}

/** The first detail of an AdsQuotaExceeded failure (errors.proto, QuotaErrorDetails). */
interface QuotaDetails {
  /** ACCOUNT (per customer) or DEVELOPER (per developer token): which budget of requests ran out. */
  rateScope: string;
  rateName: string | null;
  retryDelayMs: number;
}

type AdsFailureDetails = BudgetBelowMinimumDetails | QuotaDetails;

/** Bad input to the port (IDs, dates, amounts): never worth retrying. */
export function adsInputError(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: ADS_VALIDATION_ERROR, message, nonRetryable: true });
}

/** Refuses to move a shared budget (campaign_budget.proto: explicitly_shared, reference_count). */
export function adsSharedBudget(budgetResourceName: string, referenceCount: number): ApplicationFailure {
  const campaigns = `${referenceCount} campaign${referenceCount === 1 ? '' : 's'}`;
  const sharing =
    referenceCount > 1 ? `is shared by ${campaigns}` : `is an explicitly shared budget (used by ${campaigns} now)`;
  return ApplicationFailure.create({
    type: ADS_SHARED_BUDGET,
    message: `budget ${budgetResourceName} ${sharing}; campaign-sla will not move it, because that moves spend on every campaign using it`,
    nonRetryable: true,
  });
}

export function adsUnsupportedBudget(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: ADS_UNSUPPORTED_BUDGET, message, nonRetryable: true });
}

export function adsCampaignRemoved(campaignResourceName: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: ADS_CAMPAIGN_REMOVED,
    message: `campaign ${campaignResourceName} is REMOVED in Google Ads; removal is final, so campaign-sla can neither read its budget nor change it`,
    nonRetryable: true,
  });
}

/** A response that does not match what the Ads API contract promises. */
export function adsMalformedResponse(problem: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: ADS_MALFORMED_RESPONSE,
    message: `Google Ads response: ${problem}`,
    nonRetryable: true,
  });
}

/** Converts anything thrown by google-ads-api (or its OAuth/gRPC/HTTP layers) into a typed ApplicationFailure. */
export function toAdsFailure(error: unknown, operation: string): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  const classified = classifyAdsError(error);
  const cause = error instanceof Error ? error : undefined;
  return ApplicationFailure.create({
    type: classified.type,
    message: `${operation}: ${classified.message}`,
    nonRetryable: NON_RETRYABLE_ADS_ERROR_TYPES.includes(classified.type),
    nextRetryDelay: classified.retryDelayMs,
    details: classified.details ? [classified.details] : undefined,
    cause,
  });
}

function classifyAdsError(error: unknown): AdsErrorClassification {
  const failure = asGoogleAdsFailure(error);
  if (failure) return classifyGoogleAdsFailure(failure);
  const oauthError = oauthErrorCode(error);
  if (oauthError) {
    return {
      type: ADS_AUTH_ERROR,
      message: `OAuth token refresh failed (${oauthError}): re-authorize and update GOOGLE_ADS_REFRESH_TOKEN / client credentials`,
    };
  }
  const status = statusName(error);
  const detail = errorMessage(error);
  if (status) return classifyStatus(status, detail);
  return { type: ADS_TRANSIENT_ERROR, message: `transient failure: ${detail}` };
}

// ---- GoogleAdsFailure (the library's decoded error; a protobuf message, not an Error) ----

export interface GoogleAdsErrorLike {
  error_code?: Record<string, unknown> | null;
  message?: string | null;
  details?: {
    quota_error_details?: { retry_delay?: unknown; rate_scope?: unknown; rate_name?: unknown } | null;
    retry_delay?: unknown;
    budget_per_day_minimum_error_details?: Record<string, unknown> | null;
  } | null;
}

interface GoogleAdsFailureLike {
  errors: GoogleAdsErrorLike[];
  request_id?: string | null;
}

function asGoogleAdsFailure(error: unknown): GoogleAdsFailureLike | null {
  if (error instanceof adsProtos.GoogleAdsFailure) return error as GoogleAdsFailureLike;
  if (typeof error !== 'object' || error === null) return null;
  const candidate = (error as { errors?: unknown }).errors;
  if (!Array.isArray(candidate) || candidate.length === 0) return null;
  const looksRight = candidate.every((e) => typeof e === 'object' && e !== null && 'error_code' in e);
  return looksRight ? (error as GoogleAdsFailureLike) : null;
}

/** Quota codes that mean "slow down and try again", as opposed to ACCESS_PROHIBITED. */
const RETRYABLE_QUOTA_CODES = new Set([
  'RESOURCE_EXHAUSTED',
  'RESOURCE_TEMPORARILY_EXHAUSTED',
  'EXCESSIVE_SHORT_TERM_QUERY_RESOURCE_CONSUMPTION',
  'EXCESSIVE_LONG_TERM_QUERY_RESOURCE_CONSUMPTION',
]);
const AUTH_ERROR_KEYS = new Set(['authentication_error', 'authorization_error']);
/**
 * internal_error; DatabaseError.CONCURRENT_MODIFICATION ("Retry the request.") and DATA_CONSTRAINT_VIOLATION ("will
 * usually be replaced with a more specific error if the request is retried"), database_error.proto: the retry
 * either succeeds or says what is wrong, and that error is classified on its own.
 */
const TRANSIENT_DATABASE_ERRORS = new Set(['CONCURRENT_MODIFICATION', 'DATA_CONSTRAINT_VIOLATION']);
const isTransient = ({ key, name }: { key: string; name: string }) =>
  key === 'internal_error' || (key === 'database_error' && TRANSIENT_DATABASE_ERRORS.has(name));

function classifyGoogleAdsFailure(failure: GoogleAdsFailureLike): AdsErrorClassification {
  const described = failure.errors.map((e) => ({ error: e, code: errorCodeOf(e) }));
  const requestId = failure.request_id ? ` (request_id ${failure.request_id})` : '';
  const summary = described
    .map(({ error, code }) => `${code.key}.${code.name}: ${error.message ?? 'no message'}`)
    .join('; ');

  const quota = described.find(({ code }) => code.key === 'quota_error' && RETRYABLE_QUOTA_CODES.has(code.name));
  if (quota) {
    const retryDelayMs = retryDelayOf(quota.error) ?? DEFAULT_QUOTA_RETRY_DELAY_MS;
    const details = quotaDetailsOf(quota.error, retryDelayMs);
    const scope =
      details.rateScope === 'UNSPECIFIED'
        ? ''
        : ` (${details.rateScope.toLowerCase()} quota${details.rateName ? `: ${details.rateName}` : ''})`;
    return {
      type: ADS_QUOTA_EXCEEDED,
      message: `quota exceeded${scope}, retry in ${retryDelayMs / 1000}s: ${summary}${requestId}`,
      retryDelayMs,
      details,
    };
  }
  const belowMinimum = described.find(
    ({ code }) => code.key === 'campaign_budget_error' && code.name === 'BUDGET_BELOW_PER_DAY_MINIMUM',
  );
  if (belowMinimum) {
    const details = budgetMinimumOf(belowMinimum.error);
    const minimum =
      details.minimumBudgetTotalAmountMicros === null
        ? 'Google did not say the minimum'
        : `the minimum total is ${details.minimumBudgetTotalAmountMicros} micros${details.currencyCode ? ` ${details.currencyCode}` : ''}`;
    return {
      type: ADS_BUDGET_BELOW_MINIMUM,
      message: `budget below Google's per-day minimum (${minimum}): ${summary}${requestId}`,
      details,
    };
  }
  if (described.some(({ code }) => AUTH_ERROR_KEYS.has(code.key) || code.key === 'quota_error')) {
    return { type: ADS_AUTH_ERROR, message: `not authorized: ${summary}${requestId}` };
  }
  if (described.every(({ code }) => isTransient(code))) {
    return { type: ADS_TRANSIENT_ERROR, message: `transient Google Ads error: ${summary}${requestId}` };
  }
  // request_error, field_error, range_error, mutate_error, campaign_budget_error, query_error...:
  // the request itself is wrong, so repeating it cannot succeed.
  return { type: ADS_VALIDATION_ERROR, message: `request rejected: ${summary}${requestId}` };
}

/** error_code is a oneof: exactly one key (e.g. quota_error) is set, to an enum number (gRPC) or name (REST). */
export function errorCodeOf(error: GoogleAdsErrorLike): { key: string; name: string } {
  const entries = Object.entries(error.error_code ?? {}).filter(([, v]) => v !== null && v !== undefined && v !== 0);
  if (entries.length === 0) return { key: 'unknown_error', name: 'UNSPECIFIED' };
  const [key, value] = entries[0];
  return { key, name: typeof value === 'number' ? enumName(key, value) : String(value) };
}

/** quota_error + 2 -> "RESOURCE_EXHAUSTED", via errors.QuotaErrorEnum.QuotaError's reverse mapping. */
function enumName(key: string, value: number): string {
  const pascal = key.replace(/(^|_)([a-z0-9])/g, (_m, _sep: string, ch: string) => ch.toUpperCase());
  const container = (adsProtos as unknown as Record<string, Record<string, Record<number, string>> | undefined>)[
    `${pascal}Enum`
  ];
  return container?.[pascal]?.[value] ?? String(value);
}

function retryDelayOf(error: GoogleAdsErrorLike): number | undefined {
  const raw = error.details?.quota_error_details?.retry_delay ?? error.details?.retry_delay;
  return raw === undefined || raw === null ? undefined : durationToMs(raw);
}

/** QuotaErrorDetails.rate_scope arrives as an enum number (gRPC) or name (REST). */
function quotaDetailsOf(error: GoogleAdsErrorLike, retryDelayMs: number): QuotaDetails {
  const raw = error.details?.quota_error_details;
  const scope = raw?.rate_scope;
  const scopeNames = adsProtos.QuotaErrorDetails.QuotaRateScope as unknown as Record<number, string>;
  const rateScope =
    typeof scope === 'number'
      ? (scopeNames[scope] ?? String(scope))
      : typeof scope === 'string'
        ? scope
        : 'UNSPECIFIED';
  const rateName = typeof raw?.rate_name === 'string' && raw.rate_name ? raw.rate_name : null;
  return { rateScope, rateName, retryDelayMs };
}

/** BudgetPerDayMinimumErrorDetails: int64 fields arrive as numbers, strings (REST/JSON) or Longs (gRPC). */
function budgetMinimumOf(error: GoogleAdsErrorLike): BudgetBelowMinimumDetails {
  const raw = error.details?.budget_per_day_minimum_error_details ?? {};
  const currency = raw.currency_code;
  return {
    minimumBudgetTotalAmountMicros: int64Of(raw.minimum_budget_total_amount_micros),
    budgetPerDayMinimumMicros: int64Of(raw.budget_per_day_minimum_micros),
    failedBudgetTotalAmountMicros: int64Of(raw.failed_budget_total_amount_micros),
    currencyCode: typeof currency === 'string' && currency ? currency : null,
  };
}

/** A positive int64 as a safe integer; 0 (proto3's unset) and anything unreadable read as null. */
function int64Of(raw: unknown): number | null {
  if (raw === undefined || raw === null) return null;
  const n = Number(typeof raw === 'object' ? String(raw) : raw);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** protobuf Duration arrives as {seconds, nanos} (seconds may be number, string or Long) or, over REST, as "12.5s". */
function durationToMs(raw: unknown): number | undefined {
  if (typeof raw === 'string') {
    const match = /^(\d+(?:\.\d+)?)s$/.exec(raw.trim());
    return match ? Math.round(Number(match[1]) * 1000) : undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { seconds, nanos } = raw as { seconds?: unknown; nanos?: unknown };
  const secs = Number(typeof seconds === 'object' && seconds !== null ? String(seconds) : (seconds ?? 0));
  const nano = Number(nanos ?? 0);
  if (!Number.isFinite(secs) || !Number.isFinite(nano)) return undefined;
  const ms = Math.round(secs * 1000 + nano / 1e6);
  return ms > 0 ? ms : undefined;
}

// ---- OAuth, gRPC status and HTTP status errors (no GoogleAdsFailure attached) ----

const OAUTH_ERROR_CODES = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client', 'invalid_token']);

function oauthErrorCode(error: unknown): string | undefined {
  const bodyError = (error as { response?: { data?: { error?: unknown } } } | null)?.response?.data?.error;
  if (typeof bodyError === 'string' && OAUTH_ERROR_CODES.has(bodyError)) return bodyError;
  const message = errorMessage(error);
  return [...OAUTH_ERROR_CODES].find((code) => message.includes(code));
}

const GRPC_CODE_NAMES: Record<number, string> = {
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
};
const HTTP_STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
};

/** A canonical status name from a gRPC error (numeric code), an axios error (HTTP status) or a REST error body. */
function statusName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as {
    code?: unknown;
    response?: { status?: unknown; data?: { error?: { status?: unknown } } };
    cause?: { status?: unknown; code?: unknown };
  };
  if (typeof e.code === 'number') return GRPC_CODE_NAMES[e.code] ?? `GRPC_${e.code}`;
  const bodyStatus = e.response?.data?.error?.status ?? e.cause?.status;
  if (typeof bodyStatus === 'string') return bodyStatus;
  const http = e.response?.status ?? e.cause?.code;
  if (typeof http === 'number') return HTTP_STATUS_NAMES[http] ?? `HTTP_${http}`;
  return undefined;
}

function classifyStatus(status: string, detail: string): AdsErrorClassification {
  switch (status) {
    case 'RESOURCE_EXHAUSTED':
      return {
        type: ADS_QUOTA_EXCEEDED,
        message: `quota exceeded (${status}), retry in ${DEFAULT_QUOTA_RETRY_DELAY_MS / 1000}s: ${detail}`,
        retryDelayMs: DEFAULT_QUOTA_RETRY_DELAY_MS,
      };
    case 'UNAUTHENTICATED':
    case 'PERMISSION_DENIED':
      return { type: ADS_AUTH_ERROR, message: `not authorized (${status}): ${detail}` };
    case 'INVALID_ARGUMENT':
    case 'NOT_FOUND':
      return { type: ADS_VALIDATION_ERROR, message: `request rejected (${status}): ${detail}` };
    default:
      return { type: ADS_TRANSIENT_ERROR, message: `transient failure (${status}): ${detail}` };
  }
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  return String(error);
}
