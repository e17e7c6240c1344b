// The campaign SLA contract. Decoding a campaign file's text (YAML or JSON) is runtime/campaignFile.ts's job,
// so the YAML parser stays out of the workflow bundle.
export {
  campaignConfigSchema,
  DEFAULT_CALENDAR,
  type AdsSettings,
  type ApprovalsConfig,
  type CalendarConfig,
  type CampaignConfig,
  type CampaignSettings,
  type CampaignWindow,
  type ComplianceTarget,
  type DispositionRoute,
  type EscalationStep,
  type GuardrailsConfig,
  type QuarterTarget,
  type Rep,
  type RepPool,
  type ResponseSlaConfig,
  type TargetsConfig,
  type TierConfig,
  type TimeBasis,
  type VelocityConfig,
  type VelocityRule,
} from './schema';
export { ConfigError, formatIssuePath, type ConfigIssue, type IssuePath } from './errors';
export { parseCampaignConfig, validateCampaignConfig } from './parse';
