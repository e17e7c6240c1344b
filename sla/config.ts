import { IANAZone } from 'luxon';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { validateCalendar } from './calendar';
import { durationSchema, formatDuration, positiveDurationSchema } from './duration';

// The campaign SLA contract: one YAML/JSON file per campaign that Marketing and Ops sign off on.
// Parsing turns durations into milliseconds and applies defaults, so the rest of the engine never re-validates.

export const DEFAULT_CALENDAR = 'default';

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

// Names of tiers, pools and calendars end up in workflow IDs, ledger rows and log lines.
const nameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, {
  error: 'names may only use letters, digits, "-" and "_" (starting with a letter or digit)',
});
const labelSchema = z.string().trim().min(1, { error: 'must not be empty' });
const idSchema = z.string().min(1, { error: 'must not be empty' });
const positiveNumber = z.number().positive();
const percentSchema = z.number().positive().max(100);

// A share such as a compliance target: people write 90 when they mean 0.9, so say so explicitly.
const shareSchema = z
  .number()
  .gt(0, { error: 'must be a share between 0 and 1 (e.g. 0.9 for 90%)' })
  .lte(1, { error: 'must be a share between 0 and 1 (e.g. 0.9 for 90%)' });

const timezoneSchema = z.string().refine((zone) => IANAZone.isValidZone(zone), {
  error: (issue) => `unknown IANA time zone ${JSON.stringify(issue.input)}`,
});

const isoDateTimeSchema = z.iso.datetime({
  offset: true,
  error: 'expected an ISO datetime with an offset, like "2026-03-02T00:00:00Z"',
});

const clockSchema = z.enum(['wall', 'business']);

/** Rejects records without entries; zod records have no min(). */
function nonEmptyRecord<T extends z.ZodType>(valueSchema: T, keySchema: z.ZodType<string>, message: string) {
  return z.record(keySchema, valueSchema).refine((record) => Object.keys(record).length > 0, { error: message });
}

type IssuePath = PropertyKey[];

function pathsOverlap(a: IssuePath, b: IssuePath): boolean {
  const shared = Math.min(a.length, b.length);
  return a.slice(0, shared).every((segment, i) => segment === b[i]);
}

/**
 * Runs a cross-field check as soon as the fields it reads parsed cleanly, instead of zod's default of
 * skipping it whenever anything else in the object failed — so one run reports every problem.
 */
function whenParsed(...paths: IssuePath[]) {
  return (payload: z.core.ParsePayload) =>
    !payload.issues.some((issue) => paths.some((path) => pathsOverlap(issue.path ?? [], path)));
}

// ---------------------------------------------------------------------------------------------
// campaign
// ---------------------------------------------------------------------------------------------

const adsCampaignRefSchema = z.strictObject({
  // Google shows customer IDs as 123-456-7890 but the API wants the bare 10 digits.
  customerId: z
    .string()
    .transform((id) => id.replaceAll('-', ''))
    .pipe(z.string().regex(/^\d{10}$/, { error: 'expected a 10-digit Google Ads customer ID like "123-456-7890"' })),
  campaignId: z.string().regex(/^\d+$/, { error: 'expected a numeric Google Ads campaign ID like "555"' }),
});

const crmCampaignRefSchema = z.strictObject({
  campaignId: z.string().regex(/^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/, {
    error: 'expected a 15- or 18-character Salesforce Campaign Id like "701000000000001"',
  }),
  convertedStatuses: z
    .array(labelSchema)
    .min(1)
    .default(() => ['Qualified']),
  countOpportunities: z.boolean().default(false),
  // How often the campaign polls the CRM for new leads and first touches; "0s" turns polling off
  // (leads then arrive only through the admitLeads Update).
  pollEvery: durationSchema.prefault('1m'),
});

const campaignWindowSchema = z
  .strictObject({ start: isoDateTimeSchema, end: isoDateTimeSchema })
  .superRefine((window, ctx) => {
    if (Date.parse(window.end) <= Date.parse(window.start)) {
      ctx.addIssue({ code: 'custom', path: ['end'], message: 'must be after campaign.window.start' });
    }
  });

