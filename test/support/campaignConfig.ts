// Raw campaign configs for workflow tests, written as a campaign file would be (durations as strings).
type Raw = Record<string, unknown>;

const businessWeek = {
  timezone: 'America/New_York',
  hours: {
    mon: [['09:00', '17:00']],
    tue: [['09:00', '17:00']],
    wed: [['09:00', '17:00']],
    thu: [['09:00', '17:00']],
    fri: [['09:00', '17:00']],
  },
  holidays: ['2026-11-26'],
};

/** A campaign on the seed's terms: high-intent 1h wall clock, standard 24 business hours, 80%/95% targets. */
export function seedTermsConfig(
  overrides: {
    id?: string;
    window?: { start: string; end: string };
    escalation?: Raw[];
    responseSla?: Raw;
    crmPollEvery?: string;
    nurtureStatus?: string;
    velocity?: Raw;
    approvals?: Raw;
  } = {},
): Raw {
  return {
    version: 1,
    campaign: {
      id: overrides.id ?? 'seed-terms',
      name: 'Seed terms',
      ads: { customerId: '1234567890', campaignId: '555' },
      crm: {
        campaignId: '701000000000001',
        pollEvery: overrides.crmPollEvery ?? '0s',
        ...(overrides.nurtureStatus ? { nurtureStatus: overrides.nurtureStatus } : {}),
      },
      window: overrides.window ?? { start: '2026-01-01T00:00:00Z', end: '2027-12-31T00:00:00Z' },
      totalBudget: 100000,
      currency: 'USD',
      timezone: 'America/New_York',
    },
    targets: { conversions: 500, conversionEvent: 'mql', cpl: { target: 200, tolerancePct: 20 } },
    responseSla: {
      tiers: {
        'high-intent': { firstTouch: '1h', clock: 'wall', warnAt: 0.75 },
        standard: { firstTouch: '24h', clock: 'business', calendar: 'default', warnAt: 0.75 },
      },
      compliance: [
        { within: '1h', target: 0.8 },
        { within: '24h', target: 0.95 },
      ],
      acceptance: { within: '8h', clock: 'business' },
      followUp: { attempts: 6, within: '10d' },
      dispositions: { 'No response': 'nurture', 'Not ICP': 'recycle', 'Bad timing': 'nurture', Competitor: 'recycle' },
      escalation: overrides.escalation ?? [
        { step: 'notify-owner', after: '0s' },
        { step: 'reassign', pool: 'inbound', after: '15m' },
        { step: 'notify-manager', after: '30m' },
        { step: 'return-to-nurture', after: '1h' },
      ],
      pools: {
        inbound: {
          managerId: 'mgr-1',
          reps: [
            { id: 'rep-a', weight: 2, capacity: 1000 },
            { id: 'rep-b', capacity: 1000 },
            { id: 'rep-c', capacity: 1000 },
            { id: 'rep-d', capacity: 1000, outOfOffice: true },
          ],
        },
        ...((overrides.responseSla?.pools as Raw | undefined) ?? {}),
      },
      intakeSkew: '5m',
      ...(overrides.responseSla?.attribution ? { attribution: overrides.responseSla.attribution } : {}),
      ...(overrides.responseSla?.routing ? { routing: overrides.responseSla.routing } : {}),
      ...(overrides.responseSla?.milestones ? { milestones: overrides.responseSla.milestones } : {}),
      ...(overrides.responseSla?.pauseWhile ? { pauseWhile: overrides.responseSla.pauseWhile } : {}),
    },
    calendars: { default: businessWeek },
    velocity: overrides.velocity ?? {
      checkEvery: '1d',
      rules: [{ kind: 'velocity-below', afterDays: 7, belowPct: 70, action: 'pause' }],
    },
    approvals: overrides.approvals ?? { approvers: ['ops-lead-1'], timeout: '4h', onTimeout: 'reject' },
    guardrails: { maxTotalBudget: 120000, maxStepPct: 20 },
  };
}
