// The campaign workflow and the types its callers and the next run use.
export { campaignSla } from './loop';
