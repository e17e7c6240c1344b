// Google Ads credentials and the dry-run switch come from the worker's environment (or a JSON file it
// points to), never from workflow inputs, so they are not recorded in Temporal history.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export interface AdsCredentials {
  clientId: string;
  clientSecret: string;
  developerToken: string;
  refreshToken: string;
  /** Manager (MCC) account the calls are made through; digits only. */
  loginCustomerId?: string;
}

export type AdsEnv = Record<string, string | undefined>;

const ENV_VARIABLES = {
  clientId: 'GOOGLE_ADS_CLIENT_ID',
  clientSecret: 'GOOGLE_ADS_CLIENT_SECRET',
  developerToken: 'GOOGLE_ADS_DEVELOPER_TOKEN',
  refreshToken: 'GOOGLE_ADS_REFRESH_TOKEN',
  loginCustomerId: 'GOOGLE_ADS_LOGIN_CUSTOMER_ID',
} as const;

const required = z.string().trim().min(1, 'must be a non-empty string');

const credentialsSchema = z.object({
  clientId: required,
  clientSecret: required,
  developerToken: required,
  refreshToken: required,
  loginCustomerId: z.string().regex(/^\d+$/, 'must be digits only (no dashes)').optional(),
});

/**
 * Reads credentials from GOOGLE_ADS_CREDENTIALS_FILE (a JSON file with camelCase fields) when set,
 * otherwise from the individual GOOGLE_ADS_* variables. Errors name every missing or bad variable/field.
 */
export function loadAdsCredentials(env: AdsEnv, readFile: (path: string) => string = readUtf8): AdsCredentials {
  const file = env.GOOGLE_ADS_CREDENTIALS_FILE?.trim();
  if (file) return credentialsFromFile(file, readFile);
  const raw = {
    clientId: env[ENV_VARIABLES.clientId],
    clientSecret: env[ENV_VARIABLES.clientSecret],
    developerToken: env[ENV_VARIABLES.developerToken],
    refreshToken: env[ENV_VARIABLES.refreshToken],
    loginCustomerId: env[ENV_VARIABLES.loginCustomerId]?.trim() || undefined,
  };
  const parsed = credentialsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const field = issue.path[0] as keyof typeof ENV_VARIABLES;
    return raw[field] === undefined ? `${ENV_VARIABLES[field]} is not set` : `${ENV_VARIABLES[field]} ${issue.message}`;
  });
  throw new Error(
    `Google Ads credentials: ${problems.join('; ')} (or set GOOGLE_ADS_CREDENTIALS_FILE to a JSON file with the same fields in camelCase)`,
  );
}

function credentialsFromFile(file: string, readFile: (path: string) => string): AdsCredentials {
  let json: unknown;
  try {
    json = JSON.parse(readFile(file));
  } catch (error) {
    throw new Error(`GOOGLE_ADS_CREDENTIALS_FILE (${file}): cannot read JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const parsed = credentialsSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new Error(`GOOGLE_ADS_CREDENTIALS_FILE (${file}): ${problems.join('; ')}`);
}

/** Dry run is on when GOOGLE_ADS_VALIDATE_ONLY=true or the campaign config says ads.dryRun. */
export function loadAdsValidateOnly(env: AdsEnv, configDryRun = false): boolean {
  const value = env.GOOGLE_ADS_VALIDATE_ONLY?.trim().toLowerCase();
  if (value === undefined || value === '') return configDryRun;
  if (value !== 'true' && value !== 'false') {
    throw new Error(`GOOGLE_ADS_VALIDATE_ONLY must be "true" or "false", got "${env.GOOGLE_ADS_VALIDATE_ONLY}"`);
  }
  return value === 'true' || configDryRun;
}

function readUtf8(path: string): string {
  return readFileSync(path, 'utf8');
}
