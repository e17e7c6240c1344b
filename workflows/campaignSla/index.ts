// The campaign workflow and the types its callers and the next run use.
export { campaignSla } from './loop';
export type { CampaignSlaInput, CampaignSlaResult } from './run';
export type { CampaignCarryOver, SpendState } from './state';
