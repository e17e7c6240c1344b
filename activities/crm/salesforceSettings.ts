// Salesforce connection settings, read from the environment (never from workflow inputs).
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

interface RefreshTokenAuth {
  kind: 'refreshToken';
  instanceUrl: string;
  /** Where the token endpoint lives; the instance (My Domain) URL serves it too. */
  loginUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

interface JwtBearerAuth {
  kind: 'jwtBearer';
  loginUrl: string;
  /** The JWT `aud` claim: https://login.salesforce.com, https://test.salesforce.com or a community URL. */
  audience: string;
  clientId: string;
  username: string;
  privateKey: KeyObject;
}

export type SalesforceAuth = RefreshTokenAuth | JwtBearerAuth;

/**
 * How leads belong to a campaign: CampaignMember rows (the standard link), or a Lead field holding the
 * Campaign ID for orgs that keep one (SALESFORCE_CAMPAIGN_LEAD_FIELD, e.g. Campaign_Id__c).
 */
type CampaignLink = { kind: 'campaignMember' } | { kind: 'leadField'; field: string };

/**
 * Where status changes come from: LeadHistory rows (Field = 'Status', needs field history tracking on
 * Lead.Status) or the Lead's current Status with its LastModifiedDate (SALESFORCE_STATUS_SOURCE=leadField).
 */
type StatusSource = 'leadHistory' | 'leadField';

/** Lead fields holding the ad click a lead came from (SALESFORCE_GCLID_FIELD and siblings), for offline conversions. */
type ClickIdFields = Partial<Record<'gclid' | 'gbraid' | 'wbraid', string>>;

export interface SalesforceSettings {
  auth: SalesforceAuth;
  apiVersion: string;
  campaignLink: CampaignLink;
  statusSource: StatusSource;
  clickIdFields: ClickIdFields;
}

const DEFAULT_SALESFORCE_API_VERSION = '62.0';
const DEFAULT_LOGIN_URL = 'https://login.salesforce.com';

type Env = Record<string, string | undefined>;

/**
 * Refresh-token auth when SALESFORCE_REFRESH_TOKEN is set, JWT bearer when SALESFORCE_USERNAME is set.
 * Every problem names the variable to fix.
 */
export function salesforceSettingsFromEnv(env: Env = process.env): SalesforceSettings {
  const apiVersion = env.SALESFORCE_API_VERSION?.trim() || DEFAULT_SALESFORCE_API_VERSION;
  if (!/^\d{2,3}\.0$/.test(apiVersion)) {
    throw new Error(`SALESFORCE_API_VERSION must look like "62.0", got ${JSON.stringify(apiVersion)}`);
  }
  const leadField = env.SALESFORCE_CAMPAIGN_LEAD_FIELD?.trim();
  if (leadField && !/^[A-Za-z][A-Za-z0-9_]*$/.test(leadField)) {
    throw new Error(`SALESFORCE_CAMPAIGN_LEAD_FIELD must be a field API name, got ${JSON.stringify(leadField)}`);
  }
  const campaignLink: CampaignLink = leadField ? { kind: 'leadField', field: leadField } : { kind: 'campaignMember' };
  const statusSource = env.SALESFORCE_STATUS_SOURCE?.trim() || 'leadHistory';
  if (statusSource !== 'leadHistory' && statusSource !== 'leadField') {
    throw new Error(`SALESFORCE_STATUS_SOURCE must be leadHistory or leadField, got ${JSON.stringify(statusSource)}`);
  }
  const clickIdFields: ClickIdFields = {};
  for (const kind of ['gclid', 'gbraid', 'wbraid'] as const) {
    const name = `SALESFORCE_${kind.toUpperCase()}_FIELD`;
    const field = env[name]?.trim();
    if (!field) continue;
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(field))
      throw new Error(`${name} must be a field API name, got ${JSON.stringify(field)}`);
    clickIdFields[kind] = field;
  }
  const common = { apiVersion, campaignLink, statusSource, clickIdFields } as const;
  if (present(env, 'SALESFORCE_REFRESH_TOKEN')) return { auth: refreshTokenAuth(env), ...common };
  if (present(env, 'SALESFORCE_USERNAME')) return { auth: jwtBearerAuth(env), ...common };
  throw new Error(
    'Salesforce credentials are not configured: set SALESFORCE_REFRESH_TOKEN (with SALESFORCE_INSTANCE_URL, ' +
      'SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET) or SALESFORCE_USERNAME (with SALESFORCE_CLIENT_ID and ' +
      'SALESFORCE_PRIVATE_KEY or SALESFORCE_PRIVATE_KEY_FILE) for JWT bearer auth',
  );
}

