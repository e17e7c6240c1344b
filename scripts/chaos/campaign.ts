// The chaos campaign: wall-clock SLAs of seconds so breaches and whole escalation chains happen within
// a run, CRM polling off (every lead and touch comes from the driver's Updates, so the driver knows
// each event time exactly), and the lead plan: who arrives when, who is touched on time, late or never.
import { SeededRandom } from '../../activities/sandbox/seededRandom';
import { parseCampaignConfig } from '../../sla/config';
import type { NewLead } from '../../sla/leadEvents';

const TIER_SLA_MS = { 'high-intent': 30_000, standard: 45_000 } as const;
type ChaosTier = keyof typeof TIER_SLA_MS;
const WARN_AT = 0.75;
/** The escalation chain, in the order and at the offsets after the breach the config gives it. */
/**
 * A milestone nothing in the chaos feed stops (no lead is accepted or rejected), due before any lead can be
 * nurtured (the earliest at 30 s + 9 s): every lead breaches it at exactly createdAt + 20 s, through kills and faults.
 */
export const MILESTONE = { name: 'disposition-20s', withinMs: 20_000 } as const;

export const ESCALATION = [
  { step: 'notify-owner', afterMs: 0 },
  { step: 'reassign', afterMs: 3_000 },
  { step: 'notify-manager', afterMs: 6_000 },
  { step: 'return-to-nurture', afterMs: 9_000 },
] as const;
const INBOUND_REPS = ['chaos-rep-1', 'chaos-rep-2', 'chaos-rep-3', 'chaos-rep-4'];
const OVERFLOW_REPS = ['chaos-rep-5', 'chaos-rep-6'];
/** Far above any run's lead count, so a reassignment never hits a capacity cap (the chain stays exact). */
const CAPACITY = 100_000;
const DAY = 86_400_000;

export function chaosCampaignConfig(campaignId: string, now: number): Record<string, unknown> {
  const reps = (ids: string[]) => ids.map((id) => ({ id, capacity: CAPACITY }));
  const raw = {
    version: 1,
    campaign: {
      id: campaignId,
      name: 'Chaos run',
      ads: { customerId: '000-000-0042', campaignId: '4242' },
      crm: { campaignId: '701000000000042', convertedStatuses: ['Qualified'], pollEvery: '0s' },
      window: { start: new Date(now - DAY).toISOString(), end: new Date(now + 30 * DAY).toISOString() },
      totalBudget: 50_000,
      currency: 'USD',
      timezone: 'UTC',
    },
    targets: { conversions: 5000, conversionEvent: 'qualified_lead', cpl: { target: 10, tolerancePct: 20 } },
    responseSla: {
      tiers: Object.fromEntries(
        Object.entries(TIER_SLA_MS).map(([tier, ms]) => [
          tier,
          { firstTouch: `${ms / 1000}s`, clock: 'wall', warnAt: WARN_AT },
        ]),
      ),
      compliance: [
        { within: '30s', target: 0.8 },
        { within: '45s', target: 0.95 },
      ],
      // Longer than any run, and one attempt meets the follow-up: only first-touch clocks fall due.
      acceptance: { within: '2h', clock: 'wall' },
      followUp: { attempts: 1, within: '2h' },
      dispositions: { 'No response': 'nurture', 'Not ICP': 'recycle' },
      escalation: ESCALATION.map(({ step, afterMs }) =>
        step === 'reassign'
          ? { step, pool: 'overflow', after: `${afterMs / 1000}s` }
          : { step, after: `${afterMs / 1000}s` },
      ),
      pools: {
        inbound: { managerId: 'chaos-manager-1', reps: reps(INBOUND_REPS) },
        overflow: { managerId: 'chaos-manager-2', reps: reps(OVERFLOW_REPS) },
      },
      milestones: {
        [MILESTONE.name]: { stop: ['accepted', 'rejected'], within: `${MILESTONE.withinMs / 1000}s`, escalate: false },
      },
    },
    // Velocity checks keep the Ads port busy (and under faults) during the run.
    velocity: {
      checkEvery: '30s',
      trailingWindow: '2m',
      rules: [
        { kind: 'velocity-below', afterDays: 0, belowPct: 70, action: 'pause' },
        { kind: 'recovered', action: 'restore' },
      ],
    },
    approvals: { approvers: ['chaos-ops'], timeout: '10m', onTimeout: 'reject' },
    guardrails: { maxTotalBudget: 60_000, maxStepPct: 20 },
  };
  parseCampaignConfig(raw);
  return raw;
}

