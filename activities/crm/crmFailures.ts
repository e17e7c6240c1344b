// How CRM problems surface to Temporal: typed ApplicationFailures, so retry policy and
// workflows can tell "try again later" from "a human has to fix something".
import { ApplicationFailure } from '@temporalio/common';
import type { Duration } from '@temporalio/common';

const CRM_AUTH_ERROR = 'CrmAuthError';
/** The org's rolling 24-hour API allowance is spent (TotalRequests). */
const CRM_DAILY_LIMIT = 'CrmDailyApiLimitExceeded';
/** Too many long-running requests in flight at once (ConcurrentRequests). */
const CRM_CONCURRENT_LIMIT = 'CrmConcurrentApiLimitExceeded';
const CRM_REQUEST_REJECTED = 'CrmRequestRejected';
const CRM_MALFORMED_RECORD = 'CrmMalformedRecord';
const CRM_INVALID_INPUT = 'CrmInvalidInput';

/** Credentials are expired, revoked or wrong: retrying cannot help until someone re-authorises. */
export function crmAuthFailure(message: string, cause?: Error): ApplicationFailure {
  return ApplicationFailure.create({ message, type: CRM_AUTH_ERROR, nonRetryable: true, cause });
}

/**
 * REQUEST_LIMIT_EXCEEDED: retry, but not before the delay — minutes for the concurrent limit, until the
 * rolling 24-hour window frees calls for the daily one.
 */
export function crmLimitExceeded(
  limit: 'daily' | 'concurrent',
  message: string,
  retryDelay: Duration,
): ApplicationFailure {
  return ApplicationFailure.create({
    message,
    type: limit === 'daily' ? CRM_DAILY_LIMIT : CRM_CONCURRENT_LIMIT,
    nonRetryable: false,
    nextRetryDelay: retryDelay,
  });
}

/** Salesforce refused the request itself (bad field, bad ID, validation rule): the same request fails again. */
export function crmRequestRejected(message: string, cause?: Error): ApplicationFailure {
  return ApplicationFailure.create({ message, type: CRM_REQUEST_REJECTED, nonRetryable: true, cause });
}

export function isCrmRequestRejected(err: unknown): boolean {
  return err instanceof ApplicationFailure && err.type === CRM_REQUEST_REJECTED;
}

/** A record came back without the fields the engine relies on. */
export function crmMalformedRecord(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: CRM_MALFORMED_RECORD, nonRetryable: true });
}

/** The caller passed something that must never be sent (bad ID, bad date, empty subject). */
export function crmInvalidInput(message: string, cause?: Error): ApplicationFailure {
  return ApplicationFailure.create({ message, type: CRM_INVALID_INPUT, nonRetryable: true, cause });
}
