// A local Salesforce REST fake (node:http on 127.0.0.1, random port) for contract tests and the
// poll-cost benchmark. It speaks the subset the Salesforce adapter uses: OAuth token grants
// (refresh_token, jwt-bearer with signature check), query + queryMore paging, sObject create and
// update, /limits, Sforce-Limit-Info headers, and injectable API errors. Every request is recorded.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { salesforceId } from '../../../activities/crm/salesforceIds';
import {
  compareValues,
  evaluateCondition,
  parseSoql,
  SoqlError,
  type FakeRecord,
  type SoqlCondition,
  type SoqlQuery,
} from './fakeSoql';

export interface FakeSalesforceOptions {
  /** Records per query page before nextRecordsUrl kicks in. */
  pageSize?: number;
  /** The daily API request allowance reported in Sforce-Limit-Info. */
  apiLimit?: number;
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  /** JWT bearer: the user the assertion's `sub` must name, and the key its signature must verify with. */
  username?: string;
  jwtPublicKey?: KeyObject | string;
  /** Extra fields per sObject beyond the standard schema below (for custom field mappings). */
  extraFields?: Record<string, string[]>;
  /** Clock for CreatedDate of created records and JWT expiry checks. */
  now?: () => Date;
}

export interface RecordedRequest {
  kind: 'api' | 'token';
  method: string;
  path: string;
  soql?: string;
  body?: unknown;
}

export type InjectedError = 'REQUEST_LIMIT_EXCEEDED' | 'INVALID_SESSION_ID';

// Fields the fake knows per sObject; anything else is INVALID_FIELD, as in a real org.
const STANDARD_FIELDS: Record<string, string[]> = {
  Lead: ['Id', 'OwnerId', 'CreatedDate', 'Status', 'IsConverted', 'Name', 'Email', 'Lead_Tier__c', 'Campaign_Id__c'],
  Task: [
    'Id',
    'WhoId',
    'OwnerId',
    'CreatedDate',
    'Subject',
    'Status',
    'IsClosed',
    'TaskSubtype',
    'Type',
    'ActivityDate',
    'campaign_sla_key__c',
  ],
  Event: ['Id', 'WhoId', 'OwnerId', 'CreatedDate', 'Subject', 'StartDateTime'],
  Opportunity: ['Id', 'CampaignId', 'CreatedDate', 'StageName'],
};
const ID_PREFIXES: Record<string, string> = { Lead: '00Q', Task: '00T', Event: '00U', Opportunity: '006' };
const API_PATH = /^\/services\/data\/v(\d+\.\d)(\/.*)$/;
const ORG_ID = '00D000000000001AAA';

export class FakeSalesforce {
  readonly requests: RecordedRequest[] = [];
  private readonly objects = new Map<string, FakeRecord[]>();
  private readonly fields = new Map<string, Map<string, string>>();
  private readonly cursors = new Map<string, { sObject: string; rows: FakeRecord[]; offset: number }>();
  private readonly validTokens = new Set<string>();
  private readonly injected: InjectedError[] = [];
  private readonly options: Required<Omit<FakeSalesforceOptions, 'jwtPublicKey' | 'extraFields'>>;
  private readonly jwtPublicKey: KeyObject | null;
  private apiUsed = 0;
  private sequence = 0;
  private tokenGrantsRejected = false;
  private sessionsAccepted = true;
  private server: Server | undefined;
  url = '';

