import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { addBusinessMs, placeableBusinessTime, validateCalendar, type BusinessCalendar } from '../sla/calendar';
import { ConfigError, parseCampaignConfig, validateCampaignConfig } from '../sla/config';
import { formatDuration } from '../sla/duration';
import { parseCampaignConfigText } from '../runtime/campaignFile';
import { seedTermsConfig } from './support/campaignConfig';

const EXAMPLES_DIR = path.join(__dirname, '..', 'examples');

/** Only the fields without defaults. Each test clones and edits it so the one mistake under test stands alone. */
function minimalConfig() {
  return {
    version: 1,
    campaign: {
      id: 'spring-promo-2026',
      ads: { customerId: '1234567890', campaignId: '555' },
      crm: { campaignId: '701000000000001' },
      window: { start: '2026-03-02T00:00:00Z', end: '2026-03-12T00:00:00Z' },
      totalBudget: 75000,
      currency: 'USD',
      timezone: 'America/New_York',
    },
    targets: { conversions: 1200, conversionEvent: 'qualified_lead', cpl: { target: 65 } },
    responseSla: {
      tiers: { standard: { firstTouch: '24h' } } as Record<string, Record<string, unknown>>,
      compliance: [{ within: '24h', target: 0.95 }] as unknown[],
      acceptance: { within: '8h' } as Record<string, unknown>,
      followUp: { attempts: 6, within: '10d' },
      dispositions: { 'No response': 'nurture' } as Record<string, string>,
      escalation: [] as unknown[],
      pools: { inbound: { managerId: 'mgr-ops-1', reps: [{ id: 'rep-a' }] as unknown[] } } as Record<string, unknown>,
    },
    calendars: {
      default: { timezone: 'America/New_York', hours: { mon: [['09:00', '17:00']] } },
    } as Record<string, unknown>,
    velocity: { rules: [] as unknown[] },
    approvals: { approvers: ['ops-lead-1'] as unknown[], timeout: '4h', onTimeout: 'reject' },
    guardrails: { maxTotalBudget: 90000, maxStepPct: 20 } as Record<string, unknown>,
  };
}

type MinimalConfig = ReturnType<typeof minimalConfig>;

