// One rule for every ID that reaches a workflow from outside (leads, owners, reps, managers, approvers,
// events, proposals): short, printable, and never personal data. Workflow state keys its maps by these
// IDs, so anything the rule admits, including "constructor" or "toString", must be an ordinary key.
import { z } from 'zod';

export const MAX_ID_LENGTH = 80;

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
// "+1 (555) 123-4567", "555-123-4567", "+15551234567": phone punctuation around 7+ digits.
const PHONE_LIKE = /^\+?[\d().\s-]*$/;
// "jane.doe", "Jane.Doe": a first.last name.
const NAME_LIKE = /^[A-Za-z]+\.[A-Za-z]+$/;

function digitCount(value: string): number {
  return value.replace(/\D/g, '').length;
}

/** Why a string is not an acceptable ID, or null when it is. Never echoes the value. */
export function idProblem(value: string): string | null {
  if (value.length === 0) return 'must not be empty';
  if (value.length > MAX_ID_LENGTH) return `must be at most ${MAX_ID_LENGTH} characters (got ${value.length})`;
  if (value.includes('@')) return 'must be an ID, not an email address';
  if (!ID_PATTERN.test(value)) return 'must be an ID (letters, digits, . _ : -), not a name or free text';
  if (PHONE_LIKE.test(value) && /[^\d]/.test(value) && digitCount(value) >= 7) {
    return 'must be an ID, not a phone number';
  }
  if (NAME_LIKE.test(value)) return 'must be an ID, not a person’s name';
  return null;
}

const SALESFORCE_ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;

/** Salesforce record IDs are 15 (case-sensitive) or 18 (case-safe) alphanumeric characters. */
export function isSalesforceId(value: string): boolean {
  return SALESFORCE_ID.test(value);
}

/** The zod form of the rule, for every schema that takes an outside ID. */
export const externalIdSchema = z.string().superRefine((value, ctx) => {
  const problem = idProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** A value for an error message: quoted, and cut short so a 1 MB input is never echoed back. */
export function quoteInput(value: unknown, max = 60): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}
