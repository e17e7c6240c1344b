// Boundary validation of what Salesforce returns: every record is checked before the engine sees it,
// and a bad one fails with the object, record and field named.
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { ContactChannel } from '../ports';
import { crmMalformedRecord } from './crmFailures';

/** Which Lead fields carry the engine's routing facts. Owner and tier are configurable per org. */
export interface SalesforceFieldMapping {
  /** Lead field holding the SLA tier; empty means `defaultTier`. */
  tier: string;
  defaultTier: string;
  /** Lead field holding the owner (User or Queue ID). */
  owner: string;
  /** Lead field holding the ID of the Salesforce Campaign the lead came from (campaign link). */
  campaign: string;
  /** Task text field (External ID, unique) holding the follow-up idempotency key. */
  taskIdempotencyKey: string;
}

export const DEFAULT_FIELD_MAPPING: SalesforceFieldMapping = {
  tier: 'Lead_Tier__c',
  defaultTier: 'standard',
  owner: 'OwnerId',
  campaign: 'Campaign_Id__c',
  taskIdempotencyKey: 'campaign_sla_key__c',
};

const salesforceId = z.string().regex(/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/, 'not a Salesforce ID');

// Salesforce renders dateTimes as 2026-01-05T14:03:00.000+0000; the engine uses ISO UTC.
const salesforceDateTime = z.string().transform((text, ctx) => {
  const parsed = DateTime.fromISO(text, { setZone: true });
  if (!parsed.isValid) {
    ctx.addIssue({ code: 'custom', message: `not a date-time: ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  return parsed.toUTC().toISO();
});

export interface LeadRow {
  id: string;
  ownerId: string;
  createdAt: string;
  tier: string;
}

export function parseLeadRows(records: unknown[], fields: SalesforceFieldMapping): LeadRow[] {
  const schema = z.object({
    Id: salesforceId,
    CreatedDate: salesforceDateTime,
    [fields.owner]: salesforceId,
    [fields.tier]: z.string().nullish(),
  });
  return records.map((record, index) => {
    const row = parseRecord(schema, record, 'Lead', index) as Record<string, string | null | undefined>;
    const tier = row[fields.tier]?.trim();
    return {
      id: row.Id as string,
      ownerId: row[fields.owner] as string,
      createdAt: row.CreatedDate as string,
      tier: tier ? tier : fields.defaultTier,
    };
  });
}

export interface TouchRow {
  whoId: string;
  firstAt: string;
  channel: ContactChannel;
}

const taskTouchSchema = z.object({
  WhoId: salesforceId,
  TaskSubtype: z.string().nullish(),
  Type: z.string().nullish(),
  firstAt: salesforceDateTime,
});

const eventTouchSchema = z.object({ WhoId: salesforceId, firstAt: salesforceDateTime });

export function parseTaskTouchRows(records: unknown[]): TouchRow[] {
  return records.map((record, index) => {
    const row = parseRecord(taskTouchSchema, record, 'Task', index);
    return { whoId: row.WhoId, firstAt: row.firstAt, channel: taskChannel(row.TaskSubtype, row.Type) };
  });
}

export function parseEventTouchRows(records: unknown[]): TouchRow[] {
  return records.map((record, index) => {
    const row = parseRecord(eventTouchSchema, record, 'Event', index);
    return { whoId: row.WhoId, firstAt: row.firstAt, channel: 'meeting' };
  });
}

// TaskSubtype is set by the feature that logged the task (Log a Call, email, LinkedIn); plain
// "Task" subtypes fall back to the Type picklist the rep chose.
const SUBTYPE_CHANNELS: Record<string, ContactChannel> = {
  Call: 'call',
  Email: 'email',
  ListEmail: 'email',
  LinkedIn: 'social',
};
const TYPE_CHANNELS: Record<string, ContactChannel> = {
  Call: 'call',
  Email: 'email',
  Meeting: 'meeting',
  SMS: 'sms',
  Text: 'sms',
};

export function taskChannel(subtype: string | null | undefined, type: string | null | undefined): ContactChannel {
  return SUBTYPE_CHANNELS[subtype ?? ''] ?? TYPE_CHANNELS[type ?? ''] ?? 'other';
}

function parseRecord<T>(schema: z.ZodType<T>, record: unknown, sObject: string, index: number): T {
  const result = schema.safeParse(record);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`);
  throw crmMalformedRecord(
    `Salesforce ${sObject} record ${recordLabel(record, index)} is malformed: ${problems.join('; ')}`,
  );
}

// Aggregate rows have no Id; the lead they summarise is the next best name.
function recordLabel(record: unknown, index: number): string {
  if (typeof record !== 'object' || record === null) return `#${index}`;
  const fields = record as Record<string, unknown>;
  if (typeof fields.Id === 'string') return fields.Id;
  if (typeof fields.WhoId === 'string') return `#${index} (WhoId ${fields.WhoId})`;
  return `#${index}`;
}