function issuesOf(input: unknown): string[] {
  try {
    parseCampaignConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected the config to be rejected');
}

function issuesAfter(edit: (config: MinimalConfig) => void): string[] {
  const config = minimalConfig();
  edit(config);
  return issuesOf(config);
}

describe('examples', () => {
  it.each(['case-example.yaml', 'budget-sla.yaml', 'demo.yaml'])('%s parses', (file) => {
    const filePath = path.join(EXAMPLES_DIR, file);
    const config = parseCampaignConfigText(readFileSync(filePath, 'utf8'), filePath);
    expect(config.version).toBe(1);
  });

  it('case-example carries the seed figures', () => {
    const config = parseCampaignConfigText(readFileSync(path.join(EXAMPLES_DIR, 'case-example.yaml'), 'utf8'), 'case');
    expect(config.campaign.totalBudget).toBe(75000);
    expect(Date.parse(config.campaign.window.end) - Date.parse(config.campaign.window.start)).toBe(10 * 86_400_000);
    expect(config.targets).toMatchObject({ conversions: 1200, cpl: { target: 65 } });
    expect(config.responseSla.compliance).toEqual([{ within: 2 * 3_600_000, target: 0.9 }]);
    expect(config.responseSla.tiers.standard).toMatchObject({ firstTouch: 2 * 3_600_000, clock: 'wall' });
    expect(config.responseSla.tiers['high-intent']).toMatchObject({ firstTouch: 3_600_000, clock: 'wall' });
    expect(config.velocity.rules[1]).toEqual({
      kind: 'conversion-rate-drop',
      dropPct: 20,
      sustainedFor: 86_400_000,
      action: 'reduce',
      pct: 30,
    });
  });

  it('budget-sla carries the template figures', () => {
    const config = parseCampaignConfigText(readFileSync(path.join(EXAMPLES_DIR, 'budget-sla.yaml'), 'utf8'), 'tpl');
    expect(config.campaign.totalBudget).toBe(100000);
    expect(Date.parse(config.campaign.window.end) - Date.parse(config.campaign.window.start)).toBe(30 * 86_400_000);
    expect(config.targets).toMatchObject({ conversions: 500, cpl: { target: 200, tolerancePct: 20 } });
    expect(config.responseSla.compliance).toEqual([
      { within: 3_600_000, target: 0.8 },
      { within: 86_400_000, target: 0.95 },
    ]);
    expect(config.velocity.rules[0]).toEqual({ kind: 'velocity-below', afterDays: 7, belowPct: 70, action: 'pause' });
  });

  it('demo uses second-scale limits and has an out-of-office rep in each pool', () => {
    const config = parseCampaignConfigText(readFileSync(path.join(EXAMPLES_DIR, 'demo.yaml'), 'utf8'), 'demo');
    expect(config.responseSla.tiers['high-intent'].firstTouch).toBe(20_000);
    expect(config.responseSla.escalation.map((step) => step.after)).toEqual([0, 5_000, 10_000, 15_000]);
    expect(config.velocity.checkEvery).toBe(20_000);
    expect(config.campaign.crm.pollEvery).toBe(5_000);
    for (const pool of Object.values(config.responseSla.pools)) {
      expect(pool.reps.length).toBeGreaterThanOrEqual(3);
      expect(pool.reps.some((rep) => rep.outOfOffice)).toBe(true);
    }
  });
});

describe('parseCampaignConfig defaults', () => {
  it('fills every default of a minimal config and converts durations to ms', () => {
    const config = parseCampaignConfig(minimalConfig());
    expect(config).toEqual({
      version: 1,
      campaign: {
        id: 'spring-promo-2026',
        ads: { customerId: '1234567890', campaignId: '555' },
        crm: {
          campaignId: '701000000000001',
          convertedStatuses: ['Qualified'],
          countOpportunities: false,
          pollEvery: 60_000,
        },
        window: { start: '2026-03-02T00:00:00Z', end: '2026-03-12T00:00:00Z' },
        totalBudget: 75000,
        currency: 'USD',
        timezone: 'America/New_York',
      },
      targets: { conversions: 1200, conversionEvent: 'qualified_lead', cpl: { target: 65, tolerancePct: 20 } },
      responseSla: {
        tiers: { standard: { firstTouch: 86_400_000, clock: 'business', calendar: 'default', warnAt: 0.75 } },
        compliance: [{ within: 86_400_000, target: 0.95 }],
        acceptance: { within: 8 * 3_600_000, clock: 'business' },
        followUp: { attempts: 6, within: 10 * 86_400_000 },
        dispositions: { 'No response': 'nurture' },
        escalation: [],
        pools: {
          inbound: {
            managerId: 'mgr-ops-1',
            reps: [{ id: 'rep-a', weight: 1, capacity: 50, outOfOffice: false, away: [] }],
          },
        },
        intakeSkew: 5 * 60_000,
        intakeGrace: 7 * 86_400_000,
        allowedLateness: 10 * 60_000,
        attribution: 'holder',
        routing: { atIntake: false },
      },
      calendars: { default: { timezone: 'America/New_York', hours: { mon: [['09:00', '17:00']] } } },
      velocity: {
        checkEvery: 6 * 3_600_000,
        trailingWindow: 86_400_000,
        conversionLag: 0,
        rules: [],
        stability: { cooldown: 12 * 3_600_000, maxProposalsPerDay: 4, restoreMarginPct: 10 },
        pacingBand: { startPct: 25, endPct: 1 },
      },
      approvals: {
        approvers: ['ops-lead-1'],
        timeout: 4 * 3_600_000,
        onTimeout: 'reject',
        autoApprove: { reduceUpToPct: 0, pause: false },
      },
      guardrails: { maxTotalBudget: 90000, maxStepPct: 20, minTotalBudget: 0 },
      ads: { dryRun: false },
    });
  });

  it('gives each parse its own default arrays', () => {
    const first = parseCampaignConfig(minimalConfig());
    first.campaign.crm.convertedStatuses.push('Mutated');
    expect(parseCampaignConfig(minimalConfig()).campaign.crm.convertedStatuses).toEqual(['Qualified']);
  });

  it('keeps a status mapping whose rejections name reasons of the contract', () => {
    const config = minimalConfig();
    (config.campaign.crm as Record<string, unknown>).statusMapping = {
      'Working - Contacted': 'accept',
      'Closed - Not Converted': { reject: 'No response' },
    };
    expect(parseCampaignConfig(config).campaign.crm.statusMapping).toEqual({
      'Working - Contacted': 'accept',
      'Closed - Not Converted': { reject: 'No response' },
    });
    expect(parseCampaignConfig(minimalConfig()).campaign.crm.statusMapping).toBeUndefined();
  });

  it('keeps a nurture status of the contract, and refuses one no Salesforce picklist can hold', () => {
    const config = minimalConfig();
    (config.campaign.crm as Record<string, unknown>).nurtureStatus = 'Recycled - Nurture';
    expect(parseCampaignConfig(config).campaign.crm.nurtureStatus).toBe('Recycled - Nurture');
    for (const bad of ['  ', 'x'.repeat(256), 42]) {
      (config.campaign.crm as Record<string, unknown>).nurtureStatus = bad;
      expect(() => parseCampaignConfig(config)).toThrow(/campaign\.crm\.nurtureStatus/);
    }
  });

  it('strips dashes from the Google Ads customer ID', () => {
    const config = minimalConfig();
    config.campaign.ads.customerId = '123-456-7890';
    expect(parseCampaignConfig(config).campaign.ads.customerId).toBe('1234567890');
  });

  it('needs no calendars when every clock is wall time', () => {
    const config = minimalConfig();
    config.responseSla.tiers.standard.clock = 'wall';
    config.responseSla.acceptance.clock = 'wall';
    delete config.calendars.default;
    expect(parseCampaignConfig(config).calendars).toEqual({});
  });
});

describe('ConfigError', () => {
  it('lists every problem on its own line as "<path>: <message>"', () => {
    const config = minimalConfig();
    config.responseSla.tiers.standard.firstTouch = 'abc';
    config.guardrails.maxTotalBudget = 1000;
    let caught: unknown;
    try {
      parseCampaignConfig(config);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).message).toBe(
      [
        'invalid campaign config (2 problems):',
        'responseSla.tiers.standard.firstTouch: expected a duration like "24h"',
        'guardrails.maxTotalBudget: must be at least campaign.totalBudget (75000)',
      ].join('\n'),
    );
  });

  it('reports cross-field problems even when unrelated fields are also invalid', () => {
    const issues = issuesAfter((config) => {
      config.targets.conversions = -1;
      config.responseSla.followUp.attempts = 0;
      config.responseSla.escalation = [{ step: 'reassign', pool: 'nobody', after: '0s' }];
      config.responseSla.tiers.standard.calendar = 'emea';
    });
    expect(issues).toEqual([
      'targets.conversions: must be greater than 0',
      'responseSla.followUp.attempts: must be greater than 0',
      'responseSla.escalation[0].pool: pool "nobody" is not defined in responseSla.pools',
      'responseSla.tiers.standard.calendar: calendar "emea" is not defined in calendars',
    ]);
  });

  it('rejects input that is not an object at all', () => {
    expect(issuesOf(null)).toEqual(['(root): expected an object, got null']);
  });
});

