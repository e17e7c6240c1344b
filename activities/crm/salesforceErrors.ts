// Maps what jsforce and the token endpoint throw onto the CRM failure types.
import { ApplicationFailure, type Duration } from '@temporalio/common';
import { crmAuthFailure, crmInvalidInput, crmRateLimited, crmRequestRejected } from './crmFailures';
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
  'ENTITY_IS_DELETED',
  'NOT_FOUND',
  'INSUFFICIENT_ACCESS_OR_READONLY',
  'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY',
  'API_DISABLED_FOR_ORG',
]);

export function toCrmFailure(err: unknown, operation: string, rateLimitDelay: Duration): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof SalesforceAuthRejected) return crmAuthFailure(`${operation}: ${err.message}`, err);
  if (err instanceof SoqlValueError) return crmInvalidInput(`${operation}: ${err.message}`, err);
  const code = salesforceErrorCode(err);
  const message = `${operation}: Salesforce ${code}: ${(err as Error).message}`;
  if (code === 'REQUEST_LIMIT_EXCEEDED') return crmRateLimited(message, rateLimitDelay);
  if (code === 'INVALID_SESSION_ID') return crmAuthFailure(`${message} (after a session refresh)`, err as Error);
  if (code !== undefined && REJECTED_CODES.has(code)) return crmRequestRejected(message, err as Error);
  return err;
}
