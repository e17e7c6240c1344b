// Validating a decoded campaign config: the one entry point, whatever the config came from.
import { configErrorMap, ConfigError, formatIssuePath, toConfigIssues, type ConfigIssue } from './errors';
import { unstorableTextIssue } from '../inputLimits';
import { campaignConfigSchema, type CampaignConfig } from './schema';

/** The validated config with defaults applied, or every problem found, each with its path. */
export function validateCampaignConfig(input: unknown): { config: CampaignConfig } | { issues: ConfigIssue[] } {
  const result = campaignConfigSchema.safeParse(input, { error: configErrorMap });
  // The config is recorded in the ledger (campaign_config_versions) before the campaign starts or an amendment applies.
  const unstorable = unstorableTextIssue(input);
  if (result.success && !unstorable) return { config: result.data };
  return { issues: [...(result.success ? [] : toConfigIssues(result.error)), ...(unstorable ? [unstorable] : [])] };
}

/** Validates an already-decoded config object (e.g. from the CLI or a workflow input) and applies defaults. */
export function parseCampaignConfig(input: unknown): CampaignConfig {
  const result = validateCampaignConfig(input);
  if ('issues' in result) {
    throw new ConfigError(result.issues.map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`));
  }
  return result.config;
}