describe('field errors', () => {
  it.each<[string, (config: MinimalConfig) => void, string[]]>([
    [
      'a status mapped to a rejection reason the contract does not define',
      (c) =>
        ((c.campaign.crm as Record<string, unknown>).statusMapping = {
          'Working - Contacted': 'accept',
          'Closed - Not Converted': { reject: 'Too small' },
        }),
      [
        'campaign.crm.statusMapping.Closed - Not Converted.reject: reason "Too small" is not in responseSla.dispositions (No response)',
      ],
    ],
    [
      'prototype names as Lead statuses',
      (c) =>
        ((c.campaign.crm as Record<string, unknown>).statusMapping = JSON.parse(
          '{"__proto__": "accept", "constructor": "accept", "Working - Contacted": "accept"}',
        )),
      [
        'campaign.crm.statusMapping.__proto__: is a JavaScript built-in name, not a Lead status',
        'campaign.crm.statusMapping.constructor: is a JavaScript built-in name, not a Lead status',
      ],
    ],
    [
      'an empty status mapping, and an outcome that is neither accept nor a rejection',
      (c) => ((c.campaign.crm as Record<string, unknown>).statusMapping = {}),
      ['campaign.crm.statusMapping: must map at least one status'],
    ],
    [
      'a status outcome that is neither accept nor a rejection',
      (c) => ((c.campaign.crm as Record<string, unknown>).statusMapping = { 'Working - Contacted': 'nurture' }),
      ['campaign.crm.statusMapping.Working - Contacted: expected "accept" or { reject: <disposition reason> }'],
    ],
    [
      'a conversion lag as long as the flight (nothing could ever be judged)',
      (c) => ((c.velocity as Record<string, unknown>).conversionLag = '10d'),
      ['velocity.conversionLag: must be shorter than the campaign window (10d): no check could be judged'],
    ],
    [
      'a conversion lag of centuries',
      (c) => ((c.velocity as Record<string, unknown>).conversionLag = '36500d'),
      ['velocity.conversionLag: must be shorter than the campaign window (10d): no check could be judged'],
    ],
    [
      'a negative conversion lag',
      (c) => ((c.velocity as Record<string, unknown>).conversionLag = '-1h'),
      ['velocity.conversionLag: expected a duration like "24h"'],
    ],
    [
      'a bad duration',
      (c) => (c.responseSla.tiers.standard.firstTouch = 'abc'),
      ['responseSla.tiers.standard.firstTouch: expected a duration like "24h"'],
    ],
    [
      'a duration given as a bare number',
      (c) => (c.responseSla.tiers.standard.firstTouch = 3600),
      ['responseSla.tiers.standard.firstTouch: expected a duration like "24h"'],
    ],
    [
      'a zero deadline',
      (c) => (c.responseSla.acceptance.within = '0s'),
      ['responseSla.acceptance.within: must be longer than 0s'],
    ],
    [
      'a number given as a string',
      (c) => ((c.campaign as Record<string, unknown>).totalBudget = '75000'),
      ['campaign.totalBudget: expected a number, got the string "75000"'],
    ],
    [
      'an integer field given as a string',
      (c) => ((c.targets as Record<string, unknown>).conversions = '1200'),
      ['targets.conversions: expected a number, got the string "1200"'],
    ],
    [
      'an ID given as a bare number',
      (c) => ((c.campaign.ads as Record<string, unknown>).campaignId = 555),
      ['campaign.ads.campaignId: expected a string, got number 555'],
    ],
    [
      'a fractional count',
      (c) => (c.targets.conversions = 12.5),
      ['targets.conversions: expected a whole number, got number 12.5'],
    ],
    ['a missing field', (c) => delete (c as Partial<MinimalConfig>).version, ['version: required']],
    [
      'a misspelt field',
      (c) => (c.responseSla.tiers.standard = { firstTouh: '1h' }),
      ['responseSla.tiers.standard.firstTouch: required', 'responseSla.tiers.standard.firstTouh: unknown field'],
    ],
    [
      'an unknown clock',
      (c) => (c.responseSla.tiers.standard.clock = 'walls'),
      ['responseSla.tiers.standard.clock: expected "wall" or "business", got the string "walls"'],
    ],
    [
      'an unknown rule kind',
      (c) => (c.velocity.rules = [{ kind: 'spend-spike', action: 'pause' }]),
      [
        'velocity.rules[0].kind: expected one of "velocity-below", "conversion-rate-drop", "cpl-above-band", ' +
          '"pacing-above-band", "capacity-short", "velocity-above", "recovered", got the string "spend-spike"',
      ],
    ],
    [
      'a rule without a kind',
      (c) => (c.velocity.rules = [{ action: 'pause' }]),
      [
        'velocity.rules[0].kind: required (one of "velocity-below", "conversion-rate-drop", "cpl-above-band", ' +
          '"pacing-above-band", "capacity-short", "velocity-above", "recovered")',
      ],
    ],
    [
      'an uppercase campaign id',
      (c) => (c.campaign.id = 'Spring Promo'),
      ['campaign.id: expected 1-63 lowercase letters, digits, "-" or "_", starting with a letter or digit'],
    ],
    [
      'a short Google Ads customer ID',
      (c) => (c.campaign.ads.customerId = '123-456'),
      ['campaign.ads.customerId: expected a 10-digit Google Ads customer ID like "123-456-7890"'],
    ],
    [
      'a Salesforce id of the wrong length',
      (c) => (c.campaign.crm.campaignId = '701abc'),
      ['campaign.crm.campaignId: expected a 15- or 18-character Salesforce Campaign Id like "701000000000001"'],
    ],
    [
      'a window without an offset',
      (c) => (c.campaign.window.start = '2026-03-02T00:00:00'),
      ['campaign.window.start: expected an ISO datetime with an offset, like "2026-03-02T00:00:00Z"'],
    ],
    [
      'a lowercase currency',
      (c) => (c.campaign.currency = 'usd'),
      ['campaign.currency: expected a 3-letter currency code like "USD"'],
    ],
    [
      'an unknown time zone',
      (c) => (c.campaign.timezone = 'Mars/Olympus'),
      ['campaign.timezone: unknown IANA time zone "Mars/Olympus"'],
    ],
    ['a negative budget', (c) => (c.campaign.totalBudget = -5), ['campaign.totalBudget: must be greater than 0']],
    [
      'an unknown disposition route',
      (c) => (c.responseSla.dispositions['Not ICP'] = 'trash'),
      ['responseSla.dispositions.Not ICP: expected "nurture" or "recycle", got the string "trash"'],
    ],
    [
      'a tier name with spaces',
      (c) => (c.responseSla.tiers['high intent'] = { firstTouch: '1h', clock: 'wall' }),
      [
        'responseSla.tiers.high intent: names may only use letters, digits, "-" and "_" (starting with a letter or digit)',
      ],
    ],
    [
      'an approver given as an email',
      (c) => (c.approvals.approvers = ['ops@example.com']),
      ['approvals.approvers[0]: must be an ID, not an email address'],
    ],
    [
      'an unknown onTimeout',
      (c) => (c.approvals.onTimeout = 'ignore'),
      ['approvals.onTimeout: expected "apply" or "reject" or "escalate", got the string "ignore"'],
    ],
  ])('reports %s', (_name, edit, expected) => {
    expect(issuesAfter(edit)).toEqual(expected);
  });
});

