// The real Crm adapter: Salesforce REST through jsforce. Salesforce is the source of truth for who
// is in the campaign (CampaignMember), every contact attempt (Tasks and Events on WhoId, followed to
// the converted Contact), dispositions and status changes (LeadHistory or Lead.Status), meetings booked
// (Event.CreatedDate), opportunities (ConvertedOpportunityId) and conversions (ConvertedDate).
// Reads select IDs, owner, tier, statuses and timestamps only: never names, emails or phone numbers.
import type {
  Crm,
  CrmApiUsage,
  CrmAttempt,
  CrmConversion,
  CrmConversionQuery,
  CrmFollowUpTask,
  CrmLead,
  CrmMeetingBooked,
  CrmOpportunity,
  CrmOwnerResult,
  CrmRemovedLead,
  CrmPage,
  CrmStatusChange,
  LeadStatusMapping,
} from '../ports';
import { orgSetupProblems } from './orgSetup';
import { conversionDays } from './conversionWindow';
import { CountingConnection } from './countingConnection';
import { crmInvalidInput, crmMalformedRecord, crmRequestRejected } from './crmFailures';
import {
  advanceWatermark,
  decodeWatermark,
  encodeWatermark,
  readFrom,
  type ChangeWatermark,
  type StampedRow,
} from './leadWatermark';
import {
  DEFAULT_FIELD_MAPPING,
  parseConversionRows,
  parseConvertedContactRows,
  parseEventRows,
  parseLeadHistoryRows,
  parseLeadRows,
  parseLeadStatusRows,
  parseLeadStatusValues,
  parseMeetingRows,
  parseMemberRows,
  parseOpportunityRows,
  parseRemovalRows,
  parseTaskIdRows,
  parseTaskRows,
  type AttemptRow,
  type MeetingRow,
  type OpportunityRow,
  type RemovalRow,
  type SalesforceFieldMapping,
  type StatusRow,
} from './salesforceRecords';
import { salesforceIdKey } from './salesforceIds';
import { isSalesforceId } from '../../sla/ids';
import { isInvalidSession, salesforceErrorCode, toCrmFailure, type LimitBackoff } from './salesforceErrors';
import { requestSalesforceSession } from './salesforceSession';
import { salesforceSettingsFromEnv, type SalesforceSettings } from './salesforceSettings';
import {
  assertFieldApiName,
  assertSalesforceId,
  batchIdsForInClause,
  soqlDate,
  soqlDateTime,
  soqlId,
  soqlIdList,
  soqlString,
} from './soql';

export interface SalesforceCrmOptions {
  settings: SalesforceSettings;
  fields?: Partial<SalesforceFieldMapping>;
  /** Most new rows one change read returns per query; the watermark picks up the rest next poll. */
  maxFetch?: number;
  /** Lead IDs per IN clause in the per-lead reads. */
  idBatchSize?: number;
  /** How far each change read reaches back before its watermark, for records committed late. */
  overlapMs?: number;
  /** How long Temporal waits after REQUEST_LIMIT_EXCEEDED, per limit. */
  limitBackoff?: Partial<LimitBackoff>;
  /** Clock for JWT expiry; activities may read the real clock. */
  now?: () => Date;
  /** How long one call (the token request included) waits for Salesforce's answer; default 30 s. */
  requestTimeoutMs?: number;
}

const DEFAULT_MAX_FETCH = 2_000;
/** Under the outside calls' 2-minute start-to-close, so an attempt that hangs fails and is retried within it. */
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_ID_BATCH_SIZE = 200;
/** Long-running transactions can commit minutes after SystemModstamp was set. */
const DEFAULT_OVERLAP_MS = 5 * 60_000;
const DEFAULT_LIMIT_BACKOFF: LimitBackoff = { concurrent: '2m', daily: '1h' };
// The REST query travels in the URL (16,384 bytes max); quotes and commas are URL-encoded,
// so the IN list is kept well under that.
const MAX_IN_CLAUSE_CHARS = 8_000;
const MAX_TEXT_LENGTH = 255;
const MAX_CONVERSIONS = 50_000;
// REST applies active assignment rules to Lead updates unless told not to; the default is TRUE
// (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_autoassign.htm).
const NO_ASSIGNMENT_RULES = { 'Sforce-Auto-Assign': 'FALSE' };

