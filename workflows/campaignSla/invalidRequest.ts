// How an Update refuses a request: a non-retryable ApplicationFailure whose message names each bad field.
// A plain Error from a validator reaches callers marked retryable; a bad request never becomes good by retrying.
import { ApplicationFailure } from '@temporalio/workflow';

const INVALID_REQUEST = 'InvalidRequest';
const CAMPAIGN_AT_CAPACITY = 'CampaignAtCapacity';

export function invalidRequest(summary: string, problems: string[] | string): ApplicationFailure {
  const lines = Array.isArray(problems) ? problems : [problems];
  return ApplicationFailure.create({
    type: INVALID_REQUEST,
    message: `${summary}:\n${lines.join('\n')}`,
    nonRetryable: true,
  });
}

/**
 * A request the campaign cannot take now, whatever it holds: its own type, so a caller can send the leads to
 * another campaign. Not retryable by Temporal; the same request may succeed once the campaign has room again.
 */
export function atCapacity(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: CAMPAIGN_AT_CAPACITY, message, nonRetryable: true });
}

/** A plain Error from domain code as an invalid request; ApplicationFailures pass through. */
export function toInvalidRequest(summary: string, err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  return invalidRequest(summary, err instanceof Error ? err.message : String(err));
}

/** Runs a check that throws plain Errors (domain code) and rethrows them as invalid requests. */
export function asInvalidRequest<T>(summary: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    throw toInvalidRequest(summary, err);
  }
}