describe('cross-field rules', () => {
  it.each<[string, (config: MinimalConfig) => void, string[]]>([
    [
      'a window that ends before it starts',
      (c) => (c.campaign.window = { start: '2026-03-12T00:00:00Z', end: '2026-03-12T00:00:00+01:00' }),
      ['campaign.window.end: must be after campaign.window.start'],
    ],
    [
      'a tier naming an undefined calendar',
      (c) => (c.responseSla.tiers.standard.calendar = 'emea'),
      ['responseSla.tiers.standard.calendar: calendar "emea" is not defined in calendars'],
    ],
    [
      'a wall-clock tier naming an undefined calendar',
      (c) => (c.responseSla.tiers.standard = { firstTouch: '1h', clock: 'wall', calendar: 'emea' }),
      ['responseSla.tiers.standard.calendar: calendar "emea" is not defined in calendars'],
    ],
    [
      'a business-time tier without a default calendar',
      (c) => delete c.calendars.default,
      ['responseSla.tiers.standard.calendar: calendar "default" is not defined in calendars'],
    ],
    [
      'business-time acceptance without a default calendar',
      (c) => {
        c.responseSla.tiers.standard.clock = 'wall';
        delete c.calendars.default;
      },
      [
        'responseSla.tiers.standard.calendar: calendar "default" is not defined in calendars ' +
          '(needed because responseSla.acceptance.clock is "business")',
      ],
    ],
    [
      'a reassign step naming an undefined pool',
      (c) =>
        (c.responseSla.escalation = [
          { step: 'notify-owner', after: '0s' },
          { step: 'reassign', pool: 'outbound', after: '15m' },
        ]),
      ['responseSla.escalation[1].pool: pool "outbound" is not defined in responseSla.pools'],
    ],
    [
      'escalation steps out of order',
      (c) =>
        (c.responseSla.escalation = [
          { step: 'notify-owner', after: '30m' },
          { step: 'notify-manager', after: '15m' },
        ]),
      ["responseSla.escalation[1].after: must not be earlier than the previous step's (30m)"],
    ],
    ['no pools', (c) => (c.responseSla.pools = {}), ['responseSla.pools: must define at least one pool']],
    [
      'a pool without reps',
      (c) => (c.responseSla.pools.inbound = { managerId: 'mgr-ops-1', reps: [] }),
      ['responseSla.pools.inbound.reps: a pool needs at least one rep'],
    ],
    [
      'a duplicate rep',
      (c) => (c.responseSla.pools.inbound = { managerId: 'mgr-ops-1', reps: [{ id: 'rep-a' }, { id: 'rep-a' }] }),
      ['responseSla.pools.inbound.reps[1].id: duplicate rep id "rep-a"'],
    ],
    ['no tiers', (c) => (c.responseSla.tiers = {}), ['responseSla.tiers: must define at least one tier']],
    [
      'a compliance target given as a percentage',
      (c) => (c.responseSla.compliance = [{ within: '1h', target: 90 }]),
      ['responseSla.compliance[0].target: must be a share between 0 and 1 (e.g. 0.9 for 90%)'],
    ],
    [
      'a zero compliance target',
      (c) => (c.responseSla.compliance = [{ within: '1h', target: 0 }]),
      ['responseSla.compliance[0].target: must be a share between 0 and 1 (e.g. 0.9 for 90%)'],
    ],
    [
      'no compliance targets',
      (c) => (c.responseSla.compliance = []),
      ['responseSla.compliance: must list at least one compliance target'],
    ],
    [
      'warnAt of 1',
      (c) => (c.responseSla.tiers.standard.warnAt = 1),
      ['responseSla.tiers.standard.warnAt: must be less than 1'],
    ],
    [
      'warnAt of 0',
      (c) => (c.responseSla.tiers.standard.warnAt = 0),
      ['responseSla.tiers.standard.warnAt: must be greater than 0'],
    ],
    ['no approvers', (c) => (c.approvals.approvers = []), ['approvals.approvers: must list at least one approver']],
    [
      'a duplicate approver',
      (c) => (c.approvals.approvers = ['ops-lead-1', 'ops-lead-1']),
      ['approvals.approvers[1]: duplicate approver "ops-lead-1"'],
    ],
    [
      'a finance cap below the campaign budget',
      (c) => (c.guardrails.maxTotalBudget = 70000),
      ['guardrails.maxTotalBudget: must be at least campaign.totalBudget (75000)'],
    ],
    [
      'a budget floor above the campaign budget',
      (c) => (c.guardrails.minTotalBudget = 80000),
      ['guardrails.minTotalBudget: must not exceed campaign.totalBudget (75000)'],
    ],
    [
      'a budget floor above the cap',
      (c) => {
        c.guardrails.maxTotalBudget = 75000;
        c.guardrails.minTotalBudget = 76000;
      },
      // The comparison with campaign.totalBudget waits until guardrails itself is consistent.
      ['guardrails.minTotalBudget: must not exceed guardrails.maxTotalBudget'],
    ],
    [
      'no dispositions',
      (c) => (c.responseSla.dispositions = {}),
      ['responseSla.dispositions: must define at least one disposition reason'],
    ],
    [
      'a malformed quarter key',
      (c) => Object.assign(c.targets, { quarters: { '2026-Q5': { conversions: 900, cplTarget: 60 } } }),
      ['targets.quarters.2026-Q5: quarter keys must look like "2027-Q1"'],
    ],
    [
      'a decreasing baseline curve that does not end at 1',
      (c) => Object.assign(c.targets, { baselineCurve: [0.2, 0.1, 0.9] }),
      [
        'targets.baselineCurve[1]: must not be less than the previous value (0.2)',
        'targets.baselineCurve[2]: the last value must be 1 (every conversion is expected by the end of the window)',
      ],
    ],
    [
      'a reduce rule without pct',
      (c) => (c.velocity.rules = [{ kind: 'cpl-above-band', action: 'reduce' }]),
      ['velocity.rules[0].pct: required when action is "reduce"'],
    ],
    [
      'a pause rule with pct',
      (c) => (c.velocity.rules = [{ kind: 'velocity-below', afterDays: 7, belowPct: 70, action: 'pause', pct: 10 }]),
      ['velocity.rules[0].pct: only applies when action is "reduce" or "increase"'],
    ],
    [
      'an increase rule without pct',
      (c) => (c.velocity.rules = [{ kind: 'velocity-above', abovePct: 110, action: 'increase' }]),
      ['velocity.rules[0].pct: required'],
    ],
  ])('reports %s', (_name, edit, expected) => {
    expect(issuesAfter(edit)).toEqual(expected);
  });

  it('prefixes calendar problems with calendars.<name>.', () => {
    const badCalendar = {
      timezone: 'America/New_York',
      hours: { mon: [['17:00', '09:00']] as Array<[string, string]> },
      holidays: ['2026-13-01'],
    };
    const expected = validateCalendar(badCalendar).map((problem) => `calendars.default.${problem}`);
    // Two distinct problems, at paths the calendar module names, nested under the calendar's name.
    expect(expected).toHaveLength(2);
    expect(expected[0]).toMatch(/^calendars\.default\.hours\.mon\[0\]: /);
    expect(expected[1]).toMatch(/^calendars\.default\.holidays\[0\]: /);
    expect(issuesAfter((c) => (c.calendars.default = badCalendar))).toEqual(expected);
  });
});

