// A local Salesforce REST fake (node:http on 127.0.0.1, random port) for contract tests and the
// poll-cost benchmark. It speaks the subset the Salesforce adapter uses: OAuth token grants
// (refresh_token, jwt-bearer with signature check), query + queryMore paging, parent-relationship
// fields (CampaignMember.Lead, Lead.ConvertedOpportunity), sObject describe, create, update and upsert by External ID, /limits,
// Sforce-Limit-Info headers, and API limits. Every request is recorded. Each behaviour follows the
// Salesforce documentation cited next to it, not the adapter.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { caseSafeId, salesforceId, salesforceIdKey } from '../../../activities/crm/salesforceIds';
import {
  compareValues,
  evaluateCondition,
  parseSoql,
  SoqlError,
  type FakeRecord,
  type SoqlCondition,
  type SoqlLiteral,
  type SoqlQuery,
} from './fakeSoql';

export interface FakeSalesforceOptions {
  /** Records per query page before nextRecordsUrl kicks in (at most 2,000, like Salesforce). */
  pageSize?: number;
  /** The org's Lead.Status picklist (LeadStatus rows); default: Salesforce's four standard values. */
  leadStatuses?: string[];
  /** An active Lead assignment rule: Lead writes without `Sforce-Auto-Assign: FALSE` give the lead this owner. */
  assignmentRuleOwnerId?: string;
  /**
   * An Apex trigger or record-triggered flow on Lead that sets OwnerId on every create and update through the API.
   * Unlike assignment rules it runs whatever `Sforce-Auto-Assign` says: the header governs assignment rules only
   * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_autoassign.htm), while
   * triggers and flows run in their own steps of the save order, before assignment rules
   * (https://developer.salesforce.com/docs/atlas.en-us.apexcode.meta/apexcode/apex_triggers_order_of_execution.htm).
   */
  triggerOwnerId?: string;
  /** The daily API request allowance reported in Sforce-Limit-Info. */
  apiLimit?: number;
  /** Long-running requests the org allows at once (production orgs: 25); held calls count as long-running. */
  concurrentLimit?: number;
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  /** JWT bearer: the user the assertion's `sub` must name, and the key its signature must verify with. */
  username?: string;
  jwtPublicKey?: KeyObject | string;
  /** Extra fields per sObject beyond the standard schema below (for custom field mappings). */
  extraFields?: Record<string, string[]>;
  /**
   * Fields marked External ID per sObject, and whether each is also Unique (default: Task.campaign_sla_key__c,
   * both). An External ID without Unique takes duplicate values, as in a real org.
   */
  externalIdFields?: Record<string, Record<string, { unique: boolean }>>;
  /** Clock for CreatedDate of created records and JWT expiry checks. */
  now?: () => Date;
}

export interface RecordedRequest {
  kind: 'api' | 'token';
  method: string;
  path: string;
  soql?: string;
  body?: unknown;
  /** The Sforce-Auto-Assign header as sent. */
  autoAssign?: string;
}

/**
 * TOTAL_REQUESTS / CONCURRENT_REQUESTS: REQUEST_LIMIT_EXCEEDED for the 24-hour or the concurrent limit.
 */
export type InjectedError = 'TOTAL_REQUESTS' | 'CONCURRENT_REQUESTS' | 'INVALID_SESSION_ID';

type FieldType = 'id' | 'reference' | 'string' | 'picklist' | 'boolean' | 'dateTime' | 'date';

