// The real Crm adapter: Salesforce REST through jsforce.
//
// Campaign link: a Lead field holding the Salesforce Campaign ID (default Campaign_Id__c,
// configurable), not CampaignMember; leads are read with one query per page.
// Reads select IDs, owner, tier and timestamps only: never names, emails or phone numbers.
import type { Duration } from '@temporalio/common';
import type { Crm, CrmApiUsage, CrmConversionQuery, CrmFirstTouch, CrmLead } from '../ports';
import { CountingConnection } from './countingConnection';
import { crmInvalidInput, crmRequestRejected } from './crmFailures';
import { decodeLeadWatermark, encodeLeadWatermark } from './leadWatermark';
import {
  DEFAULT_FIELD_MAPPING,
  parseEventTouchRows,
  parseLeadRows,
  parseTaskTouchRows,
  type SalesforceFieldMapping,
  type TouchRow,
} from './salesforceRecords';
import { isInvalidSession, toCrmFailure } from './salesforceErrors';
import { requestSalesforceSession } from './salesforceSession';
import { salesforceSettingsFromEnv, type SalesforceSettings } from './salesforceSettings';
import {
  assertFieldApiName,
  assertSalesforceId,
  batchIdsForInClause,
  soqlDateTime,
  soqlId,
  soqlIdList,
  soqlString,
  soqlStringList,
} from './soql';

export interface SalesforceCrmOptions {
  settings: SalesforceSettings;
  fields?: Partial<SalesforceFieldMapping>;
  /** Most leads one fetchNewLeads call returns; the watermark picks up the rest next poll. */
  maxFetch?: number;
  /** Lead IDs per IN clause in fetchFirstTouches. */
  idBatchSize?: number;
  /** How long Temporal should wait after REQUEST_LIMIT_EXCEEDED. */
  rateLimitRetryDelay?: Duration;
  /** Clock for JWT expiry; activities may read the real clock. */
  now?: () => Date;
}

export const DEFAULT_MAX_FETCH = 2_000;
export const DEFAULT_ID_BATCH_SIZE = 200;
// The REST query travels in the URL (16,384 bytes max); quotes and commas are URL-encoded,
// so the IN list is kept well under that.
const MAX_IN_CLAUSE_CHARS = 8_000;
const MAX_TEXT_LENGTH = 255;

export class SalesforceCrm implements Crm {
  private readonly settings: SalesforceSettings;
  private readonly fields: SalesforceFieldMapping;
  private readonly maxFetch: number;
  private readonly idBatchSize: number;
  private readonly rateLimitRetryDelay: Duration;
  private readonly now: () => Date;
  private connection: Promise<CountingConnection> | undefined;
  private connectionCalls = 0;
  private lastUsage = { used: 0, limit: 0 };

  constructor(options: SalesforceCrmOptions) {
    this.settings = options.settings;
    this.fields = { ...DEFAULT_FIELD_MAPPING, ...options.fields };
    for (const key of ['tier', 'owner', 'campaign', 'taskIdempotencyKey'] as const) {
      assertFieldApiName(this.fields[key], `Salesforce field mapping "${key}"`);
    }
    this.maxFetch = positiveInteger(options.maxFetch ?? DEFAULT_MAX_FETCH, 'maxFetch');
    this.idBatchSize = positiveInteger(options.idBatchSize ?? DEFAULT_ID_BATCH_SIZE, 'idBatchSize');
    this.rateLimitRetryDelay = options.rateLimitRetryDelay ?? '60s';
    this.now = options.now ?? (() => new Date());
  }

  static fromEnv(
    env: Record<string, string | undefined> = process.env,
    options: Omit<SalesforceCrmOptions, 'settings'> = {},
  ): SalesforceCrm {
    return new SalesforceCrm({ ...options, settings: salesforceSettingsFromEnv(env) });
  }