describe('business-time durations must fit what their calendar can place', () => {
  // The minimal config's default calendar is open Mondays 09:00-17:00 in New York: 8h a week, 832h in 104 weeks.
  const weekdays = (windows: Array<[string, string]>) => ({
    mon: windows,
    tue: windows,
    wed: windows,
    thu: windows,
    fri: windows,
  });
  /** Every weekday (Mon-Fri) of a year, as local dates. */
  const weekdaysOf = (year: number) => {
    const dates: string[] = [];
    for (let day = DateTime.utc(year, 1, 1); day.year === year; day = day.plus({ days: 1 }))
      if (day.weekday <= 5) dates.push(day.toISODate() as string);
    return dates;
  };

  it.each<[string, (config: MinimalConfig) => void, string[]]>([
    [
      "a business tier's first touch given as '99999d'",
      (c) => (c.responseSla.tiers.standard.firstTouch = '99999d'),
      [
        'responseSla.tiers.standard.firstTouch: 99999d (2399976h) of business time is more than calendar "default" can place: ' +
          'at most 832h (104 weeks of its 8h business week)',
      ],
    ],
    [
      'a duration 1ms past the bound',
      (c) => (c.responseSla.tiers.standard.firstTouch = '832h1ms'),
      [
        'responseSla.tiers.standard.firstTouch: 34d16h1ms (832h1ms) of business time is more than calendar "default" can place: ' +
          'at most 832h (104 weeks of its 8h business week)',
      ],
    ],
    [
      'a business milestone of a year',
      (c) =>
        Object.assign(c.responseSla, {
          milestones: { 'close-365d': { stop: 'accepted', within: '365d', clock: 'business' } },
        }),
      [
        'responseSla.milestones.close-365d.within: 365d (8760h) of business time is more than calendar "default" can place: ' +
          'at most 832h (104 weeks of its 8h business week)',
      ],
    ],
    [
      "business-time acceptance, on each tier's calendar",
      (c) => {
        c.responseSla.acceptance = { within: '40d', clock: 'business' };
        c.responseSla.tiers = {
          standard: { firstTouch: '24h' },
          'high-intent': { firstTouch: '1h', clock: 'wall' },
          emea: { firstTouch: '24h', calendar: 'emea' },
        };
        c.calendars.emea = { timezone: 'Europe/London', hours: weekdays([['09:00', '17:00']]) };
      },
      [
        'responseSla.acceptance.within: 40d (960h) of business time is more than calendar "default" (the calendar of tiers ' +
          '"standard", "high-intent") can place: at most 832h (104 weeks of its 8h business week)',
      ],
    ],
    [
      "a compliance target, reached in each business tier's time",
      (c) =>
        (c.responseSla.compliance = [
          { within: '1h', target: 0.8 },
          { within: '35d', target: 0.95 },
        ]),
      [
        'responseSla.compliance[1].within: 35d (840h) of business time is more than calendar "default" (the calendar of tier ' +
          '"standard") can place: at most 832h (104 weeks of its 8h business week)',
      ],
    ],
    [
      'one 15-minute window a week whose every Monday for two years is a holiday',
      (c) =>
        (c.calendars.default = {
          timezone: 'America/New_York',
          hours: { mon: [['09:00', '09:15']] },
          holidays: [...weekdaysOf(2027), ...weekdaysOf(2028)],
        }),
      [
        'responseSla.tiers.standard.firstTouch: 1d (24h) of business time is more than calendar "default" can place: ' +
          'at most 0s (104 weeks of its 15m business week, less 26h for its holidays)',
        'responseSla.acceptance.within: 8h of business time is more than calendar "default" (the calendar of tier ' +
          '"standard") can place: at most 0s (104 weeks of its 15m business week, less 26h for its holidays)',
        'responseSla.compliance[0].within: 1d (24h) of business time is more than calendar "default" (the calendar of tier ' +
          '"standard") can place: at most 0s (104 weeks of its 15m business week, less 26h for its holidays)',
      ],
    ],
    [
      'a duration that fits 104 weeks, but not after a year of holidays',
      (c) => {
        c.calendars.default = {
          timezone: 'America/New_York',
          hours: weekdays([['09:00', '17:00']]),
          holidays: weekdaysOf(2027),
        };
        c.responseSla.tiers.standard.firstTouch = '3000h';
      },
      [
        'responseSla.tiers.standard.firstTouch: 125d (3000h) of business time is more than calendar "default" can place: ' +
          'at most 2072h (104 weeks of its 40h business week, less 2088h for its holidays)',
      ],
    ],
    [
      'an invalid calendar: its own problem only',
      (c) => {
        c.calendars.default = { timezone: 'America/New_York', hours: { mon: [['17:00', '09:00']] } };
        c.responseSla.tiers.standard.firstTouch = '99999d';
      },
      ['calendars.default.hours.mon[0]: end "09:00" is not after start "17:00"'],
    ],
  ])('refuses %s', (_name, edit, expected) => {
    expect(issuesAfter(edit)).toEqual(expected);
  });

  it('accepts a duration exactly at the bound, and wall-clock durations of any length', () => {
    const config = minimalConfig();
    config.responseSla.tiers.standard.firstTouch = '832h';
    config.responseSla.tiers.hot = { firstTouch: '99999d', clock: 'wall' };
    config.responseSla.followUp.within = '99999d';
    Object.assign(config.responseSla, { milestones: { slow: { stop: 'accepted', within: '99999d' } } });
    expect(parseCampaignConfig(config).responseSla.tiers.standard.firstTouch).toBe(832 * 60 * 60 * 1000);
  });

  it('refuses the seed terms with a business milestone of a year, before any lead is admitted', () => {
    const raw = seedTermsConfig({
      responseSla: { milestones: { 'close-365d': { stop: 'accepted', within: '365d', clock: 'business' } } },
    });
    // The amendSla Update's validator checks an amendment through this same parse path.
    expect(validateCampaignConfig(raw)).toEqual({
      issues: [
        {
          path: ['responseSla', 'milestones', 'close-365d', 'within'],
          message:
            '365d (8760h) of business time is more than calendar "default" can place: ' +
            'at most 4152h (104 weeks of its 40h business week, less 8h for its holidays)',
        },
      ],
    });
  });

  describe('property: a config the validation accepts places all its business-time durations', () => {
    const FROM = Date.parse('2020-01-01T00:00:00Z');
    const UNTIL = Date.parse('2036-01-01T00:00:00Z');
    const DAY_MS = 24 * 60 * 60 * 1000;
    // DST changes at 00:00 (Havana, Santiago), by 30 minutes (Lord Howe), by 2 hours (Troll), around Ramadan
    // (Casablanca), and a skipped day (Apia, 2011): the bound must hold wherever the windows fall.
    const zones = [
      'UTC',
      'America/New_York',
      'America/Havana',
      'America/Santiago',
      'Australia/Lord_Howe',
      'Antarctica/Troll',
      'Africa/Casablanca',
      'Pacific/Apia',
      'Asia/Kathmandu',
    ];
    const quarterHour = (q: number) =>
      q === 96 ? '24:00' : `${String(Math.floor(q / 4)).padStart(2, '0')}:${String((q % 4) * 15).padStart(2, '0')}`;
    // A day's windows: sorted distinct quarter-hour cut points, paired.
    const dayWindows = fc.uniqueArray(fc.integer({ min: 0, max: 96 }), { maxLength: 4 }).map((cuts) => {
      const sorted = [...cuts].sort((a, b) => a - b);
      const windows: Array<[string, string]> = [];
      for (let i = 0; i + 1 < sorted.length; i += 2) windows.push([quarterHour(sorted[i]), quarterHour(sorted[i + 1])]);
      return windows;
    });
    // Holidays: runs of consecutive days (a holiday-heavy year is one long run) anywhere from 2019 to 2036.
    const holidayRuns = fc.array(
      fc.record({
        start: fc.integer({ min: Date.parse('2019-01-01T00:00:00Z') / DAY_MS, max: UNTIL / DAY_MS }),
        length: fc.integer({ min: 1, max: 400 }),
      }),
      { maxLength: 4 },
    );
    const calendars = fc
      .record({
        timezone: fc.constantFrom(...zones),
        hours: fc.record({ mon: dayWindows, tue: dayWindows, sat: dayWindows, sun: dayWindows }),
        runs: holidayRuns,
      })
      .map(({ timezone, hours, runs }) => {
        const holidays = new Set<string>();
        for (const run of runs)
          for (let day = run.start; day < run.start + run.length; day++)
            holidays.add(new Date(day * DAY_MS).toISOString().slice(0, 10));
        return { timezone, hours, holidays: [...holidays] } satisfies BusinessCalendar;
      })
      .filter((calendar) => validateCalendar(calendar).length === 0);
    // Durations as a share of what the calendar is sure to place: mostly the bound itself or below it, sometimes up
    // to a fifth beyond it (refused); a share of 0 is 1ms.
    const shares = fc.oneof(
      { arbitrary: fc.constant(1), weight: 3 },
      { arbitrary: fc.double({ min: 0, max: 1, noNaN: true }), weight: 4 },
      { arbitrary: fc.double({ min: 1, max: 1.2, noNaN: true }), weight: 1 },
    );

    it('from any start in 2020-2035, without throwing', () => {
      let accepted = 0;
      fc.assert(
        fc.property(
          calendars,
          fc.tuple(shares, shares, shares, shares),
          fc.array(fc.integer({ min: FROM, max: UNTIL }), { minLength: 1, maxLength: 3 }),
          (calendar, [firstTouch, acceptance, compliance, milestone], starts) => {
            const { maxMs } = placeableBusinessTime(calendar);
            const duration = (share: number) => formatDuration(Math.max(1, Math.round(share * maxMs)));
            const raw = minimalConfig();
            raw.calendars.default = calendar;
            raw.responseSla.tiers.standard.firstTouch = duration(firstTouch);
            raw.responseSla.acceptance = { within: duration(acceptance), clock: 'business' };
            raw.responseSla.compliance = [{ within: duration(compliance), target: 0.9 }];
            Object.assign(raw.responseSla, {
              milestones: { m: { stop: 'accepted', within: duration(milestone), clock: 'business' } },
            });
            const result = validateCampaignConfig(raw);
            if ('issues' in result) return;
            accepted++;
            const config = result.config;
            const sla = config.responseSla;
            const placed = config.calendars.default as BusinessCalendar;
            // Each duration as the clocks add it; a compliance target is also reached 1ms past (sla/openFigures.ts).
            const durations = [
              sla.tiers.standard.firstTouch,
              sla.acceptance.within,
              sla.compliance[0].within + 1,
              sla.milestones?.m.within ?? 0,
            ];
            // The worst starts: just before each stretch of holidays, besides the random ones.
            const worst = calendar.holidays.map((date) => Date.parse(`${date}T00:00:00Z`) - DAY_MS);
            for (const start of [...starts, ...worst.filter((at) => at >= FROM && at <= UNTIL).slice(0, 4)])
              for (const ms of durations) expect(() => addBusinessMs(start, ms, placed)).not.toThrow();
          },
        ),
        { numRuns: 60 },
      );
      // Guards against the generators producing only refused configs.
      expect(accepted).toBeGreaterThan(10);
    });
  });
});

