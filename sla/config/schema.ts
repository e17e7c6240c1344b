// The campaign SLA contract: one YAML/JSON file per campaign that Marketing and Ops sign off on.
// Parsing turns durations into milliseconds and applies defaults, so the rest of the engine never re-validates.
import { z } from 'zod';
import { placeableBusinessTime, validateCalendar, type BusinessCalendar } from '../calendar';
import { durationSchema, formatDuration, positiveDurationSchema } from '../duration';
import type { IssuePath } from './errors';
import {
  clockSchema,
  idSchema,
  isoDateTimeSchema,
  labelSchema,
  nameSchema,
  nonEmptyRecord,
  positiveNumber,
  shareSchema,
  timezoneSchema,
  whenParsed,
  withoutBuiltInKeys,
} from './fields';
import { adsSettingsSchema, approvalsSchema, guardrailsSchema, velocitySchema } from './spendSchema';

const DEFAULT_CALENDAR = 'default';

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
  /**
   * Lead status (API name) → what a change to it means: `accept`, or `{ reject: <reason> }` with a reason from
   * responseSla.dispositions. Unset: the standard accepted statuses only (activities/crmPollActivity).
   */
  statusMapping: withoutBuiltInKeys(
    z
      .record(
        labelSchema,
        z.union([z.literal('accept'), z.strictObject({ reject: labelSchema })], {
          error: 'expected "accept" or { reject: <disposition reason> }',
        }),
      )
      .refine((mapping) => Object.keys(mapping).length > 0, { error: 'must map at least one status' }),
    'a Lead status',
  ).optional(),
  /**
   * The Lead status (API name) the return-to-nurture step writes; Lead.Status is a restricted picklist, so it must be
   * one of the org's LeadStatus values (the CRM poll checks it once an hour). Unset: "Nurturing" (nurtureStatusOf).
   */
  // A picklist value's API name is at most 255 characters (Salesforce Help, "Picklist Limitations").
  nurtureStatus: labelSchema.max(255, { error: 'at most 255 characters, as a Salesforce picklist value' }).optional(),
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

/** A time a rep is away (holiday, training): half-open [from, to), like business-hours windows. */
const awayWindowSchema = z
  .strictObject({ from: isoDateTimeSchema, to: isoDateTimeSchema })
  .superRefine((window, ctx) => {
    if (Date.parse(window.to) <= Date.parse(window.from)) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    }
  });

const repSchema = z.strictObject({
  id: idSchema,
  weight: positiveNumber.default(1),
  capacity: z.number().int().positive().default(50),
  outOfOffice: z.boolean().default(false),
  /** Windows the rep is away; routing skips them then (sla/availability.ts). */
  away: z
    .array(awayWindowSchema)
    .max(100)
    .default(() => []),
  /** The rep's working hours, as a calendar from `calendars` (its time zone included); unset: any time. */
  hours: nameSchema.optional(),
});

/**
 * Routing by availability. `atIntake`: a new lead whose owner is out of office, away, outside working hours, out of
 * rotation or at capacity goes to the next available rep of the owner's pool, through the same CRM write and
 * read-back as a reassignment. `outOfRotation`: a rep with `breaches` breaches within `within` gets no new leads for
 * `for` (as Distribution Engine does); their own leads stay with them.
 */