const campaignSchema = z.strictObject({
  // Used inside Temporal workflow IDs, hence the conservative alphabet.
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, {
    error: 'expected 1-63 lowercase letters, digits, "-" or "_", starting with a letter or digit',
  }),
  name: labelSchema.optional(),
  ads: adsCampaignRefSchema,
  crm: crmCampaignRefSchema,
  window: campaignWindowSchema,
  totalBudget: positiveNumber,
  currency: z.string().regex(/^[A-Z]{3}$/, { error: 'expected a 3-letter currency code like "USD"' }),
  timezone: timezoneSchema,
});

// ---------------------------------------------------------------------------------------------
// targets
// ---------------------------------------------------------------------------------------------

const baselineCurveSchema = z
  .array(z.number().min(0).max(1))
  .min(1)
  .superRefine((curve, ctx) => {
    curve.forEach((share, i) => {
      if (i > 0 && share < curve[i - 1]) {
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: `must not be less than the previous value (${curve[i - 1]})`,
        });
      }
    });
    if (curve[curve.length - 1] !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: [curve.length - 1],
        message: 'the last value must be 1 (every conversion is expected by the end of the window)',
      });
    }
  });

const quarterKeySchema = z.string().regex(/^\d{4}-Q[1-4]$/, { error: 'quarter keys must look like "2027-Q1"' });

const quarterTargetSchema = z.strictObject({
  conversions: z.number().int().positive(),
  cplTarget: positiveNumber,
});

const targetsSchema = z.strictObject({
  conversions: z.number().int().positive(),
  conversionEvent: labelSchema,
  cpl: z.strictObject({
    target: positiveNumber,
    // The band is target*(1±tol/100); 100% or more would allow a zero or negative lower bound.
    tolerancePct: z.number().min(0).lt(100).default(20),
  }),
  baselineCurve: baselineCurveSchema.optional(),
  quarters: z.record(quarterKeySchema, quarterTargetSchema).optional(),
});

// ---------------------------------------------------------------------------------------------
// responseSla
// ---------------------------------------------------------------------------------------------

const tierSchema = z.strictObject({
  firstTouch: positiveDurationSchema,
  clock: clockSchema.default('business'),
  calendar: nameSchema.default(DEFAULT_CALENDAR),
  // Fraction of the deadline at which the owner is warned; 0 or 1 would make the warning meaningless.
  warnAt: z.number().gt(0).lt(1).default(0.75),
});

const complianceTargetSchema = z.strictObject({ within: positiveDurationSchema, target: shareSchema });

const repSchema = z.strictObject({
  id: idSchema,
  weight: positiveNumber.default(1),
  capacity: z.number().int().positive().default(50),
  outOfOffice: z.boolean().default(false),
});

const repPoolSchema = z.strictObject({
  managerId: idSchema,
  reps: z
    .array(repSchema)
    .min(1, { error: 'a pool needs at least one rep' })
    .superRefine((reps, ctx) => {
      reps.forEach((rep, i) => {
        if (reps.findIndex((other) => other.id === rep.id) < i) {
          ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate rep id ${JSON.stringify(rep.id)}` });
        }
      });
    }),
});

const escalationStepSchema = z.discriminatedUnion('step', [
  z.strictObject({ step: z.literal('notify-owner'), after: durationSchema }),
  z.strictObject({ step: z.literal('reassign'), pool: nameSchema, after: durationSchema }),
  z.strictObject({ step: z.literal('notify-manager'), after: durationSchema }),
  z.strictObject({ step: z.literal('return-to-nurture'), after: durationSchema }),
]);

// Steps are listed in the order they fire; an earlier `after` further down is almost certainly a mistake.
const escalationSchema = z.array(escalationStepSchema).superRefine((steps, ctx) => {
  steps.forEach((step, i) => {
    if (i > 0 && step.after < steps[i - 1].after) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'after'],
        message: `must not be earlier than the previous step's (${formatDuration(steps[i - 1].after)})`,
      });
    }
  });
});