describe('parseCampaignConfigText', () => {
  const minimalYaml = () => JSON.stringify(minimalConfig(), null, 2);

  it('accepts JSON, since JSON is YAML', () => {
    expect(parseCampaignConfigText(minimalYaml(), 'campaign.json').campaign.id).toBe('spring-promo-2026');
  });

  it('names the file, line and column of a YAML syntax error', () => {
    const text = ['version: 1', 'campaign:', '  id: [spring', 'targets: {}'].join('\n');
    expect(() => parseCampaignConfigText(text, 'campaigns/spring.yaml')).toThrow(ConfigError);
    try {
      parseCampaignConfigText(text, 'campaigns/spring.yaml');
    } catch (error) {
      const { issues, message } = error as ConfigError;
      expect(message.split('\n')[0]).toMatch(/^invalid campaign config in campaigns\/spring\.yaml \(\d+ problems?\):$/);
      expect(issues[0]).toMatch(/^campaigns\/spring\.yaml:[34]:\d+: YAML syntax error: /);
    }
  });

  it('rejects duplicate keys as a syntax error on the duplicate line', () => {
    const text = ['version: 1', 'version: 2'].join('\n');
    expect(() => parseCampaignConfigText(text, 'dup.yaml')).toThrow(
      /dup\.yaml:2:1: YAML syntax error: Map keys must be unique/,
    );
  });

  it('says which line a validation problem is on', () => {
    const text = minimalYaml().replace('"firstTouch": "24h"', '"firstTouch": "soon"');
    const line =
      minimalYaml()
        .split('\n')
        .findIndex((l) => l.includes('"firstTouch"')) + 1;
    expect(() => parseCampaignConfigText(text, 'spring.json')).toThrow(
      `responseSla.tiers.standard.firstTouch: expected a duration like "24h" (spring.json line ${line})`,
    );
  });

  it('locates a problem inside a list item of a real example', () => {
    const original = readFileSync(path.join(EXAMPLES_DIR, 'case-example.yaml'), 'utf8');
    const text = original.replace('pool: promo-swarm', 'pool: nowhere');
    const line = text.split('\n').findIndex((l) => l.includes('pool: nowhere')) + 1;
    expect(line).toBeGreaterThan(0);
    expect(() => parseCampaignConfigText(text, 'case.yaml')).toThrow(
      `responseSla.escalation[1].pool: pool "nowhere" is not defined in responseSla.pools (case.yaml line ${line})`,
    );
  });

  it('points a missing field at its parent key', () => {
    const text = ['version: 1', 'campaign:', '  id: spring'].join('\n');
    try {
      parseCampaignConfigText(text, 'partial.yaml');
      expect.unreachable('partial config must be rejected');
    } catch (error) {
      expect((error as ConfigError).issues).toContain('campaign.ads: required (partial.yaml line 2)');
      expect((error as ConfigError).issues).toContain('targets: required (partial.yaml line 1)');
    }
  });
});
