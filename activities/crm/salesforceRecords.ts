// Boundary validation of what Salesforce returns: every record is checked before the engine sees it,
// and a bad one fails with the object, record and field named.
import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { ContactChannel, CrmClickId, CrmConversion } from '../ports';
import { crmMalformedRecord } from './crmFailures';

/** Which fields carry the engine's routing facts. Owner and tier are configurable per org. */
export interface SalesforceFieldMapping {
  /** Lead field holding the SLA tier; empty means `defaultTier`. */
  tier: string;
  defaultTier: string;
  /** Lead field holding the owner (User or Queue ID). */
  owner: string;
  /** Task text field (External ID, unique) holding the follow-up idempotency key. */
  taskIdempotencyKey: string;
}

export const DEFAULT_FIELD_MAPPING: SalesforceFieldMapping = {
  tier: 'Lead_Tier__c',
  defaultTier: 'standard',
  owner: 'OwnerId',
  taskIdempotencyKey: 'campaign_sla_key__c',
};

const salesforceId = z.string().regex(/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/, 'not a Salesforce ID');
const salesforceDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'not a date (YYYY-MM-DD)');

// Salesforce renders dateTimes as 2026-01-05T14:03:00.000+0000; the engine uses ISO UTC.
const salesforceDateTime = z.string().transform((text, ctx) => {
  const parsed = DateTime.fromISO(text, { setZone: true });
  if (!parsed.isValid) {
    ctx.addIssue({ code: 'custom', message: `not a date-time: ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  return parsed.toUTC().toISO()!;
});

export interface LeadRow {
  /** The change key: CampaignMember Id, or Lead Id under a Lead-field link. */
  key: string;
  stamp: string;
  leadId: string;
  ownerId: string;
  /** When the lead joined the campaign. */
  joinedAt: string;
  tier: string;
}

/** CampaignMember rows with the lead's routing fields through the Lead relationship. */
export function parseMemberRows(records: unknown[], fields: SalesforceFieldMapping): LeadRow[] {
  const schema = z.object({
    Id: salesforceId,
    LeadId: salesforceId,
    CreatedDate: salesforceDateTime,
    SystemModstamp: salesforceDateTime,
    Lead: z.object({ [fields.owner]: salesforceId, [fields.tier]: z.string().nullish() }),
  });
  return records.map((record, index) => {
    const row = parseRecord(schema, record, 'CampaignMember', index);
    const lead = row.Lead as Record<string, string | null | undefined>;
    return {
      key: row.Id,
      stamp: row.SystemModstamp,
      leadId: row.LeadId,
      ownerId: lead[fields.owner] as string,
      joinedAt: row.CreatedDate,
      tier: lead[fields.tier]?.trim() || fields.defaultTier,
    };
  });
}

/** Lead rows under a Lead-field campaign link. */
export function parseLeadRows(records: unknown[], fields: SalesforceFieldMapping): LeadRow[] {
  const schema = z.object({
    Id: salesforceId,
    CreatedDate: salesforceDateTime,
    SystemModstamp: salesforceDateTime,
    [fields.owner]: salesforceId,
    [fields.tier]: z.string().nullish(),
  });
  return records.map((record, index) => {
    const row = parseRecord(schema, record, 'Lead', index) as Record<string, string | null | undefined>;
    return {
      key: row.Id as string,
      stamp: row.SystemModstamp as string,
      leadId: row.Id as string,
      ownerId: row[fields.owner] as string,
      joinedAt: row.CreatedDate as string,
      tier: row[fields.tier]?.trim() || fields.defaultTier,
    };
  });
}

export interface AttemptRow {
  key: string; // Task/Event Id
  stamp: string;
  whoId: string;
  at: string;
  channel: ContactChannel;
  callDisposition: string | null;
}

const taskSchema = z.object({
  Id: salesforceId,
  WhoId: salesforceId,
  TaskSubtype: z.string().nullish(),
  Type: z.string().nullish(),
  CallDisposition: z.string().nullish(),
  CompletedDateTime: salesforceDateTime.nullish(),
  CreatedDate: salesforceDateTime,
  SystemModstamp: salesforceDateTime,
});

const eventSchema = z.object({
  Id: salesforceId,
  WhoId: salesforceId,
  StartDateTime: salesforceDateTime,
  SystemModstamp: salesforceDateTime,
});

/** Task IDs alone (the follow-up task found by its idempotency key). */
export function parseTaskIdRows(records: unknown[]): string[] {
  const schema = z.object({ Id: salesforceId });
  return records.map((record, index) => parseRecord(schema, record, 'Task', index).Id);
}

/** Closed Tasks: the attempt happened when the task was completed (logged calls: when logged). */
export function parseTaskRows(records: unknown[]): AttemptRow[] {
  return records.map((record, index) => {
    const row = parseRecord(taskSchema, record, 'Task', index);
    return {
      key: row.Id,
      stamp: row.SystemModstamp,
      whoId: row.WhoId,
      at: row.CompletedDateTime ?? row.CreatedDate,
      channel: taskChannel(row.TaskSubtype, row.Type),
      callDisposition: row.CallDisposition?.trim() || null,
    };
  });
}

/** Events are meetings: the attempt is the meeting's start. */
export function parseEventRows(records: unknown[]): AttemptRow[] {
  return records.map((record, index) => {
    const row = parseRecord(eventSchema, record, 'Event', index);
    return {
      key: row.Id,
      stamp: row.SystemModstamp,
      whoId: row.WhoId,
      at: row.StartDateTime,
      channel: 'meeting',
      callDisposition: null,
    };
  });
}

export interface MeetingRow {
  key: string; // Event Id
  stamp: string;
  whoId: string;
  /** When the meeting was booked: the Event's CreatedDate. */
  at: string;
}

/** Events by booking: the record's CreatedDate, whenever the meeting starts. */
export function parseMeetingRows(records: unknown[]): MeetingRow[] {
  const schema = z.object({ Id: salesforceId, WhoId: salesforceId, CreatedDate: salesforceDateTime });
  return records.map((record, index) => {
    const row = parseRecord(schema, record, 'Event', index);
    return { key: row.Id, stamp: row.CreatedDate, whoId: row.WhoId, at: row.CreatedDate };
  });
}

export interface OpportunityRow {
  key: string; // the Lead Id: a lead is converted once, into at most one Opportunity
  stamp: string;
  leadId: string;
  opportunityId: string;
  at: string;
}

/**
 * Converted leads with their Opportunity's CreatedDate (through the ConvertedOpportunity relationship). An
 * Opportunity the integration user cannot see comes back as null: the conversion's LastModifiedDate stands in.
 */
export function parseOpportunityRows(records: unknown[]): OpportunityRow[] {
  const schema = z.object({
    Id: salesforceId,
    ConvertedOpportunityId: salesforceId,
    ConvertedOpportunity: z.object({ CreatedDate: salesforceDateTime }).nullish(),
    LastModifiedDate: salesforceDateTime,
    SystemModstamp: salesforceDateTime,
  });
  return records.map((record, index) => {
    const row = parseRecord(schema, record, 'Lead', index);
    return {
      key: row.Id,
      stamp: row.SystemModstamp,
      leadId: row.Id,
      opportunityId: row.ConvertedOpportunityId,
      at: row.ConvertedOpportunity?.CreatedDate ?? row.LastModifiedDate,
    };
  });
}

export function parseConvertedContactRows(records: unknown[]): { leadId: string; contactId: string }[] {
  const schema = z.object({ Id: salesforceId, ConvertedContactId: salesforceId });
  return records.map((record, index) => {
    const row = parseRecord(schema, record, 'Lead', index);
    return { leadId: row.Id, contactId: row.ConvertedContactId };
  });
}

export interface StatusRow {
  key: string;
  stamp: string;
  leadId: string;
  status: string;
  at: string;
}

/** LeadHistory rows for Field = 'Status': one row per change, with its own Id. */
export function parseLeadHistoryRows(records: unknown[]): StatusRow[] {
  const schema = z.object({
    Id: salesforceId,
    LeadId: salesforceId,
    NewValue: z.string().min(1),
    CreatedDate: salesforceDateTime,
  });
  return records.map((record, index) => {
    const row = parseRecord(schema, record, 'LeadHistory', index);
    return { key: row.Id, stamp: row.CreatedDate, leadId: row.LeadId, status: row.NewValue, at: row.CreatedDate };
  });
}

/** The Lead's current Status; the key is (lead, status), so a later unrelated edit repeats nothing. */
export function parseLeadStatusRows(records: unknown[]): StatusRow[] {
  const schema = z.object({
    Id: salesforceId,
    Status: z.string().min(1),
    LastModifiedDate: salesforceDateTime,
    SystemModstamp: salesforceDateTime,
  });
  return records.map((record, index) => {
    const row = parseRecord(schema, record, 'Lead', index);
    // The key travels in the watermark and as an event ID: a digest keeps free text out of both.
    const digest = createHash('sha256').update(row.Status).digest('hex').slice(0, 12);
    return {
      key: `${row.Id}.status.${digest}`,
      stamp: row.SystemModstamp,
      leadId: row.Id,
      status: row.Status,
      at: row.LastModifiedDate,
    };
  });
}

export interface RemovalRow {
  key: string;
  stamp: string;
  leadId: string;
  mergedInto: string | null;
  /** When it was deleted: getDeleted's deletedDate is the deleted record's SystemModstamp (GetDeletedResult). */
  at: string;
}

/** Leads in the recycle bin (IsDeleted, read through QueryAll): deleted outright, or merged into MasterRecordId. */
export function parseRemovalRows(records: unknown[]): RemovalRow[] {
  const schema = z.object({
    Id: salesforceId,
    IsDeleted: z.literal(true),
    MasterRecordId: salesforceId.nullish(),
    SystemModstamp: salesforceDateTime,
  });
  return records.map((record, index) => {
    const row = parseRecord(schema, record, 'Lead', index);
    return {
      key: `${row.Id}.removed`,
      stamp: row.SystemModstamp,
      leadId: row.Id,
      mergedInto: row.MasterRecordId ?? null,
      at: row.SystemModstamp,
    };
  });
}

/** Converted leads; `clickIdFields` names the Lead fields that may hold the ad click (first one set wins). */
export function parseConversionRows(
  records: unknown[],
  clickIdFields: Partial<Record<CrmClickId['kind'], string>> = {},
): CrmConversion[] {
  const clickFields = Object.entries(clickIdFields) as [CrmClickId['kind'], string][];
  const schema = z.object({
    LeadId: salesforceId,
    Lead: z
      .object({ ConvertedDate: salesforceDate, ConvertedOpportunityId: salesforceId.nullish() })
      .catchall(z.unknown()),
  });
  return records.map((record, index) => {
    const row = parseRecord(schema, record, 'CampaignMember', index);
    const click = clickFields
      .map(([kind, field]) => ({ kind, value: row.Lead[field] }))
      .find((c): c is CrmClickId => typeof c.value === 'string' && c.value.trim() !== '');
    return {
      leadId: row.LeadId,
      convertedDate: row.Lead.ConvertedDate,
      opportunityId: row.Lead.ConvertedOpportunityId ?? null,
      ...(click ? { clickId: { kind: click.kind, value: click.value.trim() } } : {}),
    };
  });
}

export function parseLeadStatusValues(records: unknown[]): { apiName: string; label: string }[] {
  const schema = z.object({ ApiName: z.string().min(1), MasterLabel: z.string().min(1) });
  return records.map((record, index) => {
    const row = parseRecord(schema, record, 'LeadStatus', index);
    return { apiName: row.ApiName, label: row.MasterLabel };
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

function taskChannel(subtype: string | null | undefined, type: string | null | undefined): ContactChannel {
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