type TouchKind = 'on-time' | 'late' | 'never';

export interface PlannedLead {
  leadId: string;
  tier: ChaosTier;
  ownerId: string;
  createdAt: number;
  kind: TouchKind;
  /** The rep's first touch (the event time the driver reports); undefined: never touched. */
  touchAt?: number;
  deadline: number;
  warnAt: number;
}

/** Late touches land between escalation steps, at least this far from any step's due time, so the expected chain is unambiguous. */
const STEP_MARGIN_MS = 500;

/**
 * `count` leads arriving evenly over `feedMs` from `start`: 75% touched well before the warning point,
 * 15% touched after the deadline (during the escalation chain, before its last step), 10% never.
 */
export function planLeads(opts: {
  prefix: string;
  count: number;
  start: number;
  feedMs: number;
  seed: string;
}): PlannedLead[] {
  const random = new SeededRandom(opts.seed);
  const between = (low: number, high: number) => low + random.next() * (high - low);
  const lastStep = ESCALATION[ESCALATION.length - 1].afterMs;
  return Array.from({ length: opts.count }, (_, i) => {
    const tier: ChaosTier = random.next() < 0.3 ? 'high-intent' : 'standard';
    const sla = TIER_SLA_MS[tier];
    const createdAt = Math.round(opts.start + (i * opts.feedMs) / opts.count + between(0, 200));
    const deadline = createdAt + sla;
    const roll = random.next();
    const kind: TouchKind = roll < 0.75 ? 'on-time' : roll < 0.9 ? 'late' : 'never';
    let touchAt: number | undefined;
    if (kind === 'on-time') touchAt = Math.round(createdAt + between(0.1, 0.6) * sla);
    if (kind === 'late') {
      // Between two consecutive steps of the chain, never within STEP_MARGIN_MS of one.
      const gap = Math.floor(between(0, ESCALATION.length - 1));
      const from = ESCALATION[gap].afterMs + STEP_MARGIN_MS;
      const to = Math.min(ESCALATION[gap + 1].afterMs, lastStep) - STEP_MARGIN_MS;
      touchAt = Math.round(deadline + between(Math.max(from, 1_000), to));
    }
    return {
      leadId: `${opts.prefix}-${i}`,
      tier,
      ownerId: INBOUND_REPS[i % INBOUND_REPS.length],
      createdAt,
      kind,
      touchAt,
      deadline,
      warnAt: createdAt + Math.round(sla * WARN_AT),
    };
  });
}

/** What a correct engine must do with a planned lead, derived from event times alone. */
export interface Expectation {
  breach: boolean;
  warn: boolean;
  /** Indices of the escalation steps due before the touch (all of them when never touched). */
  steps: number[];
  nurtured: boolean;
  /** Still in the workflow's lead book at the end (touched leads wait for acceptance; nurtured ones retire). */
  open: boolean;
}

export function expectationFor(lead: PlannedLead): Expectation {
  const touch = lead.touchAt ?? Number.POSITIVE_INFINITY;
  const breach = touch > lead.deadline;
  return {
    breach,
    warn: touch > lead.warnAt,
    steps: breach ? ESCALATION.flatMap((s, i) => (lead.deadline + s.afterMs < touch ? [i] : [])) : [],
    nurtured: lead.touchAt === undefined,
    open: lead.touchAt !== undefined,
  };
}

export const newLead = (lead: PlannedLead): NewLead => ({
  leadId: lead.leadId,
  tier: lead.tier,
  ownerId: lead.ownerId,
  createdAt: new Date(lead.createdAt).toISOString(),
});
