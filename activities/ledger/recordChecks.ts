// Checks ledger records before they reach SQL, so a bad value fails with the path of the field
// instead of a Postgres cast error that names neither the record nor the field.
import type {
  BudgetChangeRecord,
  ClockOutcomeRecord,
  ConfigVersionRecord,
  DecisionRecord,
  EscalationStepRecord,
  LeadActivityBatch,
  ProposalRecord,
  QuarterReportRecord,
  VelocitySnapshotRecord,
} from '../../sla/records';

// An explicit offset is required: without one Postgres would read the time in the session's zone.
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

// JSON.stringify would show NaN and Infinity as null.
function show(value: unknown): string {
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

export function checkTimestamp(value: unknown, path: string): void {
  if (typeof value !== 'string' || !ISO_WITH_OFFSET.test(value) || Number.isNaN(Date.parse(value))) {
    throw new Error(`${path}: ${show(value)} is not an ISO timestamp with an offset`);
  }
}

function checkOptionalTimestamp(value: unknown, path: string): void {
  if (value !== undefined) checkTimestamp(value, path);
}

export function checkInteger(value: unknown, path: string, { min = -Infinity } = {}): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new Error(`${path}: ${show(value)} is not an integer${min > -Infinity ? ` >= ${min}` : ''}`);
  }
}

function checkOptionalInteger(value: unknown, path: string): void {
  if (value !== undefined) checkInteger(value, path, { min: 0 });
}

function checkFinite(value: unknown, path: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${path}: ${show(value)} is not a finite number`);
  }
}

export function checkNonEmpty(value: unknown, path: string): void {
  if (typeof value !== 'string' || value === '') throw new Error(`${path}: must be a non-empty string`);
}

export function checkConfigVersion(r: ConfigVersionRecord): void {
  checkNonEmpty(r.campaignId, 'configVersion.campaignId');
  checkInteger(r.configVersion, 'configVersion.configVersion', { min: 0 });
  checkTimestamp(r.recordedAt, 'configVersion.recordedAt');
}

export function checkLeadActivity(batch: LeadActivityBatch): void {
  batch.leads.forEach((lead, i) => {
    const at = `leads[${i}]`;
    checkNonEmpty(lead.campaignId, `${at}.campaignId`);
    checkNonEmpty(lead.leadId, `${at}.leadId`);
    checkTimestamp(lead.createdAt, `${at}.createdAt`);
    checkInteger(lead.configVersion, `${at}.configVersion`, { min: 0 });
  });
  batch.events.forEach((event, i) => {
    const at = `events[${i}]`;
    checkNonEmpty(event.campaignId, `${at}.campaignId`);
    checkNonEmpty(event.eventId, `${at}.eventId`);
    checkTimestamp(event.at, `${at}.at`);
  });
  batch.clocks.forEach((clock, i) => checkClockOutcome(clock, `clocks[${i}]`));
  batch.steps?.forEach(checkEscalationStep);
}

function checkClockOutcome(c: ClockOutcomeRecord, at: string): void {
  checkNonEmpty(c.campaignId, `${at}.campaignId`);
  checkNonEmpty(c.leadId, `${at}.leadId`);
  checkTimestamp(c.startedAt, `${at}.startedAt`);
  checkTimestamp(c.deadline, `${at}.deadline`);
  checkOptionalTimestamp(c.warnedAt, `${at}.warnedAt`);
  checkOptionalTimestamp(c.metAt, `${at}.metAt`);
  checkOptionalTimestamp(c.breachedAt, `${at}.breachedAt`);
  checkOptionalInteger(c.elapsedBusinessMs, `${at}.elapsedBusinessMs`);
  checkOptionalInteger(c.elapsedWallMs, `${at}.elapsedWallMs`);
  checkOptionalTimestamp(c.pausedAt, `${at}.pausedAt`);
  checkOptionalTimestamp(c.stoppedAt, `${at}.stoppedAt`);
  checkOptionalInteger(c.pausedMs, `${at}.pausedMs`);
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