const routingSchema = z.strictObject({
  atIntake: z.boolean().default(false),
  outOfRotation: z
    .strictObject({
      breaches: z.number().int().min(1).max(1_000),
      within: positiveDurationSchema,
      for: positiveDurationSchema,
    })
    .optional(),
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

/**
 * The CRM facts a milestone starts and stops on (sla/leadBook/milestones.ts). `activity` is any contact attempt after
 * the clock started; `firstActivity` the lead's first; `recycled` and `nurtured` are rejections by where the reason
 * routes the lead; `opportunity` is the Opportunity its conversion created; `meetingBooked` a meeting put in the diary.
 */
const milestoneFacts = [
  'created',
  'firstActivity',
  'activity',
  'accepted',
  'rejected',
  'recycled',
  'nurtured',
  'opportunity',
  'meetingBooked',
] as const;

const statusSetSchema = z
  .array(labelSchema)
  .min(1, { error: 'must list at least one Lead status' })
  .max(50, { error: 'at most 50 statuses' });

const milestoneConditionSchema = z.union([z.enum(milestoneFacts), z.strictObject({ status: statusSetSchema })], {
  error: `expected one of ${milestoneFacts.join(', ')}, or { status: [<Lead status>, ...] }`,
});

/**
 * A milestone the contract adds to the built-in clocks (first touch, acceptance, follow-up), as Salesforce
 * Entitlements, HubSpot and Zendesk model SLAs: it starts on one fact, is met by any of its stop facts within
 * `within`, and is paused while the lead's CRM status is in `pauseWhile` (the remaining time resumes with it).
 */
const milestoneSchema = z
  .strictObject({
    start: milestoneConditionSchema.default('created'),
    stop: z
      .union([milestoneConditionSchema, z.array(milestoneConditionSchema).min(1).max(10)], {
        error: `expected one of ${milestoneFacts.join(', ')}, { status: [...] }, or a list of them`,
      })
      .transform((stop) => (Array.isArray(stop) ? stop : [stop])),
    within: positiveDurationSchema,
    clock: clockSchema.default('wall'),
    calendar: nameSchema.default(DEFAULT_CALENDAR),
    warnAt: z.number().gt(0).lt(1).default(0.75),
    pauseWhile: z.strictObject({ status: statusSetSchema }).optional(),
    /** Tiers the milestone applies to; unset: every tier. */
    tiers: z.array(nameSchema).min(1).optional(),
    /** Whether a breach walks the escalation chain (responseSla.escalation) as the built-in clocks' breaches do. */
    escalate: z.boolean().default(true),
  })
  .superRefine((milestone, ctx) => {
    if (!Array.isArray(milestone.stop)) return; // stop itself was refused
    const key = (condition: unknown) => JSON.stringify(condition);
    if (milestone.stop.some((stop) => key(stop) === key(milestone.start)))
      ctx.addIssue({
        code: 'custom',
        path: ['stop'],
        message: 'must differ from start (the clock would stop as it starts)',
      });
  });

export const attributionSchema = z.enum(['holder', 'first-owner']).default('holder');

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
    /** How long before the campaign window a lead may have been created and still be admitted (backdated imports). */
    intakeGrace: durationSchema.prefault('7d'),
    /** How late a touch or disposition may be reported after its clock's deadline and still count at its event time. */
    allowedLateness: durationSchema.prefault('10m'),
    /**
     * Whose figures a lead's outcomes count in: `holder` (default), the rep who held the lead when each outcome was
     * decided (sla/compliance); `first-owner`, the rep it was first assigned to, whoever held it later.
     */
    attribution: attributionSchema,
    routing: routingSchema.prefault({}),
    /**
     * Lead statuses (Lead.Status) that stop the built-in acceptance and follow-up clocks while the lead is in them,
     * e.g. "Waiting on customer"; they resume with the time they had left. First touch never pauses.
     */
    pauseWhile: z.strictObject({ status: statusSetSchema }).optional(),
    /** Milestone clocks beyond the built-in three, by name (clock "m:<name>" in records and alerts). */
    milestones: withoutBuiltInKeys(
      z.record(nameSchema.max(40, { error: 'at most 40 characters' }), milestoneSchema),
      'a milestone name',
    )
      .refine((milestones) => Object.keys(milestones).length <= 10, { error: 'at most 10 milestones' })
      .optional(),
  })
  .superRefine(
    (sla, ctx) => {
      for (const [name, milestone] of Object.entries(sla.milestones ?? {})) {
        for (const tier of milestone.tiers ?? []) {
          if (!Object.hasOwn(sla.tiers, tier))
            ctx.addIssue({
              code: 'custom',
              path: ['milestones', name, 'tiers'],
              message: `tier ${JSON.stringify(tier)} is not defined in responseSla.tiers`,
            });
        }
      }
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
    { when: whenParsed(['escalation'], ['pools'], ['milestones'], ['tiers']) },
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
      for (const [poolName, pool] of Object.entries(config.responseSla.pools)) {
        pool.reps.forEach((rep, i) => {
          if (rep.hours !== undefined && !Object.hasOwn(config.calendars, rep.hours)) {
            ctx.addIssue({
              code: 'custom',
              path: ['responseSla', 'pools', poolName, 'reps', i, 'hours'],
              message: `calendar ${JSON.stringify(rep.hours)} is not defined in calendars`,
            });
          }
        });
      }
    },
    { when: whenParsed(['responseSla', 'pools'], ['calendars']) },
  )
  .superRefine(
    (config, ctx) => {
      for (const [name, milestone] of Object.entries(config.responseSla.milestones ?? {})) {
        if (milestone.clock === 'business' && !Object.hasOwn(config.calendars, milestone.calendar)) {
          ctx.addIssue({
            code: 'custom',
            path: ['responseSla', 'milestones', name, 'calendar'],
            message: `calendar ${JSON.stringify(milestone.calendar)} is not defined in calendars (the milestone counts business time)`,
          });
        }
      }
    },
    { when: whenParsed(['responseSla', 'milestones'], ['calendars']) },
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
  )
  .superRefine(
    (config, ctx) => {
      for (const [status, outcome] of Object.entries(config.campaign.crm.statusMapping ?? {})) {
        if (outcome !== 'accept' && !Object.hasOwn(config.responseSla.dispositions, outcome.reject)) {
          ctx.addIssue({
            code: 'custom',
            path: ['campaign', 'crm', 'statusMapping', status, 'reject'],
            message: `reason ${JSON.stringify(outcome.reject)} is not in responseSla.dispositions (${Object.keys(config.responseSla.dispositions).join(', ')})`,
          });
        }
      }
    },
    { when: whenParsed(['campaign', 'crm', 'statusMapping'], ['responseSla', 'dispositions']) },
  )
  .superRefine(
    (config, ctx) => {
      // Rates are judged against the flight as it was one lag earlier: a lag as long as the flight judges nothing.
      const { start, end } = config.campaign.window;
      const flight = Date.parse(end) - Date.parse(start);
      if (config.velocity.conversionLag >= flight) {
        ctx.addIssue({
          code: 'custom',
          path: ['velocity', 'conversionLag'],
          message: `must be shorter than the campaign window (${formatDuration(flight)}): no check could be judged`,
        });
      }
    },
    { when: whenParsed(['velocity', 'conversionLag'], ['campaign', 'window']) },
  );

