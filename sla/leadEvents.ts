import { z } from 'zod';
import { externalIdSchema, idProblem } from './ids';
import { instantOfIso } from './isoInstant';
import { MAX_BATCH_ITEMS } from './inputLimits';

// Inputs that reach a campaign workflow from outside (Updates and Signals). They carry IDs only:
// no names, emails or phone numbers ever enter workflow history.

const idSchema = externalIdSchema;

const isoTimeSchema = z.iso.datetime({
  offset: true,
  message: 'expected an ISO 8601 time with offset, e.g. 2026-03-02T09:00:00Z',
});

export const contactChannels = ['call', 'email', 'sms', 'meeting', 'social', 'other'] as const;
export const conversionStages = ['MQL', 'SQL', 'Opportunity'] as const;
export type ConversionStage = (typeof conversionStages)[number];

export const newLeadSchema = z.strictObject({
  leadId: idSchema,
  tier: z.string().min(1, 'must not be empty').max(80, 'must be at most 80 characters'),
  ownerId: idSchema,
  createdAt: isoTimeSchema,
});
export type NewLead = z.infer<typeof newLeadSchema>;

export const admitLeadsInputSchema = z.strictObject({
  leads: z
    .array(newLeadSchema)
    .min(1, 'must contain at least one lead')
    .max(MAX_BATCH_ITEMS, `at most ${MAX_BATCH_ITEMS} leads per batch`),
});
export type AdmitLeadsInput = z.infer<typeof admitLeadsInputSchema>;

const NEW_LEAD_KEYS = ['leadId', 'tier', 'ownerId', 'createdAt'] as const;
const isId = (v: unknown) => typeof v === 'string' && idProblem(v) === null;

/**
 * Whether a batch is one admitLeadsInputSchema accepts, checked without zod: a 2,000-lead batch took zod about 14 ms
 * of the campaign's workflow task, every clock waiting behind it. A batch this passes, zod passes too (the test holds
 * it to that); false may still be a valid batch (a createdAt with an offset other than Z), and zod then decides and
 * names what is wrong.
 */
export function isAdmitLeadsInput(v: unknown): v is AdmitLeadsInput {
  if (typeof v !== 'object' || v === null || Object.keys(v).length !== 1) return false;
  const leads = (v as { leads?: unknown }).leads;
  if (!Array.isArray(leads) || leads.length < 1 || leads.length > MAX_BATCH_ITEMS) return false;
  return leads.every((lead: unknown) => {
    if (typeof lead !== 'object' || lead === null || Object.keys(lead).length !== NEW_LEAD_KEYS.length) return false;
    const { leadId, tier, ownerId, createdAt } = lead as Record<(typeof NEW_LEAD_KEYS)[number], unknown>;
    return (
      isId(leadId) &&
      isId(ownerId) &&
      typeof tier === 'string' &&
      tier.length >= 1 &&
      tier.length <= 80 &&
      typeof createdAt === 'string' &&
      instantOfIso(createdAt) !== undefined
    );
  });
}

const contactAttemptSchema = z.strictObject({
  type: z.literal('contact'),
  leadId: idSchema,
  /** Caller-chosen idempotency key; a repeat with the same key is a no-op. */
  eventId: idSchema,
  channel: z.enum(contactChannels),
  at: isoTimeSchema,
});

const dispositionSchema = z.strictObject({
  type: z.literal('disposition'),
  leadId: idSchema,
  eventId: idSchema,
  decision: z.enum(['accept', 'reject']),
  reason: z.string().min(1, 'must not be empty').max(80, 'must be at most 80 characters').optional(),
  at: isoTimeSchema,
});

const stageSchema = z.strictObject({
  type: z.literal('stage'),
  leadId: idSchema,
  eventId: idSchema,
  stage: z.enum(conversionStages),
  at: isoTimeSchema,
});

/** The lead's CRM status changed (Lead.Status API name): milestone clocks start, stop, pause and resume on it. */
const statusSchema = z.strictObject({
  type: z.literal('status'),
  leadId: idSchema,
  eventId: idSchema,
  status: z.string().min(1, 'must not be empty').max(80, 'must be at most 80 characters'),
  at: isoTimeSchema,
});

/** A meeting was booked with the lead (a Salesforce Event created on it); `at` is when it was booked. */
const meetingBookedSchema = z.strictObject({
  type: z.literal('meeting'),
  leadId: idSchema,
  eventId: idSchema,
  at: isoTimeSchema,
});

/**
 * The lead left the CRM at `at`: deleted, or merged into `mergedInto` (Lead.MasterRecordId). Nobody can work it
 * any more, so its clocks stop there and it closes.
 */
const leadRemovedSchema = z.strictObject({
  type: z.literal('removed'),
  leadId: idSchema,
  eventId: idSchema,
  mergedInto: idSchema.optional(),
  at: isoTimeSchema,
});

const leadEventSchema = z.discriminatedUnion('type', [
  contactAttemptSchema,
  dispositionSchema,
  stageSchema,
  statusSchema,
  meetingBookedSchema,
  leadRemovedSchema,
]);
export type LeadEvent = z.infer<typeof leadEventSchema>;

export const recordLeadEventsInputSchema = z.strictObject({
  events: z
    .array(leadEventSchema)
    .min(1, 'must contain at least one event')
    .max(MAX_BATCH_ITEMS, `at most ${MAX_BATCH_ITEMS} events per batch`),
});
export type RecordLeadEventsInput = z.infer<typeof recordLeadEventsInputSchema>;

export const decideProposalInputSchema = z.strictObject({
  proposalId: idSchema,
  decision: z.enum(['approve', 'reject']),
  approver: idSchema,
  reason: z.string().trim().min(3, 'give a reason of at least 3 characters').max(500),
});
export type DecideProposalInput = z.infer<typeof decideProposalInputSchema>;

/** Where a budget edit came from: a closed set, so no free text (or personal data) enters history. */
const budgetChangeSources = ['ads-ui', 'ads-api', 'ads-script', 'ads-rule', 'other'] as const;

export const budgetChangedSignalSchema = z.strictObject({
  source: z.enum(budgetChangeSources),
  amountMicros: z.number().int().nonnegative().optional(),
  status: z.enum(['ENABLED', 'PAUSED']).optional(),
  at: isoTimeSchema,
});
export type BudgetChangedSignal = z.infer<typeof budgetChangedSignalSchema>;

export const rollQuarterInputSchema = z.strictObject({
  quarter: z.string().regex(/^\d{4}-Q[1-4]$/, 'expected a quarter like 2027-Q1'),
});
export type RollQuarterInput = z.infer<typeof rollQuarterInputSchema>;

/** Formats zod issues as `path: message` lines, the one error style used across campaign-sla. */
export function formatIssues(error: z.ZodError, root = ''): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.reduce<string>(
        (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)),
        root,
      );
      return `${path || '(input)'}: ${issue.message}`;
    })
    .join('\n');
}