const responseSlaSchema = z
  .strictObject({
    tiers: nonEmptyRecord(tierSchema, nameSchema, 'must define at least one tier'),
    compliance: z.array(complianceTargetSchema).min(1, { error: 'must list at least one compliance target' }),
    acceptance: z.strictObject({ within: positiveDurationSchema, clock: clockSchema.default('business') }),
    followUp: z.strictObject({ attempts: z.number().int().positive(), within: positiveDurationSchema }),
    dispositions: nonEmptyRecord(
      z.enum(['nurture', 'recycle']),
      labelSchema,
      'must define at least one disposition reason',
    ),
    escalation: escalationSchema,
    pools: nonEmptyRecord(repPoolSchema, nameSchema, 'must define at least one pool'),
    intakeSkew: durationSchema.prefault('5m'),
  })
  .superRefine(
    (sla, ctx) => {
      sla.escalation.forEach((step, i) => {
        if (step.step === 'reassign' && !Object.hasOwn(sla.pools, step.pool)) {
          ctx.addIssue({
            code: 'custom',
            path: ['escalation', i, 'pool'],
            message: `pool ${JSON.stringify(step.pool)} is not defined in responseSla.pools`,
          });
        }
      });
    },
    { when: whenParsed(['escalation'], ['pools']) },
  );

// ---------------------------------------------------------------------------------------------
// calendars
// ---------------------------------------------------------------------------------------------

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const openingWindowsSchema = z.array(z.tuple([z.string(), z.string()])).optional();

/** Splits a calendar problem path such as "hours.mon[1]" into segments so it nests under calendars.<name>. */
function parseProblemPath(path: string): IssuePath {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map(([, key, index]) =>
    index === undefined ? key : Number(index),
  );
}

// Structure is checked here; time-zone, HH:MM and overlap rules live with the calendar math in validateCalendar.
const calendarSchema = z
  .strictObject({
    timezone: z.string(),
    hours: z.strictObject(
      Object.fromEntries(WEEKDAYS.map((day) => [day, openingWindowsSchema])) as Record<
        (typeof WEEKDAYS)[number],
        typeof openingWindowsSchema
      >,
    ),
    holidays: z.array(z.string()).optional(),
  })
  .superRefine((calendar, ctx) => {
    for (const problem of validateCalendar(calendar)) {
      const separator = problem.indexOf(': ');
      if (separator === -1) {
        ctx.addIssue({ code: 'custom', message: problem });
      } else {
        ctx.addIssue({
          code: 'custom',
          path: parseProblemPath(problem.slice(0, separator)),
          message: problem.slice(separator + 2),
        });
      }
    }
  });

// ---------------------------------------------------------------------------------------------
// velocity
// ---------------------------------------------------------------------------------------------

/** `pct` is how much to change the budget by, so it is required for reduce/increase and meaningless otherwise. */
function checkPctMatchesAction(rule: { action: string; pct?: number }, ctx: z.core.$RefinementCtx) {
  const changesBudget = rule.action === 'reduce' || rule.action === 'increase';
  if (changesBudget && rule.pct === undefined) {
    ctx.addIssue({ code: 'custom', path: ['pct'], message: `required when action is ${JSON.stringify(rule.action)}` });
  }
  if (!changesBudget && rule.pct !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['pct'], message: `only applies when action is "reduce" or "increase"` });
  }
}

const reduceOrPauseSchema = z.enum(['pause', 'reduce']);

const velocityRuleSchema = z.discriminatedUnion('kind', [
  z
    .strictObject({
      kind: z.literal('velocity-below'),
      afterDays: z.number().min(0),
      belowPct: percentSchema,
      action: reduceOrPauseSchema,
      pct: percentSchema.optional(),
    })
    .superRefine(checkPctMatchesAction),
  z
    .strictObject({
      kind: z.literal('conversion-rate-drop'),
      dropPct: percentSchema,
      sustainedFor: positiveDurationSchema,
      action: reduceOrPauseSchema,
      pct: percentSchema.optional(),
    })
    .superRefine(checkPctMatchesAction),
  z
    .strictObject({ kind: z.literal('cpl-above-band'), action: reduceOrPauseSchema, pct: percentSchema.optional() })
    .superRefine(checkPctMatchesAction),
  z.strictObject({
    kind: z.literal('velocity-above'),
    abovePct: positiveNumber,
    action: z.literal('increase'),
    pct: positiveNumber,
  }),
  z.strictObject({ kind: z.literal('recovered'), action: z.literal('restore') }),
]);