// Fields the fake knows per sObject with their SOAP types; anything else is INVALID_FIELD, as in a real org
// (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/).
const AUDIT: Record<string, FieldType> = {
  Id: 'id',
  CreatedDate: 'dateTime',
  LastModifiedDate: 'dateTime',
  SystemModstamp: 'dateTime',
};
const SCHEMA: Record<string, Record<string, FieldType>> = {
  Lead: {
    ...AUDIT,
    OwnerId: 'reference',
    Status: 'picklist',
    IsConverted: 'boolean',
    // Set by a delete or a merge; only the QueryAll resource returns such records
    // (https://developer.salesforce.com/docs/platform/api-rest/guide/dome-queryall.html).
    IsDeleted: 'boolean',
    MasterRecordId: 'reference',
    ConvertedDate: 'date',
    ConvertedContactId: 'reference',
    ConvertedAccountId: 'reference',
    ConvertedOpportunityId: 'reference',
    Name: 'string',
    Email: 'string',
    Lead_Tier__c: 'string',
    Campaign_Id__c: 'string',
    // An org's own field for the Google click ID (custom fields end in __c), for offline conversions.
    GCLID__c: 'string',
  },
  Task: {
    ...AUDIT,
    WhoId: 'reference',
    OwnerId: 'reference',
    Subject: 'string',
    Status: 'picklist',
    IsClosed: 'boolean',
    TaskSubtype: 'picklist',
    Type: 'picklist',
    CallDisposition: 'string',
    CompletedDateTime: 'dateTime',
    ActivityDate: 'date',
    campaign_sla_key__c: 'string',
  },
  Event: {
    ...AUDIT,
    WhoId: 'reference',
    OwnerId: 'reference',
    Subject: 'string',
    StartDateTime: 'dateTime',
    // An invitee's copy of a calendar event: IsChild true, OwnerId the invited user
    // (https://developer.salesforce.com/docs/platform/change-data-capture/guide/cdc-standard-objects-task-event-invitees.html).
    IsChild: 'boolean',
  },
  Contact: { ...AUDIT, OwnerId: 'reference' },
  Opportunity: { ...AUDIT, CampaignId: 'reference', StageName: 'picklist' },
  CampaignMember: {
    ...AUDIT,
    CampaignId: 'reference',
    LeadId: 'reference',
    ContactId: 'reference',
    Status: 'picklist',
    HasResponded: 'boolean',
  },
  LeadHistory: {
    Id: 'id',
    CreatedDate: 'dateTime',
    LeadId: 'reference',
    Field: 'picklist',
    OldValue: 'string',
    NewValue: 'string',
  },
  LeadStatus: { Id: 'id', ApiName: 'string', MasterLabel: 'string', IsConverted: 'boolean', SortOrder: 'string' },
  TaskStatus: { Id: 'id', ApiName: 'string', MasterLabel: 'string', IsClosed: 'boolean', IsDefault: 'boolean' },
  // https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_user.htm
  User: { Id: 'id', Username: 'string', IsActive: 'boolean' },
};
// Fields the API computes: a create or update naming one fails with INVALID_FIELD_FOR_INSERT_UPDATE
// (Task.IsClosed and CompletedDateTime follow Status; https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_task.htm).
const READ_ONLY: Record<string, string[]> = {
  Task: ['Id', 'CreatedDate', 'LastModifiedDate', 'SystemModstamp', 'IsClosed', 'CompletedDateTime'],
  Lead: ['Id', 'CreatedDate', 'LastModifiedDate', 'SystemModstamp', 'IsDeleted', 'MasterRecordId'],
};
// Parent relationships the fake resolves in SELECT and WHERE: <relationship>.<field>.
// A child-to-parent relationship is named after its reference field without "Id" (SOQL and SOSL Reference,
// "Understanding Relationship Names"); the ID field's own name is no relationship (INVALID_FIELD).
const RELATIONSHIPS: Record<string, Record<string, { via: string; sObject: string }>> = {
  CampaignMember: { Lead: { via: 'LeadId', sObject: 'Lead' } },
  // Lead.ConvertedOpportunityId: reference to Opportunity, relationship name ConvertedOpportunity
  // (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_lead.htm).
  Lead: { ConvertedOpportunity: { via: 'ConvertedOpportunityId', sObject: 'Opportunity' } },
};
const DEFAULT_EXTERNAL_IDS: Record<string, Record<string, { unique: boolean }>> = {
  Task: { campaign_sla_key__c: { unique: true } },
};
// The Field type names of a describe (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm).
const DESCRIBE_TYPES: Record<FieldType, string> = {
  id: 'id',
  reference: 'reference',
  string: 'string',
  picklist: 'picklist',
  boolean: 'boolean',
  dateTime: 'datetime',
  date: 'date',
};
const ID_PREFIXES: Record<string, string> = {
  Lead: '00Q',
  Task: '00T',
  Event: '00U',
  Opportunity: '006',
  Contact: '003',
  CampaignMember: '00v',
  LeadHistory: '017',
  LeadStatus: '01J',
  TaskStatus: '01J',
  User: '005',
};
// The standard Lead Status values of a new org.
const STANDARD_LEAD_STATUSES = [
  'Open - Not Contacted',
  'Working - Contacted',
  'Closed - Converted',
  'Closed - Not Converted',
];
// The Task Status values of a new org and which of them close the task
// (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_taskstatus.htm).
const STANDARD_TASK_STATUSES = [
  { ApiName: 'Not Started', IsClosed: false, IsDefault: true },
  { ApiName: 'In Progress', IsClosed: false, IsDefault: false },
  { ApiName: 'Completed', IsClosed: true, IsDefault: false },
  { ApiName: 'Waiting on someone else', IsClosed: false, IsDefault: false },
  { ApiName: 'Deferred', IsClosed: false, IsDefault: false },
];
// Query result batches: default and maximum 2,000, minimum 200
// (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_queryoptions.htm).
const MAX_BATCH = 2_000;
const MIN_BATCH = 200;
// A query cursor left idle for 15 minutes is gone: queryMore answers INVALID_QUERY_LOCATOR
// (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_querymore.htm).
const CURSOR_IDLE_MS = 15 * 60_000;
const API_PATH = /^\/services\/data\/v(\d+\.\d)(\/.*)$/;
const ORG_ID = '00D000000000001AAA';

export class FakeSalesforce {
  readonly requests: RecordedRequest[] = [];
  private readonly objects = new Map<string, FakeRecord[]>();
  private readonly fields = new Map<string, Map<string, string>>();
  private readonly cursors = new Map<string, { rows: FakeRecord[]; offset: number; usedAt: number }>();
  private readonly validTokens = new Set<string>();
  private readonly injected: InjectedError[] = [];
  private readonly holds: Promise<void>[] = [];
  private readonly tokenHolds: Promise<void>[] = [];
  private inFlight = 0;
  private readonly options: Required<
    Omit<
      FakeSalesforceOptions,
      'jwtPublicKey' | 'extraFields' | 'externalIdFields' | 'assignmentRuleOwnerId' | 'triggerOwnerId' | 'leadStatuses'
    >
  >;
  private readonly assignmentRuleOwnerId: string | undefined;
  private readonly externalIds: Record<string, Record<string, { unique: boolean }>>;
  private readonly extraFields: Record<string, string[]>;
  private readonly triggerOwnerId: string | undefined;
  private readonly jwtPublicKey: KeyObject | null;
  private apiUsed = 0;
  private sequence = 0;
  private tokenGrantsRejected = false;
  private sessionsAccepted = true;
  private server: Server | undefined;
  url = '';

  /** The adapter's environment for this org with the refresh-token flow (SalesforceCrm.fromEnv). */
  refreshTokenEnv(): Record<string, string> {
    return {
      SALESFORCE_INSTANCE_URL: this.url,
      SALESFORCE_CLIENT_ID: this.options.clientId,
      SALESFORCE_CLIENT_SECRET: this.options.clientSecret,
      SALESFORCE_REFRESH_TOKEN: this.options.refreshToken,
    };
  }

