export { campaignSla } from './campaignSla';
export { quarterlyReset } from './quarterlyReset';