const velocitySchema = z.strictObject({
  checkEvery: positiveDurationSchema.prefault('6h'),
  trailingWindow: positiveDurationSchema.prefault('24h'),
  rules: z.array(velocityRuleSchema),
});

// ---------------------------------------------------------------------------------------------
// approvals, guardrails, ads
// ---------------------------------------------------------------------------------------------

const approversSchema = z
  .array(idSchema.refine((id) => !id.includes('@'), { error: 'expected an approver ID, not an email address' }))
  .min(1, { error: 'must list at least one approver' })
  .superRefine((approvers, ctx) => {
    approvers.forEach((approver, i) => {
      if (approvers.indexOf(approver) < i) {
        ctx.addIssue({ code: 'custom', path: [i], message: `duplicate approver ${JSON.stringify(approver)}` });
      }
    });
  });

const approvalsSchema = z.strictObject({
  approvers: approversSchema,
  timeout: positiveDurationSchema,
  onTimeout: z.enum(['apply', 'reject', 'escalate']),
  autoApprove: z
    .strictObject({ reduceUpToPct: z.number().min(0).max(100).default(0), pause: z.boolean().default(false) })
    .prefault({}),
});

const guardrailsSchema = z
  .strictObject({
    maxTotalBudget: positiveNumber,
    maxStepPct: percentSchema,
    minTotalBudget: z.number().min(0).default(0),
  })
  .superRefine((guardrails, ctx) => {
    if (guardrails.minTotalBudget > guardrails.maxTotalBudget) {
      ctx.addIssue({ code: 'custom', path: ['minTotalBudget'], message: 'must not exceed guardrails.maxTotalBudget' });
    }
  });

const adsSettingsSchema = z.strictObject({ dryRun: z.boolean().default(false) }).prefault({});

// ---------------------------------------------------------------------------------------------
// The whole contract and its cross-section checks
// ---------------------------------------------------------------------------------------------

export const campaignConfigSchema = z
  .strictObject({
    version: z.number().int().positive(),
    campaign: campaignSchema,
    targets: targetsSchema,
    responseSla: responseSlaSchema,
    calendars: z.record(nameSchema, calendarSchema).default(() => ({})),
    velocity: velocitySchema,
    approvals: approvalsSchema,
    guardrails: guardrailsSchema,
    ads: adsSettingsSchema,
  })
  .superRefine(
    (config, ctx) => {
      const acceptanceUsesBusinessTime = config.responseSla.acceptance.clock === 'business';
      for (const [tierName, tier] of Object.entries(config.responseSla.tiers)) {
        // A lead's clocks run on its tier's calendar, so it must exist whenever any of them counts business time;
        // a wall-clock tier naming a calendar other than the default is a typo either way.
        const onlyAcceptanceNeedsIt = tier.clock === 'wall' && tier.calendar === DEFAULT_CALENDAR;
        if (Object.hasOwn(config.calendars, tier.calendar) || (onlyAcceptanceNeedsIt && !acceptanceUsesBusinessTime)) {
          continue;
        }
        const reason = onlyAcceptanceNeedsIt ? ' (needed because responseSla.acceptance.clock is "business")' : '';
        ctx.addIssue({
          code: 'custom',
          path: ['responseSla', 'tiers', tierName, 'calendar'],
          message: `calendar ${JSON.stringify(tier.calendar)} is not defined in calendars${reason}`,
        });
      }
    },
    { when: whenParsed(['responseSla', 'tiers'], ['responseSla', 'acceptance'], ['calendars']) },
  )
  .superRefine(
    (config, ctx) => {
      const { totalBudget } = config.campaign;
      if (config.guardrails.maxTotalBudget < totalBudget) {
        ctx.addIssue({
          code: 'custom',
          path: ['guardrails', 'maxTotalBudget'],
          message: `must be at least campaign.totalBudget (${totalBudget})`,
        });
      }
      if (config.guardrails.minTotalBudget > totalBudget) {
        ctx.addIssue({
          code: 'custom',
          path: ['guardrails', 'minTotalBudget'],
          message: `must not exceed campaign.totalBudget (${totalBudget})`,
        });
      }
    },
    { when: whenParsed(['guardrails'], ['campaign', 'totalBudget']) },
  );

