// Validating a decoded campaign config: the one entry point, whatever the config came from.
import { configErrorMap, ConfigError, formatIssuePath, toConfigIssues, type ConfigIssue } from './errors';
import { unstorableTextIssue } from '../inputLimits';
import { campaignConfigSchema, unplaceableBusinessTime, type CampaignConfig } from './schema';

/** The validated config with defaults applied, or every problem found, each with its path. */
export function validateCampaignConfig(input: unknown): { config: CampaignConfig } | { issues: ConfigIssue[] } {
  const result = campaignConfigSchema.safeParse(input, { error: configErrorMap });
  // The config is recorded in the ledger (campaign_config_versions) before the campaign starts or an amendment applies.
  const unstorable = unstorableTextIssue(input);
  const issues = [
    ...(result.success ? unplaceableBusinessTime(result.data) : toConfigIssues(result.error)),
    ...(unstorable ? [unstorable] : []),
  ];
  return result.success && issues.length === 0 ? { config: result.data } : { issues };
}

/** Validates an already-decoded config object (e.g. from the CLI or a workflow input) and applies defaults. */
export function parseCampaignConfig(input: unknown): CampaignConfig {
  return orThrow(validateCampaignConfig(input));
}

/**
 * A config a campaign already took (its start input, an amendment it applied), read again when its workflow replays:
 * the schema and its defaults, without the rules of validateCampaignConfig that sit outside the schema (text the
 * ledger cannot store, business time a calendar cannot place). Such rules judge configs arriving now; a release
 * that adds one must not stop a campaign that started on an earlier release (as stored.ts says for carry-overs).
 */
export function parseAcceptedConfig(input: unknown): CampaignConfig {
  const result = campaignConfigSchema.safeParse(input, { error: configErrorMap });
  return orThrow(result.success ? { config: result.data } : { issues: toConfigIssues(result.error) });
}

function orThrow(result: { config: CampaignConfig } | { issues: ConfigIssue[] }): CampaignConfig {
  if ('issues' in result) {
    throw new ConfigError(result.issues.map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`));
  }
  return result.config;
}
