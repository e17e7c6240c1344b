// Maps what jsforce and the token endpoint throw onto the CRM failure types.
import { ApplicationFailure, type Duration } from '@temporalio/common';
import { crmAuthFailure, crmInvalidInput, crmLimitExceeded, crmRequestRejected } from './crmFailures';
import { SalesforceAuthRejected } from './salesforceSession';
import { SoqlValueError } from './soql';

/** jsforce's HttpApiError carries the REST API's errorCode. */
export function salesforceErrorCode(err: unknown): string | undefined {
  const code = (err as { errorCode?: unknown } | null)?.errorCode;
  return typeof code === 'string' ? code : undefined;
}

export function isInvalidSession(err: unknown): boolean {
  return salesforceErrorCode(err) === 'INVALID_SESSION_ID';
}

// Codes for requests Salesforce will refuse again unchanged; anything else (5xx, network,
// UNABLE_TO_LOCK_ROW, ...) stays retryable.
const REJECTED_CODES = new Set([
  'MALFORMED_QUERY',
  'INVALID_FIELD',
  'INVALID_TYPE',
  'INVALID_QUERY_FILTER_OPERATOR',
  'INVALID_CROSS_REFERENCE_KEY',
  'INVALID_ID_FIELD',
  'INVALID_FIELD_FOR_INSERT_UPDATE',
  'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
  'FIELD_CUSTOM_VALIDATION_EXCEPTION',
  'REQUIRED_FIELD_MISSING',
  'DUPLICATE_VALUE',
  'CANNOT_UPDATE_CONVERTED_LEAD',
  'ENTITY_IS_DELETED',
  'NOT_FOUND',
  'INSUFFICIENT_ACCESS_OR_READONLY',
  'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY',
  'API_DISABLED_FOR_ORG',
]);

export interface LimitBackoff {
  /** Wait after the concurrent-request limit: in-flight requests finish within seconds to minutes. */
  concurrent: Duration;
  /** Wait after the 24-hour total limit: calls free up only as the rolling window moves on. */
  daily: Duration;
}

// Salesforce answers both limits with REQUEST_LIMIT_EXCEEDED; the message names which one:
// "TotalRequests Limit exceeded." vs "ConcurrentRequests (Concurrent API Requests) Limit exceeded."
// (https://help.salesforce.com/s/articleView?id=000389067). Usage at the limit (Sforce-Limit-Info) means daily too.
function whichLimit(err: unknown, usage: { used: number; limit: number } | undefined): 'daily' | 'concurrent' {
  const message = (err as Error | null)?.message ?? '';
  if (/ConcurrentRequests|concurrent/i.test(message)) return 'concurrent';
  if (/TotalRequests/i.test(message)) return 'daily';
  return usage && usage.limit > 0 && usage.used >= usage.limit ? 'daily' : 'concurrent';
}

export function toCrmFailure(
  err: unknown,
  operation: string,
  backoff: LimitBackoff,
  usage?: { used: number; limit: number },
): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof SalesforceAuthRejected) return crmAuthFailure(`${operation}: ${err.message}`, err);
  if (err instanceof SoqlValueError) return crmInvalidInput(`${operation}: ${err.message}`, err);
  const code = salesforceErrorCode(err);
  const message = `${operation}: Salesforce ${code}: ${(err as Error).message}`;
  if (code === 'REQUEST_LIMIT_EXCEEDED') {
    const limit = whichLimit(err, usage);
    const detail = usage ? ` (api-usage ${usage.used}/${usage.limit})` : '';
    return crmLimitExceeded(limit, `${message}${detail}`, limit === 'daily' ? backoff.daily : backoff.concurrent);
  }
  if (code === 'INVALID_SESSION_ID') return crmAuthFailure(`${message} (after a session refresh)`, err as Error);
  if (code !== undefined && REJECTED_CODES.has(code)) return crmRequestRejected(message, err as Error);
  return err;
}
