// The spend side of the campaign config: velocity rules, budget-change approvals, guardrails and Ads settings.
import { z } from 'zod';
import { durationSchema, positiveDurationSchema } from '../duration';
import { idSchema, percentSchema, positiveNumber, withoutBuiltInKeys } from './fields';

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
  // Spend ahead of the flight by more than the pacing band allows (it tightens toward the flight end).
  z
    .strictObject({ kind: z.literal('pacing-above-band'), action: reduceOrPauseSchema, pct: percentSchema.optional() })
    .superRefine(checkPctMatchesAction),
  // More leads coming before the next check than the available reps can take on.
  z
    .strictObject({ kind: z.literal('capacity-short'), action: reduceOrPauseSchema, pct: percentSchema.optional() })
    .superRefine(checkPctMatchesAction),
  z.strictObject({
    kind: z.literal('velocity-above'),
    abovePct: positiveNumber,
    action: z.literal('increase'),
    pct: positiveNumber,
  }),
  z.strictObject({ kind: z.literal('recovered'), action: z.literal('restore') }),
]);

/** How the rules avoid flapping (see sla/rules.ts, Stability). */
export const stabilitySchema = z
  .strictObject({
    /** A rule rests this long after a decision on its last proposal (approved, rejected, expired). */
    cooldown: positiveDurationSchema.prefault('12h'),
    maxProposalsPerDay: z.int().min(1).max(24).default(4),
    /** % of the threshold by which the cause of a reduce or pause must have cleared before a restore. */
    restoreMarginPct: z.number().min(0).max(50).default(10),
    /** How long the cause must stay cleared before a restore; default: one check interval (two checks in a row). */
    restoreAfter: durationSchema.optional(),
  })
  .prefault({});

/** Allowed deviation from even pacing, in %: wide at the flight start, narrow at its end. */
export const pacingBandSchema = z
  .strictObject({ startPct: z.number().min(0).max(100).default(25), endPct: z.number().min(0).max(100).default(1) })
  .prefault({});

export const velocitySchema = z.strictObject({
  checkEvery: positiveDurationSchema.prefault('6h'),
  trailingWindow: positiveDurationSchema.prefault('24h'),
  /** How long after its click a lead typically converts: rates are judged across it (sla/conversionLag). */
  conversionLag: durationSchema.prefault('0s'),
  rules: z.array(velocityRuleSchema),
  stability: stabilitySchema,
  pacingBand: pacingBandSchema,
});

// ---------------------------------------------------------------------------------------------
// approvals, guardrails, ads
// ---------------------------------------------------------------------------------------------

const approversSchema = z
  .array(idSchema)
  .min(1, { error: 'must list at least one approver' })
  .superRefine((approvers, ctx) => {
    approvers.forEach((approver, i) => {
      if (approvers.indexOf(approver) < i) {
        ctx.addIssue({ code: 'custom', path: [i], message: `duplicate approver ${JSON.stringify(approver)}` });
      }
    });
  });

// Slack member IDs (U…, or W… on Enterprise Grid), https://api.slack.com/changelog/2016-08-11-user-id-format-changes.
const slackUserIdSchema = z.string().regex(/^[UW][A-Z0-9]{2,20}$/, 'expected a Slack member ID such as U024BE7LH');

export const approvalsSchema = z
  .strictObject({
    approvers: approversSchema,
    timeout: positiveDurationSchema,
    onTimeout: z.enum(['apply', 'reject', 'escalate']),
    autoApprove: z
      .strictObject({ reduceUpToPct: z.number().min(0).max(100).default(0), pause: z.boolean().default(false) })
      .prefault({}),
    /** Slack member ID → approver ID: who may decide from the proposal alert's buttons (dashboard/slack.ts). */
    slackUsers: withoutBuiltInKeys(z.record(slackUserIdSchema, idSchema), 'a Slack member ID').optional(),
  })
  .superRefine((approvals, ctx) => {
    for (const [slackUser, approver] of Object.entries(approvals.slackUsers ?? {})) {
      if (!approvals.approvers.includes(approver)) {
        ctx.addIssue({
          code: 'custom',
          path: ['slackUsers', slackUser],
          message: `approver ${JSON.stringify(approver)} is not in approvals.approvers`,
        });
      }
    }
  });

export const guardrailsSchema = z
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

/**
 * Offline conversion upload (ConversionUploadService.UploadClickConversions): converted leads with a click ID go
 * back to Google as conversions of `conversionAction`, valued per stage, so bidding optimizes for qualified leads.
 * Consent for ad user data must be stated: Google's EU user consent policy requires it.
 */
const conversionUploadSchema = z.strictObject({
  conversionAction: z
    .string()
    .regex(/^customers\/\d{1,20}\/conversionActions\/\d{1,20}$/, 'must be customers/<id>/conversionActions/<id>'),
  value: z.strictObject({ converted: z.number().min(0), opportunity: z.number().min(0).optional() }),
  adUserDataConsent: z.enum(['GRANTED', 'DENIED']),
});

export const adsSettingsSchema = z
  .strictObject({ dryRun: z.boolean().default(false), conversionUpload: conversionUploadSchema.optional() })
  .prefault({});

// ---------------------------------------------------------------------------------------------
