// A continued run reads the configs its campaign carried through the decoder of their stored format; it never
// re-validates the raw start input under the current schema, which a later release may have made stricter.
import { describe, expect, it } from 'vitest';
import { encodeCarryOver } from '../sla/carryOver';
import { decodeStoredConfigs, parseCampaignConfig, STORED_CONFIG_FORMAT, type CampaignConfig } from '../sla/config';
import { campaignSla } from '../workflows/campaignSla';
import { initialState, type CampaignCarryOver } from '../workflows/campaignSla/state';
import { campaignWorkflowId, slaStateQuery } from '../workflows/messages';
import { seedTermsConfig } from './support/campaignConfig';
import { terminateWhenIdle, useCampaignHarness } from './support/temporal';

/** A config as format 3 stored it: no routing, no rep away windows. */
function format3(config: CampaignConfig): CampaignConfig {
  const { routing: _routing, pools, ...responseSla } = config.responseSla;
  const withoutAway = Object.fromEntries(
    Object.entries(pools).map(([name, pool]) => [
      name,
      { ...pool, reps: pool.reps.map(({ away: _a, ...rep }) => rep) },
    ]),
  );
  return JSON.parse(
    JSON.stringify({ ...config, responseSla: { ...responseSla, pools: withoutAway } }),
  ) as CampaignConfig;
}

/** A config as releases up to 2026-12-02 stored it: without the fields format 2 added. */
function format1(config: CampaignConfig): CampaignConfig {
  const { attribution: _attribution, ...responseSla } = format3(config).responseSla;
  const { stability: _stability, pacingBand: _pacingBand, conversionLag: _lag, ...velocity } = config.velocity;
  return JSON.parse(JSON.stringify({ ...config, responseSla, velocity })) as CampaignConfig;
}

describe('stored campaign configs', () => {
  const current = parseCampaignConfig(seedTermsConfig({ id: 'stored' }));

  it('gives a format-1 config the defaults of the fields added since, and keeps everything else', () => {
    const stored = format1({ ...current, responseSla: { ...current.responseSla, allowedLateness: 60_000 } });
    expect(stored.responseSla.attribution).toBeUndefined();
    const decoded = decodeStoredConfigs({ 3: stored })[3];
    expect(decoded.responseSla.attribution).toBe('holder');
    expect(decoded.velocity.stability).toEqual({
      cooldown: 12 * 3_600_000,
      maxProposalsPerDay: 4,
      restoreMarginPct: 10,
    });
    expect(decoded.velocity.pacingBand).toEqual({ startPct: 25, endPct: 1 });
    expect(decoded.responseSla.allowedLateness).toBe(60_000);
    expect(decoded).toEqual({
      ...current,
      responseSla: { ...current.responseSla, allowedLateness: 60_000 },
    });
  });

  it('gives a format-3 config (before routing by availability) no routing and reps that are never away', () => {
    const stored = format3(current);
    expect(stored.responseSla.routing).toBeUndefined();
    const decoded = decodeStoredConfigs({ 3: stored }, 3)[3];
    expect(decoded.responseSla.routing).toEqual({ atIntake: false });
    expect(decoded).toEqual(current);
  });

  it('gives a format-2 config (before the conversion lag) a lag of 0: rates judged as that run always judged them', () => {
    const { conversionLag: _lag, ...velocity } = format3(current).velocity;
    const stored = JSON.parse(JSON.stringify({ ...format3(current), velocity })) as CampaignConfig;
    const decoded = decodeStoredConfigs({ 2: stored }, 2)[2];
    expect(decoded.velocity.conversionLag).toBe(0);
    expect(decoded).toEqual(current);
  });

  it('keeps a format-1 value the current schema would refuse: it was valid when the campaign took it', () => {
    const stored = format1(current);
    // E.g. a later release caps maxProposalsPerDay lower, or narrows a duration: the running campaign keeps its terms.
    stored.velocity.checkEvery = 1;
    expect(() => parseCampaignConfig(stored)).toThrow();
    expect(decodeStoredConfigs({ 1: stored })[1].velocity.checkEvery).toBe(1);
  });

  it('reads the current format as is and refuses a newer one by name', () => {
    const configs = { 1: current };
    expect(decodeStoredConfigs(configs, STORED_CONFIG_FORMAT)).toBe(configs);
    expect(() => decodeStoredConfigs(configs, STORED_CONFIG_FORMAT + 1)).toThrow(
      `carryOver.configFormat: expected 1 to ${STORED_CONFIG_FORMAT}, got ${STORED_CONFIG_FORMAT + 1}`,
    );
    expect(() => decodeStoredConfigs(configs, 0)).toThrow(/carryOver\.configFormat/);
  });
});

describe('a run continued from an earlier release (time-skipping)', () => {
  const TASK_QUEUE = 'campaign-sla-stored-config-test';
  const h = useCampaignHarness({ server: 'time-skipping', taskQueue: TASK_QUEUE });

  it('runs on its carried format-1 config, even when its raw start input no longer validates', async () => {
    const config = parseCampaignConfig(seedTermsConfig({ id: 'stored-format-1' }));
    const state: CampaignCarryOver = { ...initialState(config, true, 'reach'), configs: { [config.version]: format1(config) } };
    delete state.configFormat;
    state.continuedAsNew = 4;
    const wf = await h.env.client.workflow.start(campaignSla, {
      taskQueue: TASK_QUEUE,
      workflowId: campaignWorkflowId('stored-format-1'),
      // The raw input is what the first run validated; a continued run must not depend on it.
      args: [
        { config: { campaign: 'no longer valid' }, carryOver: encodeCarryOver(state), publishSearchAttributes: false },
      ],
    });
    // The first velocity check is due at once and weighs the stability policy format 1 did not store.
    await h.env.sleep(60_000);
    const view = await wf.query(slaStateQuery);
    expect(view.run.continuedAsNew).toBe(4);
    expect(view.configVersion).toBe(config.version);
    expect(view.latestSnapshot?.checkId).toBe(`${view.quarter}-4-1`);
    await terminateWhenIdle(wf, 'test done');
  });
});
