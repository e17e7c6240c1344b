// Lead commands: bulk import (CSV or JSON), touches and dispositions through the workflow's Updates, and
// one lead's clocks through its lead query.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { parse as parseCsv } from 'csv-parse/sync';
import { formatIssues, newLeadSchema, contactChannels, type LeadEvent, type NewLead } from '../../sla/leadEvents';
import type { AdmitOutcome, EventOutcome } from '../../sla/leadBook';
import { admitLeadsUpdate, campaignWorkflowId, leadQuery, recordLeadEventsUpdate } from '../../workflows/messages';
import { quoteInput } from '../../sla/ids';
import type { LeadView } from '../../sla/views';
import { onCampaign } from './campaigns';
import { readInputFile } from './campaignFiles';
import { badInput, CliError, ExitCode, notFound } from './errors';

const LEAD_BATCH_SIZE = 500;
const CSV_COLUMNS = ['leadId', 'tier', 'ownerId', 'createdAt'];

/** Parses and validates every row before anything is sent; problems name the row and field. */
export function parseLeadFile(file: string, text: string): NewLead[] {
  const rows = path.extname(file).toLowerCase() === '.json' ? jsonRows(file, text) : csvRows(file, text);
  if (rows.length === 0) throw badInput(`${file}: no leads in the file`);
  const leads: NewLead[] = [];
  const problems: string[] = [];
  rows.forEach((row, i) => {
    const parsed = newLeadSchema.safeParse(row);
    if (parsed.success) leads.push(parsed.data);
    else
      problems.push(
        ...formatIssues(parsed.error)
          .split('\n')
          .map((line) => `row ${i + 1}: ${line}`),
      );
  });
  if (problems.length) {
    const shown = problems.slice(0, 5).join('; ');
    const more = problems.length > 5 ? `; … ${problems.length - 5} more` : '';
    throw badInput(`${file}: ${problems.length} invalid field(s), nothing sent: ${shown}${more}`);
  }
  return leads;
}

function jsonRows(file: string, text: string): unknown[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw badInput(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(data)) throw badInput(`${file}: expected a JSON array of leads`);
  return data;
}

function csvRows(file: string, text: string): unknown[] {
  let records: Record<string, string>[];
  try {
    records = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, bom: true });
  } catch (err) {
    throw badInput(`${file}: not valid CSV (${(err as Error).message})`);
  }
  const header = records.length ? Object.keys(records[0]) : [];
  const missing = CSV_COLUMNS.filter((column) => !header.includes(column));
  if (records.length && missing.length) {
    throw badInput(`${file}: header must be ${CSV_COLUMNS.join(',')} (missing ${missing.join(', ')})`);
  }
  return records;
}

export interface ImportSummary {
  campaignId: string;
  leads: number;
  admitted: number;
  duplicates: number;
  batches: number;
}

export async function readLeadFile(file: string): Promise<NewLead[]> {
  return parseLeadFile(file, await readInputFile(file));
}

/** Sends validated leads (readLeadFile) in batches of LEAD_BATCH_SIZE through the admitLeads Update. */
export async function importLeads(
  client: Client,
  campaignId: string,
  leads: NewLead[],
  onProgress: (sent: number, total: number) => void = () => {},
): Promise<ImportSummary> {
  const handle = client.workflow.getHandle(campaignWorkflowId(campaignId));
  const outcomes: AdmitOutcome[] = [];
  let batches = 0;
  for (let start = 0; start < leads.length; start += LEAD_BATCH_SIZE) {
    const batch = leads.slice(start, start + LEAD_BATCH_SIZE);
    try {
      outcomes.push(
        ...(await onCampaign(campaignId, () => handle.executeUpdate(admitLeadsUpdate, { args: [{ leads: batch }] }))),
      );
    } catch (err) {
      // Batches before this one are in; re-running the import reports them as duplicates.
      if (start === 0) throw err;
      const reason =
        err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      throw new CliError(
        `rows ${start + 1}-${start + batch.length} rejected after ${start} rows were admitted (re-running is safe): ${reason}`,
        ExitCode.failed,
      );
    }
    batches++;
    onProgress(Math.min(start + LEAD_BATCH_SIZE, leads.length), leads.length);
  }
  const admitted = outcomes.filter((o) => o.result === 'admitted').length;
  return { campaignId, leads: leads.length, admitted, duplicates: outcomes.length - admitted, batches };
}

/**
 * Default event ID: a hash of what the event says, so re-running the same command is a no-op in the
 * workflow. Without --at the current minute stands in for the time, so a retry within the minute
 * dedupes while a genuinely new touch later on is recorded.
 */
export function stableEventId(parts: string[]): string {
  const digest = createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  return `cli-${digest.slice(0, 32)}`;
}

export interface EventTiming {
  at?: string;
  eventId?: string;
  now: Date;
}

function eventTiming(timing: EventTiming, parts: string[]): { at: string; eventId: string } {
  const at = timing.at ?? timing.now.toISOString();
  if (Number.isNaN(Date.parse(at))) throw badInput(`--at: expected an ISO time like 2026-03-02T09:00:00Z, got "${at}"`);
  const minute = timing.now.toISOString().slice(0, 16);
  return { at, eventId: timing.eventId ?? stableEventId([...parts, timing.at ?? `minute:${minute}`]) };
}

export function contactEvent(campaignId: string, leadId: string, channel: string, timing: EventTiming): LeadEvent {
  const known = contactChannels.find((c) => c === channel);
  if (!known) throw badInput(`--channel: expected one of ${contactChannels.join(', ')}, got "${channel}"`);
  return { type: 'contact', leadId, channel: known, ...eventTiming(timing, [campaignId, leadId, 'contact', known]) };
}

export function dispositionEvent(
  campaignId: string,
  leadId: string,
  decision: string,
  reason: string | undefined,
  timing: EventTiming,
): LeadEvent {
  if (decision !== 'accept' && decision !== 'reject')
    throw badInput(`decision: expected accept or reject, got "${decision}"`);
  return {
    type: 'disposition',
    leadId,
    decision,
    ...(reason === undefined ? {} : { reason }),
    ...eventTiming(timing, [campaignId, leadId, 'disposition', decision, reason ?? '']),
  };
}

export async function recordLeadEvent(client: Client, campaignId: string, event: LeadEvent): Promise<EventOutcome> {
  const [outcome] = await onCampaign(campaignId, () =>
    client.workflow
      .getHandle(campaignWorkflowId(campaignId))
      .executeUpdate(recordLeadEventsUpdate, { args: [{ events: [event] }] }),
  );
  return outcome;
}

/** One lead from the workflow's lead query; a lead the campaign does not hold (unknown or closed) is not found. */
export async function leadStatus(client: Client, campaignId: string, leadId: string): Promise<LeadView> {
  const lead = await onCampaign(campaignId, () =>
    client.workflow.getHandle(campaignWorkflowId(campaignId)).query(leadQuery, leadId),
  );
  if (!lead) throw notFound(`campaign "${campaignId}" has no open lead ${quoteInput(leadId)}`);
  return lead;
}