export class SalesforceCrm implements Crm {
  private readonly settings: SalesforceSettings;
  private readonly fields: SalesforceFieldMapping;
  private readonly maxFetch: number;
  private readonly idBatchSize: number;
  private readonly overlapMs: number;
  private readonly requestTimeoutMs: number;
  private readonly limitBackoff: LimitBackoff;
  private readonly now: () => Date;
  private connection: Promise<CountingConnection> | undefined;
  private connectionCalls = 0;
  private lastUsage = { used: 0, limit: 0 };

  constructor(options: SalesforceCrmOptions) {
    this.settings = options.settings;
    this.fields = { ...DEFAULT_FIELD_MAPPING, ...options.fields };
    for (const key of ['tier', 'owner', 'taskIdempotencyKey'] as const) {
      assertFieldApiName(this.fields[key], `Salesforce field mapping "${key}"`);
    }
    if (this.settings.campaignLink.kind === 'leadField') {
      assertFieldApiName(this.settings.campaignLink.field, 'campaign link field');
    }
    this.maxFetch = positiveInteger(options.maxFetch ?? DEFAULT_MAX_FETCH, 'maxFetch');
    this.idBatchSize = positiveInteger(options.idBatchSize ?? DEFAULT_ID_BATCH_SIZE, 'idBatchSize');
    this.overlapMs = options.overlapMs ?? DEFAULT_OVERLAP_MS;
    this.requestTimeoutMs = positiveInteger(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, 'requestTimeoutMs');
    if (!Number.isInteger(this.overlapMs / 1000) || this.overlapMs < 0)
      throw new Error(`overlapMs must be whole seconds >= 0, got ${this.overlapMs}`);
    this.limitBackoff = { ...DEFAULT_LIMIT_BACKOFF, ...options.limitBackoff };
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
      const campaign = soqlId(crmCampaignId, 'crmCampaignId');
      const previous = this.decode(watermark, 'fetchNewLeads');
      const limit = this.limitFor(previous);
      const since = previous
        ? ` AND SystemModstamp >= ${soqlDateTime(readFrom(previous, this.overlapMs), 'watermark')}`
        : '';
      const order = `ORDER BY SystemModstamp ASC, Id ASC LIMIT ${limit}`;
      const link = this.settings.campaignLink;
      // A lead joins a campaign through a CampaignMember row; its SystemModstamp also moves for leads
      // added later or imported with backdated CreatedDate, which a CreatedDate watermark would miss.
      const rows =
        link.kind === 'campaignMember'
          ? parseMemberRows(
              await this.queryPages(
                conn,
                `SELECT Id, LeadId, CreatedDate, SystemModstamp, Lead.${f.owner}, Lead.${f.tier} FROM CampaignMember ` +
                  `WHERE CampaignId = ${campaign} AND LeadId != null${since} ${order}`,
                limit,
              ),
              f,
            )
          : parseLeadRows(
              await this.queryPages(
                conn,
                `SELECT Id, ${f.owner}, CreatedDate, SystemModstamp, ${f.tier} FROM Lead WHERE ${link.field} = ${campaign}${since} ${order}`,
                limit,
              ),
              f,
            );
      const cutAt = rows.length === limit ? rows.at(-1)!.stamp : null;
      const { fresh, watermark: next } = advanceWatermark(previous, rows, this.overlapMs, cutAt);
      const byLead = new Map<string, CrmLead>();
      for (const row of fresh) {
        byLead.set(idKey(row.leadId), {
          leadId: row.leadId,
          ownerId: row.ownerId,
          tier: row.tier,
          createdAt: row.joinedAt,
          campaignId: crmCampaignId,
        });
      }
      return { leads: [...byLead.values()], watermark: next ? encodeWatermark(next) : watermark };
    });
  }

  async fetchAttempts(leadIds: string[], watermark: string | null, until?: string): Promise<CrmPage<CrmAttempt>> {
    return this.call('fetchAttempts', async (conn) => {
      const read = await this.readChanges(
        conn,
        'fetchAttempts',
        leadIds,
        watermark,
        until,
        'SystemModstamp',
        async (batch, { since, order, limit, from, upTo, startedAfter }, leadOf): Promise<AttemptRow[][]> => {
          const started = ` AND StartDateTime <= ${upTo}`;
          const who = await this.whoIdsOf(conn, batch, leadOf);
          // Open Tasks are plans (our own follow-ups, reminders), not attempts.
          const tasks = parseTaskRows(
            await this.queryPages(
              conn,
              `SELECT Id, WhoId, TaskSubtype, Type, CallDisposition, CompletedDateTime, CreatedDate, SystemModstamp FROM Task ` +
                `WHERE WhoId IN ${who} AND IsClosed = true${since} ${order}`,
              limit,
            ),
          );
          // A meeting counts once it has started. One booked ahead was stamped before it started: it is read by
          // StartDateTime in the read whose bound it starts before, which stands in for its stamp on the watermark.
          const events = parseEventRows(
            await this.queryPages(
              conn,
              `SELECT Id, WhoId, StartDateTime, SystemModstamp FROM Event WHERE WhoId IN ${who}${NOT_INVITEE_COPY}${started}${since} ${order}`,
              limit,
            ),
          );
          if (!from || !startedAfter) return [tasks, events];
          const startedSince = parseEventRows(
            await this.queryPages(
              conn,
              `SELECT Id, WhoId, StartDateTime, SystemModstamp FROM Event WHERE WhoId IN ${who}${NOT_INVITEE_COPY}${started} AND ${startedAfter} AND SystemModstamp < ${from} ` +
                `ORDER BY StartDateTime ASC, Id ASC LIMIT ${limit}`,
              limit,
            ),
          ).map((row) => ({ ...row, stamp: row.at }));
          return [tasks, events, startedSince];
        },
      );
      const items = read.fresh
        .flatMap((row): CrmAttempt[] => {
          const leadId = read.leadOf.get(idKey(row.whoId));
          return leadId
            ? [{ leadId, activityId: row.key, at: row.at, channel: row.channel, callDisposition: row.callDisposition }]
            : [];
        })
        .sort(byTimeThen((attempt) => attempt.activityId));
      return { items, watermark: read.watermark };
    });
  }

  async fetchStatusChanges(
    leadIds: string[],
    watermark: string | null,
    mapping: LeadStatusMapping,
    options: { all?: boolean; until?: string } = {},
  ): Promise<CrmPage<CrmStatusChange>> {
    return this.call('fetchStatusChanges', async (conn) => {
      const history = this.settings.statusSource === 'leadHistory';
      const read = await this.readChanges(
        conn,
        'fetchStatusChanges',
        leadIds,
        watermark,
        options.until,
        history ? 'CreatedDate' : 'SystemModstamp',
        async (batch, { since, order, limit }): Promise<StatusRow[][]> => {
          const ids = soqlIdList(batch, 'leadIds');
          return [
            history
              ? parseLeadHistoryRows(
                  await this.queryPages(
                    conn,
                    `SELECT Id, LeadId, NewValue, CreatedDate FROM LeadHistory WHERE LeadId IN ${ids} AND Field = 'Status'${since} ${order}`,
                    limit,
                  ),
                )
              : parseLeadStatusRows(
                  await this.queryPages(
                    conn,
                    `SELECT Id, Status, LastModifiedDate, SystemModstamp FROM Lead WHERE Id IN ${ids}${since} ${order}`,
                    limit,
                  ),
                ),
          ];
        },
      );
      const items = read.fresh.flatMap((row): CrmStatusChange[] => {
        const outcome = Object.hasOwn(mapping, row.status) ? mapping[row.status] : undefined;
        const leadId = read.leadOf.get(idKey(row.leadId)) ?? row.leadId;
        const change = { leadId, changeId: row.key, status: row.status, at: row.at };
        return outcome ? [{ ...change, outcome }] : options.all ? [change] : [];
      });
      return { items, watermark: read.watermark };
    });
  }

  async fetchRemovedLeads(
    leadIds: string[],
    watermark: string | null,
    until?: string,
  ): Promise<CrmPage<CrmRemovedLead & { removedAt: string }>> {
    return this.call('fetchRemovedLeads', async (conn) => {
      const read = await this.readChanges(
        conn,
        'fetchRemovedLeads',
        leadIds,
        watermark,
        until,
        'SystemModstamp',
        async (batch, { since, order, limit }): Promise<RemovalRow[][]> => [
          parseRemovalRows(
            // Query leaves deleted and merged-away records out; QueryAll returns them with IsDeleted
            // (https://developer.salesforce.com/docs/platform/api-rest/guide/dome-queryall.html).
            await this.queryPages(
              conn,
              `SELECT Id, IsDeleted, MasterRecordId, SystemModstamp FROM Lead WHERE Id IN ${soqlIdList(batch, 'leadIds')} AND IsDeleted = true${since} ${order}`,
              limit,
              { scanAll: true },
            ),
          ),
        ],
      );
      const items = [...read.fresh].sort(byTimeThen((row) => row.leadId)).map((row) => ({
        leadId: read.leadOf.get(idKey(row.leadId)) ?? row.leadId,
        mergedInto: row.mergedInto,
        removedAt: row.at,
      }));
      return { items, watermark: read.watermark };
    });
  }

  async fetchMeetingsBooked(
    leadIds: string[],
    watermark: string | null,
    until?: string,
  ): Promise<CrmPage<CrmMeetingBooked>> {
    return this.call('fetchMeetingsBooked', async (conn) => {
      // Read by CreatedDate: a meeting is booked when its Event is created, however far ahead it starts, and
      // moving it (or the lead's conversion moving it to the Contact) does not book it again.
      const read = await this.readChanges(
        conn,
        'fetchMeetingsBooked',
        leadIds,
        watermark,
        until,
        'CreatedDate',
        async (batch, { since, order, limit }, leadOf): Promise<MeetingRow[][]> => {
          const who = await this.whoIdsOf(conn, batch, leadOf);
          return [
            parseMeetingRows(
              await this.queryPages(
                conn,
                `SELECT Id, WhoId, CreatedDate FROM Event WHERE WhoId IN ${who}${NOT_INVITEE_COPY}${since} ${order}`,
                limit,
              ),
            ),
          ];
        },
      );
      const items = read.fresh
        .flatMap((row): CrmMeetingBooked[] => {
          const leadId = read.leadOf.get(idKey(row.whoId));
          return leadId ? [{ leadId, activityId: row.key, at: row.at }] : [];
        })
        .sort(byTimeThen((meeting) => meeting.activityId));
      return { items, watermark: read.watermark };
    });
  }

  async fetchOpportunities(
    leadIds: string[],
    watermark: string | null,
    until?: string,
  ): Promise<CrmPage<CrmOpportunity>> {
    return this.call('fetchOpportunities', async (conn) => {
      // Stamped by the Lead's SystemModstamp, which conversion sets: a lead converted into an Opportunity created
      // earlier (LeadConvert.opportunityId) is found too. A converted lead is read-only, so it rarely moves again.
      const read = await this.readChanges(
        conn,
        'fetchOpportunities',
        leadIds,
        watermark,
        until,
        'SystemModstamp',
        async (batch, { since, order, limit }): Promise<OpportunityRow[][]> => {
          return [
            parseOpportunityRows(
              await this.queryPages(
                conn,
                `SELECT Id, ConvertedOpportunityId, ConvertedOpportunity.CreatedDate, LastModifiedDate, SystemModstamp FROM Lead ` +
                  `WHERE Id IN ${soqlIdList(batch, 'leadIds')} AND IsConverted = true AND ConvertedOpportunityId != null${since} ${order}`,
                limit,
              ),
            ),
          ];
        },
      );
      const items = read.fresh
        .flatMap((row): CrmOpportunity[] => {
          const leadId = read.leadOf.get(idKey(row.leadId));
          return leadId ? [{ leadId, opportunityId: row.opportunityId, at: row.at }] : [];
        })
        .sort(byTimeThen((opportunity) => opportunity.opportunityId));
      return { items, watermark: read.watermark };
    });
  }

  async inactiveUsers(userIds: string[]): Promise<string[]> {
    // User IDs start with 005 (key prefix); rep IDs in the contract that are not user IDs have no User row.
    const users = userIds.filter((id) => isSalesforceId(id) && id.startsWith('005'));
    if (users.length === 0) return [];
    return this.call('inactiveUsers', async (conn) => {
      const inactive = new Set<string>();
      for (let i = 0; i < users.length; i += this.idBatchSize) {
        const batch = users.slice(i, i + this.idBatchSize);
        // User.IsActive: false once an admin deactivates the user; they keep their records but cannot own new ones
        // (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_user.htm).
        const rows = await this.queryPages(
          conn,
          `SELECT Id FROM User WHERE IsActive = false AND Id IN ${soqlIdList(batch, 'userIds')}`,
          batch.length,
        );
        for (const row of rows as { Id?: unknown }[]) if (typeof row.Id === 'string') inactive.add(idKey(row.Id));
      }
      return users.filter((id) => inactive.has(idKey(id)));
    });
  }

  async validateLeadStatuses(values: string[]): Promise<string[]> {
    return this.call('validateLeadStatuses', async (conn) => {
      // LeadStatus holds the org's Lead.Status picklist values (ApiName is what the API reads and writes):
      // https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-leadstatus.html
      const known = parseLeadStatusValues(
        await this.queryPages(conn, 'SELECT ApiName, MasterLabel FROM LeadStatus', 2_000),
      );
      const apiNames = new Set(known.map((status) => status.apiName));
      return [...new Set(values)].flatMap((value) => {
        if (apiNames.has(value)) return [];
        const byLabel = known.find((status) => status.label === value);
        if (byLabel) return [`Lead status "${value}" is a label; use its API name "${byLabel.apiName}"`];
        const nearly = known.find((status) => status.apiName.toLowerCase() === value.trim().toLowerCase());
        if (nearly)
          return [`Lead status "${value}" does not match "${nearly.apiName}" exactly (case and spaces matter)`];
        return [
          `Lead status "${value}" is not in this org's LeadStatus picklist (${known.map((s) => s.apiName).join(', ')})`,
        ];
      });
    });
  }

  async fetchConversions(query: CrmConversionQuery): Promise<CrmConversion[]> {
    return this.call('fetchConversions', async (conn) => {
      const { object, prefix, where } = this.conversionScope(query);
      const extra = Object.values(this.settings.clickIdFields)
        .map((field) => `, ${prefix}${field}`)
        .join('');
      const records =
        object === 'CampaignMember'
          ? await this.queryPages(
              conn,
              `SELECT LeadId, Lead.ConvertedDate, Lead.ConvertedOpportunityId${extra} FROM CampaignMember WHERE ${where} ORDER BY LeadId ASC`,
              MAX_CONVERSIONS,
            )
          : (
              await this.queryPages(
                conn,
                `SELECT Id, ConvertedDate, ConvertedOpportunityId${extra} FROM Lead WHERE ${where} ORDER BY Id ASC`,
                MAX_CONVERSIONS,
              )
            ).map((record) => {
              const lead = record as Record<string, unknown>;
              return { LeadId: lead.Id, Lead: lead };
            });
      return parseConversionRows(records, this.settings.clickIdFields);
    });
  }

  /**
   * Counted by the org, not by fetching: the rules compare this count with the forecast, and a fetch stops at
   * MAX_CONVERSIONS rows, which undercounted a larger window as a conversion shortfall. COUNT() answers with
   * totalSize and no records, in one call (SOQL and SOSL Reference, COUNT():
   * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_count.htm).
   */
  async countConversions(query: CrmConversionQuery): Promise<number> {
    return this.call('countConversions', async (conn) => {
      const { object, where } = this.conversionScope(query);
      return (await conn.query(`SELECT COUNT() FROM ${object} WHERE ${where}`)).totalSize;
    });
  }

  /** Where a campaign's leads converted inside the query's days are, by how leads link to the campaign. */
  private conversionScope(query: CrmConversionQuery): {
    object: 'CampaignMember' | 'Lead';
    prefix: string;
    where: string;
  } {
    const campaign = soqlId(query.crmCampaignId, 'crmCampaignId');
    const [first, last] = conversionDays(query);
    const link = this.settings.campaignLink;
    const prefix = link.kind === 'campaignMember' ? 'Lead.' : '';
    // ConvertedDate is a date field: it is compared with date literals, never dateTimes.
    const window =
      `${prefix}IsConverted = true AND ${prefix}ConvertedDate >= ${soqlDate(first, 'from')} AND ${prefix}ConvertedDate <= ${soqlDate(last, 'to')}` +
      (query.countOpportunities ? ` AND ${prefix}ConvertedOpportunityId != null` : '');
    return link.kind === 'campaignMember'
      ? { object: 'CampaignMember', prefix, where: `CampaignId = ${campaign} AND LeadId != null AND ${window}` }
      : { object: 'Lead', prefix, where: `${link.field} = ${campaign} AND ${window}` };
  }

  async setOwner(leadId: string, ownerId: string): Promise<CrmOwnerResult> {
    return this.call('setOwner', async (conn) => {
      const id = assertSalesforceId(leadId, 'leadId');
      const owner = assertSalesforceId(ownerId, 'ownerId');
      const field = this.fields.owner;
      assertSaved(
        await conn.sobject('Lead').update({ Id: id, [field]: owner }, { headers: NO_ASSIGNMENT_RULES }),
        'setOwner',
      );
      // Flows, triggers or a rule outside our header can still move the lead: read the owner back.
      const [record] = await this.queryPages(conn, `SELECT ${field} FROM Lead WHERE Id = ${soqlId(id, 'leadId')}`, 1);
      const actual = (record as Record<string, unknown> | undefined)?.[field];
      if (typeof actual !== 'string') throw crmMalformedRecord(`Lead ${id} came back without ${field}`);
      // Salesforce reads IDs back in their 18-character form: an owner that stuck is the one written, in the caller's form.
      const stuck = idKey(actual) === idKey(owner);
      return { stuck, actualOwnerId: stuck ? ownerId : actual };
    });
  }

  async createFollowUpTask(input: CrmFollowUpTask): Promise<{ taskId: string; created: boolean }> {
    return this.call('createFollowUpTask', async (conn) => {
      const key = boundedText(input.idempotencyKey, 'idempotencyKey');
      const field = this.fields.taskIdempotencyKey;
      const task = {
        WhoId: assertSalesforceId(input.leadId, 'leadId'),
        OwnerId: assertSalesforceId(input.ownerId, 'ownerId'),
        Subject: boundedText(input.subject, 'subject'),
        ActivityDate: activityDate(input.dueDate),
        [field]: key,
      };
      try {
        const result = await conn.request<{ id?: string }>({
          method: 'POST',
          url: '/sobjects/Task',
          body: JSON.stringify(task),
          headers: { 'content-type': 'application/json' },
        });
        return { taskId: result.id ?? '', created: true };
      } catch (err) {
        // The key is an External ID marked Unique, so a second create is refused with DUPLICATE_VALUE
        // (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/field_types.htm):
        // our earlier attempt, or a racing one, made the task. It stays as the rep has it now: a retry never
        // rewrites its owner, subject or status (an upsert would have).
        if (salesforceErrorCode(err) !== 'DUPLICATE_VALUE') throw err;
        const [existing] = parseTaskIdRows(
          await this.queryPages(conn, `SELECT Id FROM Task WHERE ${field} = ${soqlString(key)} LIMIT 1`, 1),
        );
        if (!existing) throw err;
        return { taskId: existing, created: false };
      }
    });
  }

  /** What the org lacks for this adapter (activities/crm/orgSetup.ts), from two describes; none: it is ready. */
  async orgSetupProblems(): Promise<string[]> {
    return this.call('orgSetupProblems', async (conn) => {
      const [lead, task] = await Promise.all([conn.sobject('Lead').describe(), conn.sobject('Task').describe()]);
      return orgSetupProblems({ lead: lead.fields, task: task.fields }, this.fields, this.settings);
    });
  }

  async setLeadStatus(leadId: string, status: string): Promise<void> {
    await this.call('setLeadStatus', async (conn) => {
      const record = { Id: assertSalesforceId(leadId, 'leadId'), Status: boundedText(status, 'status') };
      assertSaved(await conn.sobject('Lead').update(record, { headers: NO_ASSIGNMENT_RULES }), 'setLeadStatus');
    });
  }

  async removedLeads(leadIds: string[]): Promise<CrmRemovedLead[]> {
    const ids = uniqueIds(leadIds, 'leadIds');
    if (ids.length === 0) return [];
    return this.call('removedLeads', async (conn) => {
      const found = new Map<string, RemovedLookupRow>();
      for (let i = 0; i < ids.length; i += this.idBatchSize) {
        const batch = ids.slice(i, i + this.idBatchSize);
        // The QueryAll resource also returns records deleted or merged away (Query leaves them out), with IsDeleted
        // and, for the losers of a merge, MasterRecordId
        // (https://developer.salesforce.com/docs/platform/api-rest/guide/dome-queryall.html).
        const result = await conn.query(
          `SELECT Id, IsDeleted, MasterRecordId, SystemModstamp FROM Lead WHERE Id IN ${soqlIdList(batch, 'leadIds')}`,
          { autoFetch: true, maxFetch: batch.length, scanAll: true },
        );
        for (const row of result.records as RemovedLookupRow[])
          if (typeof row.Id === 'string') found.set(idKey(row.Id), row);
      }
      return ids.flatMap((leadId): CrmRemovedLead[] => {
        const row = found.get(idKey(leadId));
        // No row even with QueryAll: purged from the recycle bin (15 days after the delete), or no lead at all.
        if (!row) return [{ leadId, mergedInto: null }];
        if (row.IsDeleted !== true) return [];
        const mergedInto = typeof row.MasterRecordId === 'string' ? row.MasterRecordId : null;
        // A deleted record's SystemModstamp is when it was deleted (getDeleted's deletedDate, GetDeletedResult:
        // https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_getdeleted_getdeletedresult.htm).
        const removedAt = parseRemovalRows([row])[0]?.at;
        return [{ leadId, mergedInto, ...(removedAt ? { removedAt } : {}) }];
      });
    });
  }

  async fetchApiUsage(): Promise<CrmApiUsage> {
    await this.call('fetchApiUsage', async (conn) => {
      // DailyApiRequests: the rolling 24-hour allowance and what is left of it.
      const limits = await conn.request<{ DailyApiRequests?: { Max?: unknown; Remaining?: unknown } }>('/limits');
      const { Max, Remaining } = limits.DailyApiRequests ?? {};
      if (typeof Max !== 'number' || typeof Remaining !== 'number')
        throw crmMalformedRecord('the /limits resource came back without DailyApiRequests.Max/Remaining');
      return { used: Max - Remaining, limit: Max };
    }).then((usage) => (this.lastUsage = usage));
    return this.apiUsage();
  }

  /**
   * One change read over the leads in batched IN clauses. `readBatch` runs a batch's queries with the window
   * (rows stamped by `stampField` from the watermark less the overlap, up to `until`) and returns each query's rows;
   * a query its LIMIT cut holds the next watermark at its cut, so what lies beyond is read next time.
   *
   * The upper bound is the poll's own time, not the moment the query runs: a poll that runs late (a backlog, a retry
   * after REQUEST_LIMIT_EXCEEDED) reads nothing stamped after its time, so the watermark never passes what the poll
   * cannot hand out yet; the next poll reads it.
   */
  private async readChanges<T extends StampedRow>(
    conn: CountingConnection,
    operation: string,
    leadIds: string[],
    watermark: string | null,
    until: string | undefined,
    stampField: string,
    readBatch: (batch: string[], window: ChangeWindow, leadOf: Map<string, string>) => Promise<T[][]>,
  ): Promise<{ fresh: T[]; watermark: string | null; leadOf: Map<string, string> }> {
    const leads = uniqueIds(leadIds, 'leadIds');
    // Rows name leads as Salesforce writes their IDs; callers get them back as they gave them.
    const leadOf = new Map(leads.map((id) => [idKey(id), id]));
    const previous = this.decode(watermark, operation);
    const limit = this.limitFor(previous);
    const bound = wholeSecondsDown(until ?? this.now().toISOString());
    const upTo = soqlDateTime(bound, 'until');
    const from = previous ? soqlDateTime(readFrom(previous, this.overlapMs), 'watermark') : null;
    const window: ChangeWindow = {
      since: `${from ? ` AND ${stampField} >= ${from}` : ''} AND ${stampField} <= ${upTo}`,
      order: `ORDER BY ${stampField} ASC, Id ASC LIMIT ${limit}`,
      limit,
      from,
      upTo,
      // After the bound of the read before: each start instant is read once. Earlier releases' watermarks have
      // none, and their reads went back to the window's start.
      startedAfter: previous?.until
        ? `StartDateTime > ${soqlDateTime(previous.until, 'watermark')}`
        : from
          ? `StartDateTime >= ${from}`
          : null,
    };
    const rows: T[] = [];
    const cuts: string[] = [];
    for (const batch of batchIdsForInClause(leads, this.idBatchSize, MAX_IN_CLAUSE_CHARS)) {
      for (const found of await readBatch(batch, window, leadOf)) {
        rows.push(...found);
        if (found.length === limit) cuts.push(found.at(-1)!.stamp);
      }
    }
    const cutAt = cuts.length ? cuts.reduce((a, b) => (Date.parse(a) <= Date.parse(b) ? a : b)) : null;
    // Past a cut, the next read's "started since" resumes from just before it (the rows at the cut are seen keys).
    const readTo =
      cutAt === null
        ? bound
        : new Date(Math.min(Date.parse(bound), Date.parse(wholeSecondsDown(cutAt)) - 1000)).toISOString();
    const { fresh, watermark: next } = advanceWatermark(previous, rows, this.overlapMs, cutAt, readTo);
    return { fresh, watermark: next ? encodeWatermark(next) : watermark, leadOf };
  }

  /**
   * The batch's leads and the Contacts they were converted into, as a WhoId IN list; `leadOf` learns which lead
   * each Contact stands for. Conversion moves a lead's Tasks and Events to the new Contact: they are followed there.
   */
  private async whoIdsOf(conn: CountingConnection, batch: string[], leadOf: Map<string, string>): Promise<string> {
    const converted = parseConvertedContactRows(
      await this.queryPages(
        conn,
        `SELECT Id, ConvertedContactId FROM Lead WHERE Id IN ${soqlIdList(batch, 'leadIds')} AND IsConverted = true AND ConvertedContactId != null`,
        batch.length,
      ),
    );
    for (const { leadId, contactId } of converted) leadOf.set(idKey(contactId), leadOf.get(idKey(leadId)) ?? leadId);
    return soqlIdList([...batch, ...converted.map((c) => c.contactId)], 'whoIds');
  }

  private decode(watermark: string | null, operation: string): ChangeWatermark | null {
    if (watermark === null) return null;
    try {
      return decodeWatermark(watermark);
    } catch (err) {
      throw crmInvalidInput(`${operation}: ${(err as Error).message}`);
    }
  }

  // Rows already handed out inside the overlap come back too; the LIMIT leaves room for every one of them, so each
  // read reaches at least maxFetch rows further, however many share one stamp.
  private limitFor(previous: ChangeWatermark | null): number {
    return this.maxFetch + (previous?.seen.length ?? 0);
  }

  private async queryPages(
    conn: CountingConnection,
    soql: string,
    limit: number,
    options: { scanAll?: boolean } = {},
  ): Promise<unknown[]> {
    const result = await conn.query(soql, { autoFetch: true, maxFetch: limit, ...options });
    return result.records;
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
      // jsforce's abort says "timeout of 10 minutes" whatever the limit was; a retry may find Salesforce answering.
      if (err instanceof Error && err.name === 'AbortError')
        throw new Error(`${operation}: Salesforce did not answer within ${this.requestTimeoutMs} ms`, { cause: err });
      throw toCrmFailure(err, operation, this.limitBackoff, this.lastUsage);
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
    this.connection ??= requestSalesforceSession(this.settings.auth, this.now(), this.requestTimeoutMs).then(
      (session) => {
        const conn = new CountingConnection({ ...session, version: this.settings.apiVersion });
        conn.requestTimeoutMs = this.requestTimeoutMs;
        return conn;
      },
    );
    // A failed login must not be cached: the next attempt logs in again.
    this.connection.catch(() => (this.connection = undefined));
    return this.connection;
  }

  private async refreshSession(conn: CountingConnection): Promise<void> {
    const session = await requestSalesforceSession(this.settings.auth, this.now(), this.requestTimeoutMs);
    conn.accessToken = session.accessToken;
    conn.instanceUrl = session.instanceUrl;
  }
}