function refreshTokenAuth(env: Env): RefreshTokenAuth {
  const instanceUrl = url(env, 'SALESFORCE_INSTANCE_URL');
  return {
    kind: 'refreshToken',
    instanceUrl,
    loginUrl: present(env, 'SALESFORCE_LOGIN_URL') ? url(env, 'SALESFORCE_LOGIN_URL') : instanceUrl,
    clientId: required(env, 'SALESFORCE_CLIENT_ID'),
    clientSecret: required(env, 'SALESFORCE_CLIENT_SECRET'),
    refreshToken: required(env, 'SALESFORCE_REFRESH_TOKEN'),
  };
}

function jwtBearerAuth(env: Env): JwtBearerAuth {
  const loginUrl = present(env, 'SALESFORCE_LOGIN_URL') ? url(env, 'SALESFORCE_LOGIN_URL') : DEFAULT_LOGIN_URL;
  return {
    kind: 'jwtBearer',
    loginUrl,
    audience: present(env, 'SALESFORCE_JWT_AUDIENCE') ? url(env, 'SALESFORCE_JWT_AUDIENCE') : loginUrl,
    clientId: required(env, 'SALESFORCE_CLIENT_ID'),
    username: required(env, 'SALESFORCE_USERNAME'),
    privateKey: privateKey(env),
  };
}

function privateKey(env: Env): KeyObject {
  const [name, pem] = present(env, 'SALESFORCE_PRIVATE_KEY')
    ? // Keys pasted into env files often carry literal "\n" sequences instead of line breaks.
      ['SALESFORCE_PRIVATE_KEY', required(env, 'SALESFORCE_PRIVATE_KEY').replace(/\\n/g, '\n')]
    : [
        'SALESFORCE_PRIVATE_KEY_FILE',
        readKeyFile(required(env, 'SALESFORCE_PRIVATE_KEY_FILE', 'or SALESFORCE_PRIVATE_KEY')),
      ];
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'rsa') throw new Error(`expected an RSA key, got ${key.asymmetricKeyType}`);
    return key;
  } catch (err) {
    throw new Error(`${name} is not a usable RSA private key (PEM): ${(err as Error).message}`, { cause: err });
  }
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`SALESFORCE_PRIVATE_KEY_FILE cannot be read (${path}): ${(err as Error).message}`, { cause: err });
  }
}

function present(env: Env, name: string): boolean {
  return (env[name]?.trim() ?? '') !== '';
}

function required(env: Env, name: string, alternative = ''): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`${name} is required for Salesforce auth${alternative ? ` (${alternative})` : ''}`);
  return value;
}

// https everywhere; plain http only for a local fake or tunnel on this machine.
function url(env: Env, name: string): string {
  const raw = required(env, name);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new Error(`${name} must be a URL, got ${JSON.stringify(raw)}`);
  }
  const local = parsed.hostname === '127.0.0.1' || parsed.hostname === 'localhost';
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && local)) {
    throw new Error(`${name} must be an https URL, got ${JSON.stringify(raw)}`);
  }
  return raw.replace(/\/+$/, '');
}
