// The per-lead SLA clocks of one campaign: intake, events, warnings, breaches and escalation chains.
// Pure and deterministic: the campaign workflow owns one LeadBook and executes the effects it returns.
export {
  drainEncodedOutbox,
  drainOutbox,
  emptyLeadBook,
  emptyOutbox,
  knownLead,
  MAX_LEDGER_WRITE_BYTES,
  openClockCount,
  openLeadCount,
  ownerSpans,
  outboxSize,
  returnToOutbox,
  type BookContext,
  type ClockState,
  type LeadBook,
  type LeadHistoryEntry,
  type LeadState,
  type LeadStatus,
} from './state';
export { contractRepIds, elapsedForTier, poolOfRep, tierTime } from './terms';
export { admitLeads, validateAdmission, type AdmitOutcome } from './intake';
export { applyLeadEvents, validateLeadEvents, type EventObservers, type EventOutcome } from './events';
export {
  collectDue,
  nextDueAt,
  rebuildDueQueue,
  type ClockAlertEffect,
  type DueEffect,
  type DueObservers,
} from './dueClocks';
export {
  completeEscalationStep,
  dropPlannedStepIfHandled,
  releasePlannedStep,
  stepRetryDelayMs,
  type EscalationEffect,
  type StepResult,
} from './escalation';
export { milestoneFactsNeeded, milestoneFigures, type MilestoneFigures } from './milestones';
export { completeIntakeRoute, planIntakeRoute, type PendingRoute, type RouteEffect, type RouteResult } from './routing';
