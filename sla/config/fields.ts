// Building blocks shared by the sections of the campaign config schema.
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { externalIdSchema } from '../ids';
import type { IssuePath } from './errors';

// Names of tiers, pools and calendars end up in workflow IDs, ledger rows and log lines.
export const nameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, {
  error: 'names may only use letters, digits, "-" and "_" (starting with a letter or digit)',
});
export const labelSchema = z.string().trim().min(1, { error: 'must not be empty' });
export const idSchema = externalIdSchema;

/**
 * A map keyed by outside names (statuses, Slack users) whose keys must not be JavaScript built-ins: zod drops a
 * "__proto__" key without a word, so such keys are refused here, before the record schema sees them.
 */
export function withoutBuiltInKeys<T extends z.ZodType>(schema: T, keyIs: string) {
  return z.preprocess((mapping, ctx) => {
    if (mapping !== null && typeof mapping === 'object')
      for (const key of Object.keys(mapping).filter((name) => name in Object.prototype))
        ctx.issues.push({
          code: 'custom',
          input: mapping,
          path: [key],
          message: `is a JavaScript built-in name, not ${keyIs}`,
        });
    return mapping;
  }, schema);
}
export const positiveNumber = z.number().positive();
export const percentSchema = z.number().positive().max(100);

// A share such as a compliance target: people write 90 when they mean 0.9, so say so explicitly.
export const shareSchema = z
  .number()
  .gt(0, { error: 'must be a share between 0 and 1 (e.g. 0.9 for 90%)' })
  .lte(1, { error: 'must be a share between 0 and 1 (e.g. 0.9 for 90%)' });

export const timezoneSchema = z.string().refine((zone) => IANAZone.isValidZone(zone), {
  error: (issue) => `unknown IANA time zone ${JSON.stringify(issue.input)}`,
});

export const isoDateTimeSchema = z.iso.datetime({
  offset: true,
  error: 'expected an ISO datetime with an offset, like "2026-03-02T00:00:00Z"',
});

export const clockSchema = z.enum(['wall', 'business']);

/** Rejects records without entries; zod records have no min(). */
export function nonEmptyRecord<T extends z.ZodType>(valueSchema: T, keySchema: z.ZodType<string>, message: string) {
  return z.record(keySchema, valueSchema).refine((record) => Object.keys(record).length > 0, { error: message });
}

function pathsOverlap(a: IssuePath, b: IssuePath): boolean {
  const shared = Math.min(a.length, b.length);
  return a.slice(0, shared).every((segment, i) => segment === b[i]);
}

/**
 * Runs a cross-field check as soon as the fields it reads parsed cleanly, instead of zod's default of
 * skipping it whenever anything else in the object failed — so one run reports every problem.
 */
export function whenParsed(...paths: IssuePath[]) {
  return (payload: z.core.ParsePayload) =>
    !payload.issues.some((issue) => paths.some((path) => pathsOverlap(issue.path ?? [], path)));
}