  private constructor(options: FakeSalesforceOptions) {
    this.options = {
      pageSize: options.pageSize ?? 200,
      apiLimit: options.apiLimit ?? 15_000,
      clientId: options.clientId ?? 'fake-client-id',
      clientSecret: options.clientSecret ?? 'fake-client-secret',
      refreshToken: options.refreshToken ?? 'fake-refresh-token',
      username: options.username ?? 'integration@example.com',
      now: options.now ?? (() => new Date()),
    };
    this.jwtPublicKey =
      typeof options.jwtPublicKey === 'string' ? createPublicKey(options.jwtPublicKey) : (options.jwtPublicKey ?? null);
    for (const [sObject, names] of Object.entries(STANDARD_FIELDS)) {
      const all = [...names, ...(options.extraFields?.[sObject] ?? [])];
      this.fields.set(sObject.toLowerCase(), new Map(all.map((name) => [name.toLowerCase(), name])));
      this.objects.set(sObject, []);
    }
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

  /** Stores a record as-is (malformed ones included); Id and CreatedDate are filled in when absent. */
  insert(sObject: string, record: FakeRecord): string {
    const rows = this.objects.get(sObject);
    if (!rows) throw new Error(`the fake has no ${sObject} object`);
    const id = 'Id' in record ? String(record.Id) : this.newId(sObject);
    rows.push({ CreatedDate: salesforceDateTime(this.options.now()), ...record, Id: id });
    return id;
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
      return this.token(new URLSearchParams(body), res);
    }
    const api = API_PATH.exec(url.pathname);
    const soql = url.searchParams.get('q') ?? undefined;
    const json = body ? (JSON.parse(body) as unknown) : undefined;
    this.requests.push({ kind: 'api', method: req.method ?? 'GET', path: url.pathname, soql, body: json });
    if (!api) return send(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);

    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !this.validTokens.has(token) || !this.sessionsAccepted) {
      return send(res, 401, [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }]);
    }
    const injected = this.injected.shift();
    if (injected === 'INVALID_SESSION_ID')
      return send(res, 401, [{ errorCode: injected, message: 'Session expired or invalid' }]);
    if (injected === 'REQUEST_LIMIT_EXCEEDED') {
      return send(res, 403, [{ errorCode: injected, message: 'TotalRequests Limit exceeded.' }], this.limitHeader());
    }
    this.apiUsed += 1;
    const headers = this.limitHeader();
    try {
      const [, version, rest] = api;
      const [, resource, ...parts] = rest.split('/');
      if (resource === 'query' && req.method === 'GET') {
        return send(
          res,
          200,
          parts.length === 0 ? this.query(soql ?? '', version) : this.queryMore(parts[0], version),
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
      if (resource === 'sobjects' && req.method === 'POST' && parts.length === 1) {
        return send(res, 201, { id: this.create(parts[0], json as FakeRecord), success: true, errors: [] }, headers);
      }
      if (resource === 'sobjects' && req.method === 'PATCH' && parts.length === 2) {
        this.update(parts[0], parts[1], json as FakeRecord);
        return send(res, 204, undefined, headers);
      }
      return send(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }], headers);
    } catch (err) {
      if (err instanceof SoqlError)
        return send(res, 400, [{ errorCode: err.errorCode, message: err.message }], headers);
      if (err instanceof NotFound) return send(res, 404, [{ errorCode: 'NOT_FOUND', message: err.message }], headers);
      throw err;
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

  private query(soql: string, version: string): unknown {
    const query = parseSoql(soql);
    const sObject = this.sObjectName(query.from);
    for (const name of referencedFields(query)) this.fieldName(sObject, name);
    const field = (record: FakeRecord, name: string) => record[this.fieldName(sObject, name)];
    let rows = this.records(sObject).filter((record) => !query.where || evaluateCondition(query.where, record, field));
    if (query.countOnly) return { totalSize: rows.length, done: true, records: [] };
    const aggregate = query.items.some((item) => item.kind !== 'field');
    if (aggregate) {
      // Aggregate results come back in one response, as in Salesforce (no queryMore).
      const results = this.aggregate(query, sObject, rows);
      return { totalSize: results.length, done: true, records: results };
    }
    for (const order of [...query.orderBy].reverse()) {
      rows = [...rows].sort(
        (a, b) => compareValues(field(a, order.field), field(b, order.field)) * (order.descending ? -1 : 1),
      );
    }
    if (query.limit !== null) rows = rows.slice(0, query.limit);
    const shaped = rows.map((record) => this.shape(sObject, record, query, version));
    const locator = `01g${String(++this.sequence).padStart(15, '0')}`;
    this.cursors.set(locator, { sObject, rows: shaped, offset: 0 });
    return this.page(locator, version);
  }

  private queryMore(locatorAndOffset: string, version: string): unknown {
    const [locator] = locatorAndOffset.split('-');
    if (!this.cursors.has(locator)) throw new NotFound(`invalid query locator ${locatorAndOffset}`);
    return this.page(locator, version);
  }

  private page(locator: string, version: string): unknown {
    const cursor = this.cursors.get(locator)!;
    const records = cursor.rows.slice(cursor.offset, cursor.offset + this.options.pageSize);
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
    for (const item of query.items) shaped[item.field] = record[this.fieldName(sObject, item.field)] ?? null;
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

  private create(sObject: string, body: FakeRecord): string {
    const name = this.sObjectName(sObject);
    for (const field of Object.keys(body)) this.fieldName(name, field);
    const defaults: FakeRecord = name === 'Task' ? { IsClosed: body.Status === 'Completed' } : {};
    return this.insert(name, { ...defaults, ...body });
  }

  private update(sObject: string, id: string, body: FakeRecord): void {
    const name = this.sObjectName(sObject);
    const record = this.records(name).find((row) => row.Id === id);
    if (!record) throw new NotFound(`${name} ${id} does not exist`);
    for (const [field, value] of Object.entries(body)) record[this.fieldName(name, field)] = value;
  }

  private sObjectName(name: string): string {
    const known = [...this.objects.keys()].find((sObject) => sObject.toLowerCase() === name.toLowerCase());
    if (!known) throw new SoqlError('INVALID_TYPE', `sObject type '${name}' is not supported.`);
    return known;
  }

  private fieldName(sObject: string, name: string): string {
    const canonical = this.fields.get(sObject.toLowerCase())?.get(name.toLowerCase());
    if (!canonical) throw new SoqlError('INVALID_FIELD', `No such column '${name}' on entity '${sObject}'.`);
    return canonical;
  }

  private newId(sObject: string): string {
    return salesforceId(ID_PREFIXES[sObject] ?? '001', ++this.sequence);
  }
}

class NotFound extends Error {}

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

/** Salesforce's own rendering of a date-time: 2026-01-05T14:03:00.000+0000. */
export function salesforceDateTime(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
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
