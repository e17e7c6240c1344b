// The configs a run holds (the one it started with and each amendment) were validated when they arrived, and
// travel from run to run in the carry-over. A later release reads them through one decoder per stored format, never
// by re-validating them under its own schema: a stricter rule must not stop a campaign that is already running.
import type { CampaignConfig } from './schema';
import { attributionSchema } from './schema';
import { pacingBandSchema, stabilitySchema } from './spendSchema';

/**
 * 1: no marker (releases up to 2026-12-02). 2: responseSla.attribution, velocity.stability and velocity.pacingBand
 * are always present. 3: velocity.conversionLag is too. 4: responseSla.routing and each rep's `away` are too. A
 * change to the config's shape that older code cannot read adds a format and its decoder.
 */
export const STORED_CONFIG_FORMAT = 4;

type StoredConfigs = Record<number, CampaignConfig>;
/** A config as format 1 or 2 stored it: the fields later formats added may be missing. */
type Format1Config = Omit<CampaignConfig, 'responseSla' | 'velocity'> & {
  responseSla: Partial<CampaignConfig['responseSla']>;
  velocity: Partial<CampaignConfig['velocity']>;
};

/** Configs of formats 1 to 3 may predate fields that now have defaults: each gets the default it would have had. */
function fromEarlierFormat(stored: CampaignConfig): CampaignConfig {
  const config = stored as Format1Config;
  const pools = config.responseSla.pools ?? {};
  return {
    ...config,
    responseSla: {
      attribution: attributionSchema.parse(undefined),
      // No routing by availability and no away windows: leads are admitted with the owner they came with.
      routing: { atIntake: false },
      ...config.responseSla,
      pools: Object.fromEntries(
        Object.entries(pools).map(([name, pool]) => [
          name,
          { ...pool, reps: pool.reps.map((rep) => ({ ...rep, away: rep.away ?? [] })) },
        ]),
      ),
    } as CampaignConfig['responseSla'],
    velocity: {
      stability: stabilitySchema.parse(undefined),
      pacingBand: pacingBandSchema.parse(undefined),
      // Conversions judged against the same instant's spend, as before the lag existed.
      conversionLag: 0,
      ...config.velocity,
    } as CampaignConfig['velocity'],
  };
}

/** The configs of a carry-over in today's shape; `format` absent means format 1. */
export function decodeStoredConfigs(configs: StoredConfigs, format: number = 1): StoredConfigs {
  if (!Number.isInteger(format) || format < 1 || format > STORED_CONFIG_FORMAT) {
    throw new Error(
      `carryOver.configFormat: expected 1 to ${STORED_CONFIG_FORMAT}, got ${JSON.stringify(format)}; this worker cannot read configs stored by a newer release`,
    );
  }
  if (format === STORED_CONFIG_FORMAT) return configs;
  const decoded: StoredConfigs = {};
  for (const version of Object.keys(configs)) decoded[Number(version)] = fromEarlierFormat(configs[Number(version)]);
  return decoded;
}