  private constructor(options: FakeSalesforceOptions) {
    this.options = {
      pageSize: Math.min(options.pageSize ?? MAX_BATCH, MAX_BATCH),
      apiLimit: options.apiLimit ?? 15_000,
      concurrentLimit: options.concurrentLimit ?? 25,
      clientId: options.clientId ?? 'fake-client-id',
      clientSecret: options.clientSecret ?? 'fake-client-secret',
      refreshToken: options.refreshToken ?? 'fake-refresh-token',
      username: options.username ?? 'integration@example.com',
      now: options.now ?? (() => new Date()),
    };
    this.jwtPublicKey =
      typeof options.jwtPublicKey === 'string' ? createPublicKey(options.jwtPublicKey) : (options.jwtPublicKey ?? null);
    this.assignmentRuleOwnerId = options.assignmentRuleOwnerId;
    this.externalIds = options.externalIdFields ?? DEFAULT_EXTERNAL_IDS;
    this.extraFields = options.extraFields ?? {};
    this.triggerOwnerId = options.triggerOwnerId;
    for (const [sObject, fields] of Object.entries(SCHEMA)) {
      const all = [...Object.keys(fields), ...(options.extraFields?.[sObject] ?? [])];
      this.fields.set(sObject.toLowerCase(), new Map(all.map((name) => [name.toLowerCase(), name])));
      this.objects.set(sObject, []);
    }
    (options.leadStatuses ?? STANDARD_LEAD_STATUSES).forEach((status, i) =>
      this.insert('LeadStatus', {
        ApiName: status,
        MasterLabel: status,
        IsConverted: /converted/i.test(status) && !/not/i.test(status),
        SortOrder: String(i + 1),
      }),
    );
    for (const status of STANDARD_TASK_STATUSES) this.insert('TaskStatus', { ...status, MasterLabel: status.ApiName });
  }

  static async start(options: FakeSalesforceOptions = {}): Promise<FakeSalesforce> {
    const fake = new FakeSalesforce(options);
    fake.server = createServer((req, res) => {
      fake
        .handle(req, res)
        .catch((err: unknown) => send(res, 500, [{ errorCode: 'UNKNOWN_EXCEPTION', message: String(err) }]));
    });
    await new Promise<void>((resolve) => fake.server!.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.server?.close((err) => (err ? reject(err) : resolve())) ?? resolve());
  }

  // ---- test controls ----

  /**
   * Stores a record as-is (malformed ones included, no validation: data loaded behind the API); Id,
   * CreatedDate and SystemModstamp are filled in when absent (SystemModstamp defaults to CreatedDate).
   */
  insert(sObject: string, record: FakeRecord): string {
    const rows = this.objects.get(sObject);
    if (!rows) throw new Error(`the fake has no ${sObject} object`);
    const id = 'Id' in record ? String(record.Id) : this.newId(sObject);
    const created = (record.CreatedDate as string | undefined) ?? salesforceDateTime(this.options.now());
    const audit =
      'SystemModstamp' in (SCHEMA[sObject] ?? {}) ? { LastModifiedDate: created, SystemModstamp: created } : {};
    // Checkboxes are never null: IsChild is false for the event itself (Object Reference, Event).
    const defaults = sObject === 'Event' ? { IsChild: false } : sObject === 'Lead' ? { IsDeleted: false } : {};
    rows.push({ CreatedDate: created, ...audit, ...defaults, ...record, Id: id });
    return id;
  }

  /** A record by 15- or 18-character Id. */
  record(sObject: string, id: string): FakeRecord | undefined {
    return this.records(sObject).find((row) => sameId(row.Id, id));
  }

  /**
   * Converts a lead as convertLead() does: a Contact (and optionally an Opportunity) is created, the lead
   * becomes read-only with IsConverted, ConvertedDate (a date) and the Converted*Id fields, and its open and
   * closed activities move to the new Contact
   * (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_convertlead.htm).
   * `existingOpportunityId` merges the lead into an Opportunity that exists already (LeadConvert.opportunityId;
   * LeadConvertResult.opportunityId is "the new or existing Opportunity"): none is created.
   */
  convertLead(
    leadId: string,
    input: { at: Date; withOpportunity: boolean; status?: string; existingOpportunityId?: string },
  ): { contactId: string; opportunityId: string | null } {
    const lead = this.record('Lead', leadId);
    if (!lead) throw new Error(`no Lead ${leadId}`);
    if (lead.IsConverted === true) throw new DmlError('CANNOT_UPDATE_CONVERTED_LEAD', `Lead ${leadId} is converted`);
    const status = input.status ?? 'Closed - Converted';
    // convertedStatus must be a LeadStatus whose IsConverted is true.
    if (!this.records('LeadStatus').some((row) => row.ApiName === status && row.IsConverted === true))
      throw new DmlError('INVALID_STATUS', `invalid convertedStatus: ${status}`);
    const stamp = salesforceDateTime(input.at);
    const contactId = this.insert('Contact', { CreatedDate: stamp, OwnerId: lead.OwnerId });
    if (input.existingOpportunityId !== undefined && !this.record('Opportunity', input.existingOpportunityId))
      throw new DmlError('INVALID_CROSS_REFERENCE_KEY', `invalid opportunity: ${input.existingOpportunityId}`);
    const opportunityId = !input.withOpportunity
      ? null
      : (input.existingOpportunityId ?? this.insert('Opportunity', { CreatedDate: stamp }));
    this.changeLeadStatus(lead, status, stamp);
    Object.assign(lead, {
      IsConverted: true,
      ConvertedDate: stamp.slice(0, 10),
      ConvertedContactId: contactId,
      ConvertedOpportunityId: opportunityId,
      LastModifiedDate: stamp,
      SystemModstamp: stamp,
    });
    for (const sObject of ['Task', 'Event']) {
      for (const activity of this.records(sObject).filter((row) => sameId(row.WhoId, leadId))) {
        Object.assign(activity, { WhoId: contactId, SystemModstamp: stamp });
      }
    }
    return { contactId, opportunityId };
  }