export type CampaignConfig = z.output<typeof campaignConfigSchema>;
export type CampaignSettings = CampaignConfig['campaign'];
export type CampaignWindow = CampaignSettings['window'];
export type TargetsConfig = CampaignConfig['targets'];
export type QuarterTarget = z.output<typeof quarterTargetSchema>;
export type ResponseSlaConfig = CampaignConfig['responseSla'];
export type TimeBasis = z.output<typeof clockSchema>;
export type TierConfig = z.output<typeof tierSchema>;
export type ComplianceTarget = z.output<typeof complianceTargetSchema>;
export type DispositionRoute = ResponseSlaConfig['dispositions'][string];
export type EscalationStep = z.output<typeof escalationStepSchema>;
export type RepPool = z.output<typeof repPoolSchema>;
export type Rep = z.output<typeof repSchema>;
export type CalendarConfig = z.output<typeof calendarSchema>;
export type VelocityConfig = CampaignConfig['velocity'];
export type VelocityRule = z.output<typeof velocityRuleSchema>;
export type ApprovalsConfig = CampaignConfig['approvals'];
export type GuardrailsConfig = CampaignConfig['guardrails'];
export type AdsSettings = CampaignConfig['ads'];

// ---------------------------------------------------------------------------------------------
// Error reporting
// ---------------------------------------------------------------------------------------------

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

type ConfigIssue = { path: IssuePath; message: string };

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
const configErrorMap: z.core.$ZodErrorMap = (issue) => {
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

function toConfigIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.flatMap((issue): ConfigIssue[] =>
    // Point at each unknown field itself rather than at its parent object.
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: [...issue.path, key], message: 'unknown field' }))
      : [{ path: issue.path, message: issue.message }],
  );
}

function formatPath(path: IssuePath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text === '' ? '(root)' : text;
}

function validate(input: unknown): { config: CampaignConfig } | { issues: ConfigIssue[] } {
  const result = campaignConfigSchema.safeParse(input, { error: configErrorMap });
  return result.success ? { config: result.data } : { issues: toConfigIssues(result.error) };
}

/** Validates an already-decoded config object (e.g. from the CLI or a workflow input) and applies defaults. */
export function parseCampaignConfig(input: unknown): CampaignConfig {
  const result = validate(input);
  if ('issues' in result) {
    throw new ConfigError(result.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`));
  }
  return result.config;
}

/**
 * The line of the deepest YAML entry that exists along `path`: the key line for a map entry, the item line
 * for a list item — so a missing field points at its parent's key.
 */
function lineOf(doc: Document, lineCounter: LineCounter, path: IssuePath): number | undefined {
  for (let depth = path.length; depth > 0; depth--) {
    const parent = depth === 1 ? doc.contents : doc.getIn(path.slice(0, depth - 1), true);
    const segment = path[depth - 1];
    const entry = isMap(parent)
      ? parent.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === String(segment))?.key
      : isSeq(parent) && typeof segment === 'number'
        ? parent.items[segment]
        : undefined;
    const range = (entry as { range?: [number, number, number] } | undefined)?.range;
    if (range) return lineCounter.linePos(range[0]).line;
  }
  const rootRange = doc.contents?.range;
  return rootRange ? lineCounter.linePos(rootRange[0]).line : undefined;
}

/**
 * Parses a campaign config file's text (YAML, or JSON since JSON is YAML) and validates it.
 * Syntax errors name `sourceName:line:column`; validation problems also say which line they are on.
 */
export function parseCampaignConfigText(text: string, sourceName: string): CampaignConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return `${sourceName}:${line}:${col}: YAML syntax error: ${error.message}`;
      }),
      sourceName,
    );
  }
  const result = validate(doc.toJS());
  if ('issues' in result) {
    throw new ConfigError(
      result.issues.map((issue) => {
        const line = lineOf(doc, lineCounter, issue.path);
        const location = line === undefined ? '' : ` (${sourceName} line ${line})`;
        return `${formatPath(issue.path)}: ${issue.message}${location}`;
      }),
      sourceName,
    );
  }
  return result.config;
}