/**
 * Business-time durations longer than their calendar is sure to place (sla/calendar.ts, placeableBusinessTime):
 * reaching such a deadline throws, at intake, inside the workflow, for every lead of the campaign. Every duration
 * the clocks add in business time is here: a business tier's first touch; acceptance, on each tier's calendar; each
 * compliance target, reached in each business tier's time for the figures (sla/compliance.ts); business milestones.
 * Follow-up, escalation and routing durations count wall time.
 */
export function unplaceableBusinessTime(config: CampaignConfig): Array<{ path: IssuePath; message: string }> {
  const sla = config.responseSla;
  // Per duration and calendar, the tiers whose calendar it is (none: the duration names the calendar itself).
  const checks = new Map<string, { path: IssuePath; ms: number; calendar: string; tiers: string[] }>();
  const check = (path: IssuePath, ms: number, calendar: string, tier?: string) => {
    const key = JSON.stringify([path, calendar]);
    const found = checks.get(key) ?? { path, ms, calendar, tiers: [] };
    if (tier !== undefined) found.tiers.push(tier);
    checks.set(key, found);
  };
  const tiers = Object.entries(sla.tiers);
  for (const [name, tier] of tiers)
    if (tier.clock === 'business') check(['responseSla', 'tiers', name, 'firstTouch'], tier.firstTouch, tier.calendar);
  if (sla.acceptance.clock === 'business')
    for (const [name, tier] of tiers)
      check(['responseSla', 'acceptance', 'within'], sla.acceptance.within, tier.calendar, name);
  sla.compliance.forEach((target, i) => {
    for (const [name, tier] of tiers)
      if (tier.clock === 'business')
        check(['responseSla', 'compliance', i, 'within'], target.within, tier.calendar, name);
  });
  for (const [name, milestone] of Object.entries(sla.milestones ?? {}))
    if (milestone.clock === 'business')
      check(['responseSla', 'milestones', name, 'within'], milestone.within, milestone.calendar);

  const issues: Array<{ path: IssuePath; message: string }> = [];
  for (const { path, ms, calendar: name, tiers: via } of checks.values()) {
    // An undefined calendar is reported by the rules above.
    if (!Object.hasOwn(config.calendars, name)) continue;
    const placeable = placeableBusinessTime(config.calendars[name] as BusinessCalendar);
    if (ms <= placeable.maxMs) continue;
    const hours = (value: number) => formatDuration(value, 'h');
    // As written in days (a day of business time being 24 of its hours), and in hours, as the bound is.
    const given = formatDuration(ms) === hours(ms) ? hours(ms) : `${formatDuration(ms)} (${hours(ms)})`;
    const whose =
      via.length === 0
        ? ''
        : ` (the calendar of tier${via.length > 1 ? 's' : ''} ${via.map((tier) => JSON.stringify(tier)).join(', ')})`;
    const holidays = placeable.holidayMs > 0 ? `, less ${hours(placeable.holidayMs)} for its holidays` : '';
    issues.push({
      path,
      message:
        `${given} of business time is more than calendar ${JSON.stringify(name)}${whose} can place: ` +
        `at most ${hours(placeable.maxMs)} (${placeable.weeks} weeks of its ${hours(placeable.weeklyMs)} business week${holidays})`,
    });
  }
  return issues;
}

export type CampaignConfig = z.output<typeof campaignConfigSchema>;
export type TierConfig = z.output<typeof tierSchema>;
export type EscalationStep = z.output<typeof escalationStepSchema>;
export type RepConfig = z.output<typeof repSchema>;
export type MilestoneConfig = z.output<typeof milestoneSchema>;
export type MilestoneCondition = z.output<typeof milestoneConditionSchema>;
export type MilestoneFact = (typeof milestoneFacts)[number];