  /**
   * Deletes a lead to the recycle bin, or merges it into `masterId` as merge() does: the loser is deleted with
   * MasterRecordId set and its activities move to the master
   * (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_merge.htm).
   */
  removeLead(leadId: string, at: Date, masterId?: string): void {
    const lead = this.record('Lead', leadId);
    if (!lead || lead.IsDeleted === true) throw new Error(`no Lead ${leadId}`);
    const stamp = salesforceDateTime(at);
    if (masterId !== undefined) {
      const master = this.record('Lead', masterId);
      if (!master || master.IsDeleted === true) throw new Error(`no Lead ${masterId}`);
      for (const sObject of ['Task', 'Event'])
        for (const activity of this.records(sObject).filter((row) => sameId(row.WhoId, leadId)))
          Object.assign(activity, { WhoId: master.Id, SystemModstamp: stamp });
    }
    // The delete stamps the record: getDeleted's deletedDate is its SystemModstamp (GetDeletedResult,
    // https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_getdeleted_getdeletedresult.htm).
    Object.assign(lead, {
      IsDeleted: true,
      MasterRecordId: masterId === undefined ? null : this.record('Lead', masterId)!.Id,
      LastModifiedDate: stamp,
      SystemModstamp: stamp,
    });
  }

  records(sObject: string): FakeRecord[] {
    const rows = this.objects.get(sObject);
    if (!rows) throw new Error(`the fake has no ${sObject} object`);
    return rows;
  }

  /** The next API calls fail with these Salesforce errors, one each, in order. */
  failNextCalls(...errors: InjectedError[]): void {
    this.injected.push(...errors);
  }

  /**
   * The next API call that passes the limits stays in flight, as a long-running request does, until the
   * returned function is called; while it runs it counts toward concurrentLimit.
   */
  holdNextCall(): () => void {
    let release!: () => void;
    this.holds.push(new Promise<void>((resolve) => (release = resolve)));
    return release;
  }

  /** The next token request stays unanswered until the returned function is called, as a login server that hangs. */
  holdNextTokenRequest(): () => void {
    let release!: () => void;
    this.tokenHolds.push(new Promise<void>((resolve) => (release = resolve)));
    return release;
  }

  /** API calls in flight now. */
  callsInFlight(): number {
    return this.inFlight;
  }

  /** Access tokens issued so far stop working, as when a session times out. */
  expireSessions(): void {
    this.validTokens.clear();
  }

  /** Token grants answer invalid_grant, as for a revoked refresh token or de-authorised user. */
  rejectTokenGrants(rejected = true): void {
    this.tokenGrantsRejected = rejected;
  }

  /** API calls answer INVALID_SESSION_ID even with fresh tokens (e.g. the integration user lost API access). */
  acceptSessions(accepted: boolean): void {
    this.sessionsAccepted = accepted;
  }

  apiRequests(): RecordedRequest[] {
    return this.requests.filter((request) => request.kind === 'api');
  }

