// Checks ledger records before they reach SQL, so a bad value fails with the path of the field
// instead of a Postgres cast error that names neither the record nor the field.
import type {
  BudgetChangeRecord,
  ClockOutcomeRecord,
  ConfigVersionRecord,
  DecisionRecord,
  EscalationStepRecord,
  LeadActivityBatch,
  LeadEventRecord,
  LeadRecord,
  ProposalRecord,
  QuarterReportRecord,
  VelocitySnapshotRecord,
} from '../../sla/records';
import { instantOfIso } from '../../sla/isoInstant';

// An explicit offset is required: without one Postgres would read the time in the session's zone.
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

// JSON.stringify would show NaN and Infinity as null.
function show(value: unknown): string {
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

/** A field's rule: a check that allocates nothing when it holds, and what to say when it does not. */
interface Rule {
  holds(value: unknown): boolean;
  problem(value: unknown): string;
}

const timestamp: Rule = {
  // The form the workflows write is read by arithmetic; any other offset form by the pattern and Date.
  holds: (value) =>
    typeof value === 'string' &&
    (instantOfIso(value) !== undefined || (ISO_WITH_OFFSET.test(value) && !Number.isNaN(Date.parse(value)))),
  problem: (value) => `${show(value)} is not an ISO timestamp with an offset`,
};
const nonEmpty: Rule = {
  holds: (value) => typeof value === 'string' && value !== '',
  problem: () => 'must be a non-empty string',
};
const integerFrom = (min: number): Rule => ({
  holds: (value) => typeof value === 'number' && Number.isSafeInteger(value) && value >= min,
  problem: (value) => `${show(value)} is not an integer${min > -Infinity ? ` >= ${min}` : ''}`,
});
const optional = (rule: Rule): Rule => ({
  holds: (value) => value === undefined || rule.holds(value),
  problem: rule.problem,
});
const count = integerFrom(0);

function check(rule: Rule, value: unknown, path: string): void {
  if (!rule.holds(value)) throw new Error(`${path}: ${rule.problem(value)}`);
}

export function checkTimestamp(value: unknown, path: string): void {
  check(timestamp, value, path);
}

export function checkInteger(value: unknown, path: string, { min = -Infinity } = {}): void {
  check(integerFrom(min), value, path);
}

function checkFinite(value: unknown, path: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${path}: ${show(value)} is not a finite number`);
  }
}

export function checkNonEmpty(value: unknown, path: string): void {
  check(nonEmpty, value, path);
}

export function checkConfigVersion(r: ConfigVersionRecord): void {
  checkNonEmpty(r.campaignId, 'configVersion.campaignId');
  checkInteger(r.configVersion, 'configVersion.configVersion', { min: 0 });
  checkTimestamp(r.recordedAt, 'configVersion.recordedAt');
}

/** Every row's fields by rule; the path (`clocks[3].deadline`) is only built for the field that fails. */
function checkRows<T extends object>(
  rows: readonly T[],
  list: string,
  rules: readonly [keyof T & string, Rule][],
): void {
  rows.forEach((row, i) => {
    for (const [field, rule] of rules) {
      const value: unknown = row[field];
      if (!rule.holds(value)) throw new Error(`${list}[${i}].${field}: ${rule.problem(value)}`);
    }
  });
}

const LEAD_RULES: [keyof LeadRecord & string, Rule][] = [
  ['campaignId', nonEmpty],
  ['leadId', nonEmpty],
  ['createdAt', timestamp],
  ['configVersion', count],
  ['firstTouchDeadline', optional(timestamp)],
  ['followUpDeadline', optional(timestamp)],
];
const EVENT_RULES: [keyof LeadEventRecord & string, Rule][] = [
  ['campaignId', nonEmpty],
  ['eventId', nonEmpty],
  ['at', timestamp],
];
const CLOCK_RULES: [keyof ClockOutcomeRecord & string, Rule][] = [
  ['campaignId', nonEmpty],
  ['leadId', nonEmpty],
  ['startedAt', timestamp],
  ['deadline', timestamp],
  ['warnedAt', optional(timestamp)],
  ['metAt', optional(timestamp)],
  ['breachedAt', optional(timestamp)],
  ['elapsedBusinessMs', optional(count)],
  ['elapsedWallMs', optional(count)],
  ['pausedAt', optional(timestamp)],
  ['stoppedAt', optional(timestamp)],
  ['pausedMs', optional(count)],
];

export function checkLeadActivity(batch: LeadActivityBatch): void {
  checkRows(batch.leads, 'leads', LEAD_RULES);
  checkRows(batch.events, 'events', EVENT_RULES);
  checkRows(batch.clocks, 'clocks', CLOCK_RULES);
  batch.steps?.forEach(checkEscalationStep);
}

export function checkEscalationStep(r: EscalationStepRecord): void {
  checkNonEmpty(r.campaignId, 'escalationStep.campaignId');
  checkNonEmpty(r.leadId, 'escalationStep.leadId');
  checkInteger(r.stepIndex, 'escalationStep.stepIndex', { min: 0 });
  checkTimestamp(r.at, 'escalationStep.at');
}

export function checkSnapshot(r: VelocitySnapshotRecord): void {
  checkNonEmpty(r.campaignId, 'snapshot.campaignId');
  checkNonEmpty(r.checkId, 'snapshot.checkId');
  checkTimestamp(r.at, 'snapshot.at');
  checkInteger(r.spendMicros, 'snapshot.spendMicros', { min: 0 });
  checkInteger(r.budgetMicros, 'snapshot.budgetMicros', { min: 0 });
  const doubles = [
    'burnPct',
    'conversions',
    'forecastLinear',
    'forecastCurve',
    'velocityPct',
    'cplLow',
    'cplHigh',
  ] as const;
  for (const field of doubles) checkFinite(r[field], `snapshot.${field}`);
  if (r.cpl !== null) checkFinite(r.cpl, 'snapshot.cpl');
}

export function checkProposal(r: ProposalRecord): void {
  checkNonEmpty(r.proposalId, 'proposal.proposalId');
  checkNonEmpty(r.campaignId, 'proposal.campaignId');
  checkTimestamp(r.createdAt, 'proposal.createdAt');
  checkTimestamp(r.expiresAt, 'proposal.expiresAt');
  if (r.targetAmountMicros !== null) checkInteger(r.targetAmountMicros, 'proposal.targetAmountMicros', { min: 0 });
}

export function checkDecision(r: DecisionRecord): void {
  checkNonEmpty(r.proposalId, 'decision.proposalId');
  checkNonEmpty(r.approver, 'decision.approver');
  checkTimestamp(r.at, 'decision.at');
}

export function checkBudgetChange(r: BudgetChangeRecord): void {
  checkNonEmpty(r.changeId, 'budgetChange.changeId');
  checkNonEmpty(r.campaignId, 'budgetChange.campaignId');
  checkTimestamp(r.at, 'budgetChange.at');
}

export function checkQuarterReport(r: QuarterReportRecord): void {
  checkNonEmpty(r.campaignId, 'quarterReport.campaignId');
  if (!/^\d{4}-Q[1-4]$/.test(r.quarter)) {
    throw new Error(`quarterReport.quarter: ${JSON.stringify(r.quarter)} is not a quarter like 2027-Q1`);
  }
  checkTimestamp(r.createdAt, 'quarterReport.createdAt');
}
