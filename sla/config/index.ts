// The campaign SLA contract. Decoding a campaign file's text (YAML or JSON) is runtime/campaignFile.ts's job,
// so the YAML parser stays out of the workflow bundle.
export {
  type CampaignConfig,
  type EscalationStep,
  type MilestoneCondition,
  type MilestoneConfig,
  type MilestoneFact,
  type RepConfig,
  type TierConfig,
} from './schema';
export { ConfigError, formatIssuePath, type IssuePath } from './errors';
export { parseAcceptedConfig, parseCampaignConfig, validateCampaignConfig } from './parse';
export { decodeStoredConfigs, STORED_CONFIG_FORMAT } from './stored';
export { nurtureStatusOf, returnsToNurture } from './nurture';