// 15- and 18-character forms of one ID name one record, whatever the casing of the 18-character form.
const idKey = salesforceIdKey;

/** The part of a change read's SOQL its watermark decides. */
interface ChangeWindow {
  /** ` AND <stamp field> >= <from>` after a watermark, then ` AND <stamp field> <= <upTo>`. */
  since: string;
  /** `ORDER BY <stamp field> ASC, Id ASC LIMIT <limit>`. */
  order: string;
  limit: number;
  /** The read's lower bound (the watermark less the overlap) as a SOQL literal; null on a first read. */
  from: string | null;
  /** The read's upper bound (the poll's time, whole seconds down) as a SOQL literal. */
  upTo: string;
  /** The StartDateTime condition of meetings that started since the read before; null on a first read. */
  startedAfter: string | null;
}

// An invitee's copy of a meeting (IsChild, owned by the invited user) is the same meeting, not another one
// (Object Reference, Event: IsChild; https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_event.htm).
const NOT_INVITEE_COPY = ' AND IsChild = false';

/** Sorts by time, then by a record ID, so a page's order does not depend on the batches. */
type RemovedLookupRow = { Id?: unknown; IsDeleted?: unknown; MasterRecordId?: unknown; SystemModstamp?: unknown };

function byTimeThen<T extends { at: string }>(id: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => Date.parse(a.at) - Date.parse(b.at) || (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0);
}

// The upper bound of a read: SOQL takes whole seconds, and rounding up would let in what has not happened.
function wholeSecondsDown(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw crmInvalidInput(`until must be an ISO-8601 date-time, got ${JSON.stringify(iso)}`);
  return new Date(ms - (((ms % 1000) + 1000) % 1000)).toISOString();
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

function uniqueIds(ids: string[], what: string): string[] {
  const byKey = new Map<string, string>();
  ids.forEach((id, i) => {
    const key = idKey(assertSalesforceId(id, `${what}[${i}]`));
    if (!byKey.has(key)) byKey.set(key, id);
  });
  return [...byKey.values()];
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${what} must be a positive integer, got ${value}`);
  return value;
}