  // ---- HTTP ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const body = await readBody(req);
    if (url.pathname === '/services/oauth2/token' && req.method === 'POST') {
      this.requests.push({ kind: 'token', method: 'POST', path: url.pathname });
      await this.tokenHolds.shift();
      return this.token(new URLSearchParams(body), res);
    }
    const api = API_PATH.exec(url.pathname);
    const soql = url.searchParams.get('q') ?? undefined;
    const json = body ? (JSON.parse(body) as unknown) : undefined;
    const autoAssignHeader = req.headers['sforce-auto-assign'];
    this.requests.push({
      kind: 'api',
      method: req.method ?? 'GET',
      path: url.pathname,
      soql,
      body: json,
      ...(typeof autoAssignHeader === 'string' ? { autoAssign: autoAssignHeader } : {}),
    });
    if (!api) return send(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);

    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !this.validTokens.has(token) || !this.sessionsAccepted) {
      return send(res, 401, [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }]);
    }
    const injected = this.injected.shift();
    if (injected === 'INVALID_SESSION_ID')
      return send(res, 401, [{ errorCode: injected, message: 'Session expired or invalid' }]);
    // Both API limits answer 403 REQUEST_LIMIT_EXCEEDED; the message names the limit
    // (https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm).
    if (injected === 'CONCURRENT_REQUESTS' || this.inFlight >= this.options.concurrentLimit) {
      const message = 'ConcurrentRequests (Concurrent API Requests) Limit exceeded.';
      return send(res, 403, [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message }], this.limitHeader());
    }
    if (injected === 'TOTAL_REQUESTS' || this.apiUsed >= this.options.apiLimit) {
      const message = 'TotalRequests Limit exceeded.';
      return send(res, 403, [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message }], this.limitHeader());
    }
    this.apiUsed += 1;
    const headers = this.limitHeader();
    const held = this.holds.shift();
    this.inFlight += 1;
    try {
      await held;
      const [, version, rest] = api;
      const [, resource, ...parts] = rest.split('/');
      if ((resource === 'query' || resource === 'queryAll') && req.method === 'GET') {
        const batch = batchSize(req.headers['sforce-query-options'], this.options.pageSize);
        return send(
          res,
          200,
          parts.length === 0
            ? this.query(soql ?? '', version, batch, resource === 'queryAll')
            : this.queryMore(parts[0], version, batch),
          headers,
        );
      }
      if (resource === 'limits' && req.method === 'GET') {
        return send(
          res,
          200,
          { DailyApiRequests: { Max: this.options.apiLimit, Remaining: this.options.apiLimit - this.apiUsed } },
          headers,
        );
      }
      if (resource === 'sobjects' && req.method === 'GET' && parts.length === 2 && parts[1] === 'describe') {
        return send(res, 200, this.describe(parts[0]), headers);
      }
      const autoAssign = String(req.headers['sforce-auto-assign'] ?? 'TRUE').toUpperCase() !== 'FALSE';
      if (resource === 'sobjects' && req.method === 'POST' && parts.length === 1) {
        const id = this.create(parts[0], json as FakeRecord, autoAssign);
        return send(res, 201, { id, success: true, errors: [] }, headers);
      }
      if (resource === 'sobjects' && req.method === 'PATCH' && parts.length === 2) {
        this.update(parts[0], parts[1], json as FakeRecord, autoAssign);
        return send(res, 204, undefined, headers);
      }
      if (resource === 'sobjects' && req.method === 'PATCH' && parts.length === 3) {
        const { status, body } = this.upsert(parts[0], parts[1], decodeURIComponent(parts[2]), json as FakeRecord);
        return send(res, status, body, headers);
      }
      return send(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }], headers);
    } catch (err) {
      if (err instanceof SoqlError || err instanceof DmlError)
        return send(res, 400, [{ errorCode: err.errorCode, message: err.message }], headers);
      if (err instanceof NotFound)
        return send(res, 404, [{ errorCode: err.errorCode, message: err.message, fields: [] }], headers);
      throw err;
    } finally {
      this.inFlight -= 1;
    }
  }

  private limitHeader(): Record<string, string> {
    return { 'Sforce-Limit-Info': `api-usage=${this.apiUsed}/${this.options.apiLimit}` };
  }

  private token(params: URLSearchParams, res: ServerResponse): void {
    const grant = params.get('grant_type');
    const reject = (error: string, description: string) => send(res, 400, { error, error_description: description });
    if (grant === 'refresh_token') {
      if (
        params.get('client_id') !== this.options.clientId ||
        params.get('client_secret') !== this.options.clientSecret
      ) {
        return reject('invalid_client', 'invalid client credentials');
      }
      if (this.tokenGrantsRejected || params.get('refresh_token') !== this.options.refreshToken) {
        return reject('invalid_grant', 'expired access/refresh token');
      }
    } else if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      const problem = this.jwtProblem(params.get('assertion') ?? '');
      if (problem) return reject('invalid_grant', problem);
      if (this.tokenGrantsRejected) return reject('invalid_grant', "user hasn't approved this consumer");
    } else {
      return reject('unsupported_grant_type', `grant type not supported: ${grant}`);
    }
    const accessToken = `fake-token-${++this.sequence}`;
    this.validTokens.add(accessToken);
    send(res, 200, {
      access_token: accessToken,
      instance_url: this.url,
      id: `${this.url}/id/${ORG_ID}/005000000000001AAA`,
      token_type: 'Bearer',
      issued_at: String(this.options.now().getTime()),
      signature: 'fake',
      scope: 'api refresh_token',
    });
  }

  // Returns why an assertion is unacceptable, or null when it verifies.
  private jwtProblem(assertion: string): string | null {
    if (!this.jwtPublicKey) return 'JWT bearer is not configured on this fake';
    const [header, payload, signature] = assertion.split('.');
    if (!header || !payload || !signature) return 'assertion is not a JWT';
    if (
      !verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), this.jwtPublicKey, Buffer.from(signature, 'base64url'))
    ) {
      return 'invalid assertion signature';
    }
    const { alg } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string };
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const nowSeconds = this.options.now().getTime() / 1000;
    if (alg !== 'RS256') return `unsupported alg ${alg}`;
    if (claims.iss !== this.options.clientId) return 'invalid client identifier (iss)';
    if (claims.sub !== this.options.username) return 'invalid user (sub)';
    if (claims.aud !== this.url) return 'invalid audience (aud)';
    if (typeof claims.exp !== 'number' || claims.exp < nowSeconds || claims.exp > nowSeconds + 300)
      return 'expired or too distant exp';
    return null;
  }

  // ---- REST resources ----

  /** Query leaves out deleted records; QueryAll (`withDeleted`) returns them too. */
  private query(soql: string, version: string, batch: number, withDeleted = false): unknown {
    const query = parseSoql(soql);
    const sObject = this.sObjectName(query.from);
    for (const name of referencedFields(query)) this.fieldType(sObject, name);
    if (query.where) this.checkLiterals(sObject, query.where);
    const where = query.where ? this.normaliseIds(sObject, query.where) : null;
    const field = (record: FakeRecord, name: string) => this.read(sObject, record, name, true);
    let rows = this.records(sObject).filter(
      (record) => (withDeleted || record.IsDeleted !== true) && (!where || evaluateCondition(where, record, field)),
    );
    if (query.countOnly) return { totalSize: rows.length, done: true, records: [] };
    const aggregate = query.items.some((item) => item.kind !== 'field');
    if (aggregate) {
      // Aggregate results come back in one response, as in Salesforce (no queryMore).
      const results = this.aggregate(query, sObject, rows);
      return { totalSize: results.length, done: true, records: results };
    }
    const plain = (record: FakeRecord, name: string) => this.read(sObject, record, name, false);
    for (const order of [...query.orderBy].reverse()) {
      rows = [...rows].sort(
        (a, b) => compareValues(plain(a, order.field), plain(b, order.field)) * (order.descending ? -1 : 1),
      );
    }
    if (query.limit !== null) rows = rows.slice(0, query.limit);
    const shaped = rows.map((record) => this.shape(sObject, record, query, version));
    const locator = `01g${String(++this.sequence).padStart(15, '0')}`;
    this.cursors.set(locator, { rows: shaped, offset: 0, usedAt: this.options.now().getTime() });
    return this.page(locator, version, batch);
  }

  private queryMore(locatorAndOffset: string, version: string, batch: number): unknown {
    const [locator] = locatorAndOffset.split('-');
    const cursor = this.cursors.get(locator);
    if (!cursor || this.options.now().getTime() - cursor.usedAt > CURSOR_IDLE_MS) {
      this.cursors.delete(locator);
      throw new DmlError('INVALID_QUERY_LOCATOR', `invalid query locator ${locatorAndOffset}`);
    }
    cursor.usedAt = this.options.now().getTime();
    return this.page(locator, version, batch);
  }

  private page(locator: string, version: string, batch: number): unknown {
    const cursor = this.cursors.get(locator)!;
    const records = cursor.rows.slice(cursor.offset, cursor.offset + batch);
    cursor.offset += records.length;
    const done = cursor.offset >= cursor.rows.length;
    if (done) this.cursors.delete(locator);
    return {
      totalSize: cursor.rows.length,
      done,
      records,
      ...(done ? {} : { nextRecordsUrl: `/services/data/v${version}/query/${locator}-${cursor.offset}` }),
    };
  }

  private shape(sObject: string, record: FakeRecord, query: SoqlQuery, version: string): FakeRecord {
    const shaped: FakeRecord = {
      attributes: { type: sObject, url: `/services/data/v${version}/sobjects/${sObject}/${String(record.Id)}` },
    };
    for (const item of query.items) {
      const [relationship, name] = item.field.split('.');
      if (name === undefined) {
        shaped[item.field] = record[this.fieldName(sObject, item.field)] ?? null;
        continue;
      }
      // Parent fields come back nested under the relationship name, null when there is no parent.
      const link = this.relationship(sObject, relationship);
      const parent = this.parent(sObject, record, relationship);
      const key = Object.keys(RELATIONSHIPS[sObject]).find((r) => r.toLowerCase() === relationship.toLowerCase())!;
      if (!parent) {
        shaped[key] = null;
        continue;
      }
      const nested = (shaped[key] ??= {
        attributes: {
          type: link.sObject,
          url: `/services/data/v${version}/sobjects/${link.sObject}/${String(parent.Id)}`,
        },
      }) as FakeRecord;
      nested[this.fieldName(link.sObject, name)] = parent[this.fieldName(link.sObject, name)] ?? null;
    }
    return shaped;
  }

  private aggregate(query: SoqlQuery, sObject: string, rows: FakeRecord[]): FakeRecord[] {
    const groups = new Map<string, FakeRecord[]>();
    for (const record of rows) {
      const key = JSON.stringify(query.groupBy.map((name) => record[this.fieldName(sObject, name)] ?? null));
      groups.set(key, [...(groups.get(key) ?? []), record]);
    }
    return [...groups.values()].map((members) => {
      const result: FakeRecord = { attributes: { type: 'AggregateResult' } };
      for (const item of query.items) {
        if (item.kind === 'field') {
          result[item.field] = members[0][this.fieldName(sObject, item.field)] ?? null;
        } else {
          const values = members
            .map((record) => record[this.fieldName(sObject, item.field)])
            .filter((value) => value !== null && value !== undefined);
          const sorted = values.sort(compareValues);
          result[item.alias] = (item.kind === 'min' ? sorted[0] : sorted.at(-1)) ?? null;
        }
      }
      return result;
    });
  }

  private create(sObject: string, body: FakeRecord, autoAssign = true): string {
    const name = this.sObjectName(sObject);
    const fields = canonical(this, name, body);
    this.refuseReadOnly(name, fields);
    const record: FakeRecord = { ...this.defaults(name, fields), ...fields };
    this.validate(name, record, null);
    if (name === 'Task') this.closeTask(record, null);
    if (name === 'Lead') this.applyAssignmentRules(record, autoAssign);
    return this.insert(name, record);
  }

  private update(sObject: string, id: string, body: FakeRecord, autoAssign: boolean): void {
    const name = this.sObjectName(sObject);
    const record = this.record(name, id);
    if (!record) throw new NotFound(`${name} ${id} does not exist`);
    // A record in the recycle bin refuses updates: 404 ENTITY_IS_DELETED, "entity is deleted" (StatusCode:
    // https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm).
    if (record.IsDeleted === true) throw new NotFound('entity is deleted', 'ENTITY_IS_DELETED');
    // A converted lead is read-only through the API.
    if (name === 'Lead' && record.IsConverted === true)
      throw new DmlError('CANNOT_UPDATE_CONVERTED_LEAD', 'cannot reference converted lead');
    const changes = canonical(this, name, body);
    this.refuseReadOnly(name, changes);
    this.validate(name, { ...record, ...changes }, record);
    const stamp = salesforceDateTime(this.options.now());
    if (name === 'Task') this.closeTask(changes, record);
    if (name === 'Lead' && typeof changes.Status === 'string' && changes.Status !== record.Status) {
      this.changeLeadStatus(record, changes.Status, stamp);
    }
    Object.assign(record, changes, { LastModifiedDate: stamp, SystemModstamp: stamp });
    if (name === 'Lead') this.applyAssignmentRules(record, autoAssign);
  }

  /**
   * GET /sobjects/<type>/describe: the object's fields with their type and the External ID and Unique flags
   * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm; Field
   * properties: https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm).
   * An extra field (options.extraFields) is a text field.
   */
  private describe(sObject: string): { name: string; fields: Record<string, unknown>[] } {
    // An unknown type answers 404, as every sObject resource does.
    const name = [...this.objects.keys()].find((known) => known.toLowerCase() === sObject.toLowerCase());
    if (!name || !SCHEMA[name]) throw new NotFound('The requested resource does not exist');
    const typed: [string, FieldType][] = [
      ...Object.entries(SCHEMA[name]),
      ...(this.extraFields[name] ?? []).map((field): [string, FieldType] => [field, 'string']),
    ];
    return {
      name,
      fields: typed.map(([field, type]) => {
        const externalId = this.externalIds[name]?.[field];
        const readOnly = field in AUDIT || (READ_ONLY[name] ?? []).includes(field);
        return {
          name: field,
          type: DESCRIBE_TYPES[type],
          externalId: externalId !== undefined,
          unique: externalId?.unique ?? false,
          idLookup: field === 'Id' || externalId !== undefined,
          createable: !readOnly,
          updateable: !readOnly,
        };
      }),
    };
  }

  /**
   * PATCH /sobjects/<type>/<External ID field>/<value>: no match creates (201), one match updates (200,
   * created false), several matches answer 300
   * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_upsert.htm).
   */
  private upsert(sObject: string, field: string, value: string, body: FakeRecord): { status: number; body: unknown } {
    const name = this.sObjectName(sObject);
    const keyField = this.fieldName(name, field);
    if (!this.externalIds[name]?.[keyField])
      throw new NotFound(`Provided external ID field does not exist or is not accessible: ${field}`);
    const matches = this.records(name).filter((row) => row[keyField] === value);
    if (matches.length > 1) return { status: 300, body: matches.map((row) => `/sobjects/${name}/${String(row.Id)}`) };
    if (matches.length === 1) {
      this.update(name, String(matches[0].Id), body, true);
      return { status: 200, body: { id: matches[0].Id, success: true, errors: [], created: false } };
    }
    const id = this.create(name, { ...body, [keyField]: value });
    return { status: 201, body: { id, success: true, errors: [], created: true } };
  }

  // Picklist defaults a new record gets: the default TaskStatus and TaskSubtype "Task", the first LeadStatus.
  private defaults(name: string, body: FakeRecord): FakeRecord {
    if (name === 'Task') {
      const status = body.Status ?? this.records('TaskStatus').find((row) => row.IsDefault === true)?.ApiName;
      return { Status: status, TaskSubtype: 'Task' };
    }
    if (name === 'Lead') return { Status: 'Open - Not Contacted', IsConverted: false };
    return {};
  }

  private refuseReadOnly(name: string, fields: FakeRecord): void {
    const refused = Object.keys(fields).filter((field) => (READ_ONLY[name] ?? []).includes(field));
    if (refused.length)
      throw new DmlError('INVALID_FIELD_FOR_INSERT_UPDATE', `Unable to create/update fields: ${refused.join(', ')}.`);
  }

  // IsClosed follows the TaskStatus; CompletedDateTime is stamped when the task closes and cleared on reopen.
  private closeTask(changes: FakeRecord, existing: FakeRecord | null): void {
    if (!('Status' in changes)) return;
    const closed = this.records('TaskStatus').some((row) => row.ApiName === changes.Status && row.IsClosed === true);
    const wasClosed = existing?.IsClosed === true;
    changes.IsClosed = closed;
    if (closed && !wasClosed) changes.CompletedDateTime = salesforceDateTime(this.options.now());
    if (!closed) changes.CompletedDateTime = null;
  }

  private validate(name: string, record: FakeRecord, existing: FakeRecord | null): void {
    // Lead.Status and Task.Status are restricted to the org's LeadStatus and TaskStatus values.
    const statusObject = name === 'Lead' ? 'LeadStatus' : name === 'Task' ? 'TaskStatus' : null;
    if (statusObject && 'Status' in record) {
      const allowed = this.records(statusObject).map((row) => row.ApiName);
      if (!allowed.includes(record.Status))
        throw new DmlError(
          'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
          `Status: bad value for restricted picklist field: ${String(record.Status)}`,
        );
    }
    // External ID fields marked Unique reject a value another record already holds.
    for (const [field, { unique }] of Object.entries(this.externalIds[name] ?? {})) {
      if (!unique) continue;
      const value = record[field];
      if (value === undefined || value === null) continue;
      const clash = this.records(name).find((row) => row !== existing && row[field] === value);
      if (clash)
        throw new DmlError(
          'DUPLICATE_VALUE',
          `duplicate value found: ${field} duplicates value on record with id: ${String(clash.Id)}`,
        );
    }
  }

  // A Lead trigger or flow (triggerOwnerId) runs on every save, whatever the header; then active assignment rules
  // run on Lead create and update unless the request says Sforce-Auto-Assign: FALSE
  // (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_autoassign.htm).
  private applyAssignmentRules(lead: FakeRecord, autoAssign: boolean): void {
    if (this.triggerOwnerId) lead.OwnerId = this.triggerOwnerId;
    if (autoAssign && this.assignmentRuleOwnerId) lead.OwnerId = this.assignmentRuleOwnerId;
  }

  // Field history tracking on Lead.Status writes one LeadHistory row per change
  // (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_leadhistory.htm).
  private changeLeadStatus(lead: FakeRecord, status: string, stamp: string): void {
    this.insert('LeadHistory', {
      LeadId: lead.Id,
      Field: 'Status',
      OldValue: lead.Status ?? null,
      NewValue: status,
      CreatedDate: stamp,
    });
    lead.Status = status;
  }

  // Comparing a field with a literal of another type is an error, e.g. a date literal against a dateTime
  // field ("must be of type dateTime and should not be enclosed in quotes").
  private checkLiterals(sObject: string, condition: SoqlCondition): void {
    if ('parts' in condition) return condition.parts.forEach((part) => this.checkLiterals(sObject, part));
    if ('inner' in condition) return this.checkLiterals(sObject, condition.inner);
    const type = this.fieldType(sObject, condition.field);
    const literals: SoqlLiteral[] = condition.kind === 'in' ? condition.values : [condition.value];
    for (const literal of literals) {
      if (literal === null) continue;
      const kind =
        typeof literal === 'object'
          ? 'dateTime' in literal
            ? 'dateTime'
            : 'date'
          : typeof literal === 'string'
            ? 'string'
            : typeof literal;
      const fits =
        type === 'dateTime' || type === 'date'
          ? kind === type
          : type === 'boolean'
            ? kind === 'boolean'
            : kind === 'string';
      if (!fits)
        throw new SoqlError(
          'INVALID_FIELD',
          `value of filter criterion for field '${condition.field}' must be of type ${type === 'id' || type === 'reference' || type === 'picklist' ? 'string' : type} and should not be enclosed in quotes`,
        );
    }
  }

  // 15- and 18-character IDs name the same record: ID literals are compared on their first 15 characters
  // (https://help.salesforce.com/s/articleView?id=000385008).
  private normaliseIds(sObject: string, condition: SoqlCondition): SoqlCondition {
    if ('parts' in condition)
      return { ...condition, parts: condition.parts.map((part) => this.normaliseIds(sObject, part)) };
    if ('inner' in condition) return { ...condition, inner: this.normaliseIds(sObject, condition.inner) };
    if (!isIdType(this.fieldType(sObject, condition.field))) return condition;
    const short = (literal: SoqlLiteral) => (typeof literal === 'string' ? idKey(literal) : literal);
    return condition.kind === 'in'
      ? { ...condition, values: condition.values.map(short) }
      : { ...condition, value: short(condition.value) };
  }

  // A field value for filtering (IDs shortened to 15 characters) or ordering; relationship paths included.
  private read(sObject: string, record: FakeRecord, name: string, forFilter: boolean): unknown {
    const [relationship, field] = name.split('.');
    const [target, row] =
      field === undefined
        ? [sObject, record]
        : [this.relationship(sObject, relationship).sObject, this.parent(sObject, record, relationship)];
    const fieldName = field ?? relationship;
    const value = row?.[this.fieldName(target, fieldName)];
    return forFilter && isIdType(this.fieldType(target, fieldName)) && typeof value === 'string' ? idKey(value) : value;
  }

  private relationship(sObject: string, name: string): { via: string; sObject: string } {
    const found = Object.entries(RELATIONSHIPS[sObject] ?? {}).find(
      ([key]) => key.toLowerCase() === name.toLowerCase(),
    );
    if (!found) throw new SoqlError('INVALID_FIELD', `Didn't understand relationship '${name}' in field path.`);
    return found[1];
  }

  private parent(sObject: string, record: FakeRecord, relationship: string): FakeRecord | undefined {
    const link = this.relationship(sObject, relationship);
    const id = record[link.via];
    return typeof id === 'string' ? this.record(link.sObject, id) : undefined;
  }

  fieldType(sObject: string, name: string): FieldType {
    const [relationship, field] = name.split('.');
    if (field !== undefined) return this.fieldType(this.relationship(sObject, relationship).sObject, field);
    const canonicalName = this.fieldName(sObject, name);
    return SCHEMA[sObject]?.[canonicalName] ?? 'string';
  }

  private sObjectName(name: string): string {
    const known = [...this.objects.keys()].find((sObject) => sObject.toLowerCase() === name.toLowerCase());
    if (!known) throw new SoqlError('INVALID_TYPE', `sObject type '${name}' is not supported.`);
    return known;
  }

  fieldName(sObject: string, name: string): string {
    const canonicalName = this.fields.get(sObject.toLowerCase())?.get(name.toLowerCase());
    if (!canonicalName) throw new SoqlError('INVALID_FIELD', `No such column '${name}' on entity '${sObject}'.`);
    return canonicalName;
  }

  private newId(sObject: string): string {
    return salesforceId(ID_PREFIXES[sObject] ?? '001', ++this.sequence);
  }
}