  async fetchNewLeads(
    crmCampaignId: string,
    watermark: string | null,
  ): Promise<{ leads: CrmLead[]; watermark: string | null }> {
    return this.call('fetchNewLeads', async (conn) => {
      const f = this.fields;
      const where = [`${f.campaign} = ${soqlId(crmCampaignId, 'crmCampaignId')}`];
      if (watermark !== null) {
        const after = decodeWatermark(watermark);
        const at = soqlDateTime(after.createdAt, 'watermark CreatedDate');
        where.push(
          `(CreatedDate > ${at} OR (CreatedDate = ${at} AND Id > ${soqlId(after.leadId, 'watermark lead Id')}))`,
        );
      }
      const soql =
        `SELECT Id, ${f.owner}, CreatedDate, ${f.tier} FROM Lead WHERE ${where.join(' AND ')} ` +
        `ORDER BY CreatedDate ASC, Id ASC LIMIT ${this.maxFetch}`;
      const result = await conn.query(soql, { autoFetch: true, maxFetch: this.maxFetch });
      const rows = parseLeadRows(result.records, f);
      const leads = rows.map((row) => ({
        leadId: row.id,
        ownerId: row.ownerId,
        tier: row.tier,
        createdAt: row.createdAt,
        campaignId: crmCampaignId,
      }));
      const last = rows.at(-1);
      return {
        leads,
        watermark: last ? encodeLeadWatermark({ createdAt: last.createdAt, leadId: last.id }) : watermark,
      };
    });
  }

  async fetchFirstTouches(leadIds: string[]): Promise<CrmFirstTouch[]> {
    return this.call('fetchFirstTouches', async (conn) => {
      const unique = [...new Set(leadIds.map((id, i) => assertSalesforceId(id, `leadIds[${i}]`)))];
      const earliest = new Map<string, TouchRow>();
      const keep = (touch: TouchRow) => {
        const key = idKey(touch.whoId);
        const known = earliest.get(key);
        if (!known || touch.firstAt < known.firstAt) earliest.set(key, touch);
      };
      // Aggregates return one row per lead (per Task channel), so each batch is one call per
      // sObject; open Tasks (our own follow-ups, reminders) are plans, not touches.
      for (const batch of batchIdsForInClause(unique, this.idBatchSize, MAX_IN_CLAUSE_CHARS)) {
        const ids = soqlIdList(batch, 'leadIds');
        const tasks = await conn.query(
          `SELECT WhoId, TaskSubtype, Type, MIN(CreatedDate) firstAt FROM Task WHERE WhoId IN ${ids} AND IsClosed = true GROUP BY WhoId, TaskSubtype, Type`,
        );
        parseTaskTouchRows(tasks.records).forEach(keep);
        const events = await conn.query(
          `SELECT WhoId, MIN(CreatedDate) firstAt FROM Event WHERE WhoId IN ${ids} GROUP BY WhoId`,
        );
        parseEventTouchRows(events.records).forEach(keep);
      }
      return unique.flatMap((leadId) => {
        const touch = earliest.get(idKey(leadId));
        return touch ? [{ leadId, at: touch.firstAt, channel: touch.channel }] : [];
      });
    });
  }

  async countConversions(query: CrmConversionQuery): Promise<number> {
    return this.call('countConversions', async (conn) => {
      const campaign = soqlId(query.crmCampaignId, 'crmCampaignId');
      const window = `CreatedDate >= ${soqlDateTime(query.from, 'from')} AND CreatedDate < ${soqlDateTime(query.to, 'to')}`;
      if (Date.parse(query.from) >= Date.parse(query.to))
        throw crmInvalidInput(`from (${query.from}) must be before to (${query.to})`);
      const soql = query.countOpportunities
        ? `SELECT COUNT() FROM Opportunity WHERE CampaignId = ${campaign} AND ${window}`
        : `SELECT COUNT() FROM Lead WHERE ${this.fields.campaign} = ${campaign} AND ${window} AND ${convertedCondition(query.convertedStatuses)}`;
      const result = await conn.query(soql);
      return result.totalSize;
    });
  }

  async setOwner(leadId: string, ownerId: string): Promise<void> {
    await this.call('setOwner', async (conn) => {
      const record = {
        Id: assertSalesforceId(leadId, 'leadId'),
        [this.fields.owner]: assertSalesforceId(ownerId, 'ownerId'),
      };
      assertSaved(await conn.sobject('Lead').update(record), 'setOwner');
    });
  }

