// Obtains an access token from the Salesforce OAuth token endpoint, for either grant.
import { signJwtBearerAssertion } from './jwtBearer';
import type { SalesforceAuth } from './salesforceSettings';

export interface SalesforceSession {
  accessToken: string;
  instanceUrl: string;
}

/** The token endpoint refused the credentials (invalid_grant, invalid_client, ...). Retrying will not help. */
export class SalesforceAuthRejected extends Error {
  override name = 'SalesforceAuthRejected';
}

export async function requestSalesforceSession(
  auth: SalesforceAuth,
  now: Date,
  timeoutMs: number,
): Promise<SalesforceSession> {
  const params: Record<string, string> =
    auth.kind === 'refreshToken'
      ? {
          grant_type: 'refresh_token',
          refresh_token: auth.refreshToken,
          client_id: auth.clientId,
          client_secret: auth.clientSecret,
        }
      : {
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          assertion: signJwtBearerAssertion({ ...auth, now }),
        };
  const response = await fetch(`${auth.loginUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(params).toString(),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
  if (response.status === 400 || response.status === 401) {
    // OAuth errors come back as {error, error_description}; the description never contains the secret.
    throw new SalesforceAuthRejected(
      `Salesforce ${auth.kind} auth was rejected: ${String(body?.error ?? response.status)}: ${String(body?.error_description ?? '')}`,
    );
  }
  if (!response.ok) throw new Error(`Salesforce token endpoint answered HTTP ${response.status}`);
  const accessToken = body?.access_token;
  const instanceUrl = auth.kind === 'refreshToken' ? auth.instanceUrl : body?.instance_url;
  if (typeof accessToken !== 'string' || typeof instanceUrl !== 'string') {
    throw new Error('Salesforce token endpoint answered without access_token/instance_url');
  }
  return { accessToken, instanceUrl };
}