/** A DML or query failure Salesforce answers with 400 and an error code. */
class DmlError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

function canonical(fake: FakeSalesforce, sObject: string, body: FakeRecord): FakeRecord {
  return Object.fromEntries(
    Object.entries(body).map(([field, value]) => {
      const name = fake.fieldName(sObject, field);
      // A 15-character ID is accepted in writes; the API returns every ID in its 18-character, case-safe form
      // (SOAP API Developer Guide, Field Types, ID: https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/field_types.htm).
      const id =
        isIdType(fake.fieldType(sObject, name)) && typeof value === 'string' && /^[a-zA-Z0-9]{15}$/.test(value);
      return [name, id ? caseSafeId(value) : value];
    }),
  );
}

function isIdType(type: FieldType): boolean {
  return type === 'id' || type === 'reference';
}

// An 18-character ID is case-insensitive: its suffix restores the case of the first 15 characters
// (https://help.salesforce.com/s/articleView?id=000385008).
function idKey(id: string): string {
  return /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(id) ? salesforceIdKey(id) : id;
}

function sameId(a: unknown, b: unknown): boolean {
  return typeof a === 'string' && typeof b === 'string' && idKey(a) === idKey(b);
}

// Sforce-Query-Options: batchSize=n, clamped to 200..2,000; the fake's own page size caps it for tests.
function batchSize(header: string | string[] | undefined, pageSize: number): number {
  const requested = /batchSize=(\d+)/.exec(String(header ?? ''))?.[1];
  if (requested === undefined) return pageSize;
  return Math.min(pageSize, Math.max(MIN_BATCH, Math.min(MAX_BATCH, Number(requested))));
}

class NotFound extends Error {
  constructor(
    message: string,
    readonly errorCode = 'NOT_FOUND',
  ) {
    super(message);
  }
}

function referencedFields(query: SoqlQuery): string[] {
  const names = [
    ...query.items.map((item) => item.field),
    ...query.groupBy,
    ...query.orderBy.map((order) => order.field),
  ];
  const visit = (condition: SoqlCondition): void => {
    if ('parts' in condition) condition.parts.forEach(visit);
    else if ('inner' in condition) visit(condition.inner);
    else names.push(condition.field);
  };
  if (query.where) visit(query.where);
  return names;
}

/**
 * Salesforce's own rendering of a date-time: 2026-01-05T14:03:00.000+0000. Salesforce keeps dateTime fields to the
 * second (its SOQL literals have no fractions: soql_sosl, Date Formats and Date Literals), so the fake drops the rest.
 */
export function salesforceDateTime(date: Date): string {
  const ms = date.getTime();
  return new Date(ms - (((ms % 1000) + 1000) % 1000)).toISOString().replace('Z', '+0000');
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