  async createFollowUpTask(input: {
    leadId: string;
    ownerId: string;
    subject: string;
    dueDate: string;
    idempotencyKey: string;
  }): Promise<void> {
    await this.call('createFollowUpTask', async (conn) => {
      const keyField = this.fields.taskIdempotencyKey;
      const task = {
        WhoId: assertSalesforceId(input.leadId, 'leadId'),
        OwnerId: assertSalesforceId(input.ownerId, 'ownerId'),
        Subject: boundedText(input.subject, 'subject'),
        ActivityDate: activityDate(input.dueDate),
        Status: 'Not Started',
        [keyField]: boundedText(input.idempotencyKey, 'idempotencyKey'),
      };
      // A retry after a lost response must not create a second task: look for the key first.
      const existing = await conn.query(
        `SELECT Id FROM Task WHERE ${keyField} = ${soqlString(input.idempotencyKey)} LIMIT 1`,
      );
      if (existing.totalSize > 0) return;
      assertSaved(await conn.sobject('Task').create(task), 'createFollowUpTask');
    });
  }

  async setLeadStatus(leadId: string, status: string): Promise<void> {
    await this.call('setLeadStatus', async (conn) => {
      const record = { Id: assertSalesforceId(leadId, 'leadId'), Status: boundedText(status, 'status') };
      assertSaved(await conn.sobject('Lead').update(record), 'setLeadStatus');
    });
  }

  apiUsage(): CrmApiUsage {
    return { used: this.lastUsage.used, max: this.lastUsage.limit, callsMade: this.connectionCalls };
  }

  /**
   * Runs one adapter operation: a session is obtained on first use; INVALID_SESSION_ID triggers
   * one refresh and one retry (every operation here is safe to repeat); a second rejection is a
   * CrmAuthError. Errors leave as typed ApplicationFailures.
   */
  private async call<T>(operation: string, run: (conn: CountingConnection) => Promise<T>): Promise<T> {
    try {
      const conn = await this.openConnection();
      try {
        return await this.track(conn, run);
      } catch (err) {
        if (!isInvalidSession(err)) throw err;
        await this.refreshSession(conn);
        return await this.track(conn, run);
      }
    } catch (err) {
      throw toCrmFailure(err, operation, this.rateLimitRetryDelay);
    }
  }

  // Reads the usage jsforce parsed from the last Sforce-Limit-Info header, even when the call failed.
  private async track<T>(conn: CountingConnection, run: (conn: CountingConnection) => Promise<T>): Promise<T> {
    try {
      return await run(conn);
    } finally {
      this.connectionCalls = conn.callsMade;
      const usage = conn.limitInfo.apiUsage;
      if (usage) this.lastUsage = usage;
    }
  }

  private openConnection(): Promise<CountingConnection> {
    this.connection ??= requestSalesforceSession(this.settings.auth, this.now()).then(
      (session) => new CountingConnection({ ...session, version: this.settings.apiVersion }),
    );
    // A failed login must not be cached: the next attempt logs in again.
    this.connection.catch(() => (this.connection = undefined));
    return this.connection;
  }

  private async refreshSession(conn: CountingConnection): Promise<void> {
    const session = await requestSalesforceSession(this.settings.auth, this.now());
    conn.accessToken = session.accessToken;
    conn.instanceUrl = session.instanceUrl;
  }
}

function decodeWatermark(text: string) {
  try {
    return decodeLeadWatermark(text);
  } catch (err) {
    throw crmInvalidInput(`fetchNewLeads: ${(err as Error).message}`);
  }
}

// 15- and 18-character forms of one ID share their first 15 characters.
function idKey(id: string): string {
  return id.slice(0, 15);
}

function convertedCondition(statuses: string[]): string {
  return statuses.length === 0
    ? 'IsConverted = true'
    : `(IsConverted = true OR Status IN ${soqlStringList(statuses, 'convertedStatuses')})`;
}

function boundedText(value: string, what: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_TEXT_LENGTH) {
    throw crmInvalidInput(
      `${what} must be a non-empty string of at most ${MAX_TEXT_LENGTH} characters, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

// Task.ActivityDate is a date; a date-time due date is taken on its UTC calendar day.
function activityDate(dueDate: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(dueDate) && !Number.isNaN(Date.parse(dueDate))) return dueDate;
  const parsed = Date.parse(dueDate);
  if (Number.isNaN(parsed))
    throw crmInvalidInput(`dueDate must be YYYY-MM-DD or an ISO date-time, got ${JSON.stringify(dueDate)}`);
  return new Date(parsed).toISOString().slice(0, 10);
}

function assertSaved(result: { success: boolean; errors: unknown[] }, operation: string): void {
  if (!result.success)
    throw crmRequestRejected(`${operation}: Salesforce did not save the record: ${JSON.stringify(result.errors)}`);
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${what} must be a positive integer, got ${value}`);
  return value;
}
