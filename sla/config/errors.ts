// Campaign config problems, worded for the Marketing and Ops people who write the files.
import type { z } from 'zod';

/** Where a problem is: object keys and list indexes from the config's root. */
export type IssuePath = PropertyKey[];
export type ConfigIssue = { path: IssuePath; message: string };

/** Thrown for any invalid campaign config; `issues` holds one "<dotted.path>: <message>" line per problem. */
export class ConfigError extends Error {
  readonly issues: string[];

  constructor(issues: string[], sourceName?: string) {
    const where = sourceName === undefined ? '' : ` in ${sourceName}`;
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(`invalid campaign config${where} (${count}):\n${issues.join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

const EXPECTED_NOUNS: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  record: 'an object',
  array: 'a list',
  tuple: 'a list',
};

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function formatBound(bound: number | bigint | Date): string {
  return bound instanceof Date ? bound.toISOString() : String(bound);
}

// Zod's defaults ("Invalid input: expected number, received string") are written for developers; configs are
// written by Marketing and Ops, so say what was expected and what was actually there. Schema-level messages win.
export const configErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required';
      return `expected ${EXPECTED_NOUNS[issue.expected] ?? issue.expected}, got ${describeValue(issue.input)}`;
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${describeValue(issue.input)}`;
    case 'invalid_union': {
      if (!('discriminator' in issue) || !('options' in issue)) return undefined;
      const discriminator =
        issue.input !== null && typeof issue.input === 'object'
          ? (issue.input as Record<string, unknown>)[String(issue.discriminator)]
          : undefined;
      const options = (issue.options as unknown[]).map((option) => JSON.stringify(option)).join(', ');
      return discriminator === undefined
        ? `required (one of ${options})`
        : `expected one of ${options}, got ${describeValue(discriminator)}`;
    }
    case 'too_small': {
      const min = formatBound(issue.minimum);
      if (issue.origin === 'array') return `must have at least ${min} item${min === '1' ? '' : 's'}`;
      if (issue.origin === 'string') return 'must not be empty';
      return issue.inclusive ? `must be at least ${min}` : `must be greater than ${min}`;
    }
    case 'too_big': {
      const max = formatBound(issue.maximum);
      if (issue.origin === 'array') return `must have at most ${max} items`;
      return issue.inclusive ? `must be at most ${max}` : `must be less than ${max}`;
    }
    case 'invalid_key':
      return issue.issues.map((inner) => inner.message).join('; ');
    default:
      return undefined;
  }
};

export function toConfigIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.flatMap((issue): ConfigIssue[] =>
    // Point at each unknown field itself rather than at its parent object.
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: [...issue.path, key], message: 'unknown field' }))
      : [{ path: issue.path, message: issue.message }],
  );
}

export function formatIssuePath(path: IssuePath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text === '' ? '(root)' : text;
}
