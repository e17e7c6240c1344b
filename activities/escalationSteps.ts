// The side effects of escalation steps: CRM writes, notifications and the ledger row. Each step succeeds or
// fails on its own (one bad lead never blocks a batch) and reports which, so the workflow records a step as
// done only when its side effect is done. Every write is keyed by (campaign, lead, clock, step): a retry
// repeats nothing that already happened. Once a step's CRM write is done the step is done: a notification or
// ledger row that fails after it goes back to the workflow, which delivers and writes it on its own.
import { escalationStepAlert } from '../sla/alertWording';
import type { Alert } from '../sla/alerts';
import type { EscalationEffect, StepResult } from '../sla/leadBook';
import { log } from '@temporalio/activity';
import type { EscalationStepRecord, LeadActivityBatch } from '../sla/records';
import type { ActivityDeps } from './campaignActivities';
import { isCrmRequestRejected } from './crm/crmFailures';
import { repIdOf } from './crm/salesforceIds';
import type { CrmRemovedLead } from './ports';
import { withHeartbeat } from './heartbeat';

export interface EscalationStepsInput {
  campaignId: string;
  steps: (EscalationEffect & { at: string })[];
  /** The status return-to-nurture writes (the contract's nurtureStatus); absent from runs before it: "Nurturing". */
  nurtureStatus?: string;
  /** The contract's rep IDs: an owner the CRM shows is named in their form (15 or 18 characters), as the poll does. */
  repIds?: string[];
}

/** What every step of one activity writes and reads in the contract's terms. */
interface StepTerms {
  nurtureStatus: string;
  repIdOf: (ownerId: string) => string;
}

/** What return-to-nurture wrote before contracts named their status. */
const LEGACY_NURTURE_STATUS = 'Nurturing';

interface StepDone {
  unrecorded?: { step: EscalationStepRecord; events: LeadActivityBatch['events'] };
  /** The CRM shows another owner than the one written (an assignment rule, flow or trigger moved the lead). */
  ownerInCrm?: string;
  /** The notification after the CRM write failed: the workflow's alert outbox delivers it. */
  unsentAlert?: Alert;
}

async function runStep(
  deps: ActivityDeps,
  campaignId: string,
  step: EscalationEffect & { at: string },
  { nurtureStatus, repIdOf: contractForm }: StepTerms,
): Promise<StepDone> {
  const key = `${campaignId}:${step.leadId}:${step.clock}:step${step.stepIndex}`;
  const crm = await deps.ports.crm(campaignId, new Date(step.at));
  const activity: LeadActivityBatch = { leads: [], events: [], clocks: [] };
  let outcome: Record<string, unknown>;
  let ownerInCrm: string | undefined;
  /** The step changed the CRM: from here on it is done, whatever fails after. */
  let crmWritten = false;
  if (step.step === 'reassign' && step.newOwnerId) {
    // A write whose read-back fails throws here although the CRM may have taken it: the step fails and its retry
    // writes this same owner again (the workflow keeps it), which is harmless.
    const written = await crm.setOwner(step.leadId, step.newOwnerId);
    crmWritten = true;
    // An assignment rule, flow or trigger moved the lead elsewhere after our write: writing again would only start a
    // tug of war with the org's own automation. The owner Salesforce shows stands (as at intake routing), and ops hear.
    if (!written.stuck) ownerInCrm = contractForm(written.actualOwnerId);
    const to = ownerInCrm ?? step.newOwnerId;
    outcome = { from: step.ownerId, to, pool: step.pool, ...(ownerInCrm ? { routedTo: step.newOwnerId } : {}) };
    if (to !== step.ownerId)
      activity.events.push({
        campaignId,
        leadId: step.leadId,
        eventId: key,
        kind: 'owner-change',
        at: step.at,
        detail: outcome,
      });
  } else if (step.step === 'reassign') {
    outcome = { skipped: true, reason: step.reason, pool: step.pool };
  } else if (step.step === 'return-to-nurture') {
    await crm.setLeadStatus(step.leadId, nurtureStatus);
    crmWritten = true;
    outcome = { status: nurtureStatus };
    activity.events.push({
      campaignId,
      leadId: step.leadId,
      eventId: key,
      kind: 'nurture',
      at: step.at,
      detail: { reason: `${step.clock} breach escalation` },
    });
  } else if (step.step === 'notify-manager') {
    outcome = { managerId: step.managerId ?? null };
  } else {
    outcome = { ownerId: step.ownerId };
  }
  const alert = escalationStepAlert(campaignId, step, ownerInCrm);
  let unsentAlert: Alert | undefined;
  try {
    await deps.notifier.notify(alert);
  } catch (err) {
    // Notifying is the whole step (owner, manager, a reassign nobody could take): nothing happened, retry it.
    if (!crmWritten) throw err;
    // The CRM has the change: a retry would write it again (and a retried reassign would move the lead a second
    // time). The step is done; its alert goes to the workflow's outbox, retried until delivered.
    log.warn('escalation step done; its alert goes with the workflow alerts', {
      campaignId,
      key,
      error: String(err),
    });
    unsentAlert = alert;
  }
  const record: EscalationStepRecord = {
    campaignId,
    leadId: step.leadId,
    clock: step.clock,
    stepIndex: step.stepIndex,
    step: step.step,
    at: step.at,
    outcome,
  };
  // The side effect is done: a ledger that fails now must not make the step look undone (the CRM has it).
  // The workflow's own ledger writes, retried until they land, carry the rows instead.
  const done: StepDone = {};
  try {
    if (activity.events.length) await deps.ledger.recordLeadActivity(activity);
    await deps.ledger.recordEscalationStep(record);
  } catch (err) {
    log.warn('escalation step done; its ledger rows go with the workflow ledger write', {
      campaignId,
      key,
      error: String(err),
    });
    done.unrecorded = { step: record, events: activity.events };
  }
  if (ownerInCrm) done.ownerInCrm = ownerInCrm;
  if (unsentAlert) done.unsentAlert = unsentAlert;
  return done;
}

/**
 * After the CRM refused a step's write for good: whether the lead is gone from it (deleted, or merged into another
 * lead), which no retry can mend. One lookup; when it fails too, the step stays an ordinary failure.
 */
async function removedFromCrm(
  deps: ActivityDeps,
  campaignId: string,
  step: EscalationEffect & { at: string },
  err: unknown,
): Promise<CrmRemovedLead | undefined> {
  const wrote = (step.step === 'reassign' && step.newOwnerId) || step.step === 'return-to-nurture';
  if (!wrote || !isCrmRequestRejected(err)) return undefined;
  try {
    const crm = await deps.ports.crm(campaignId, new Date(step.at));
    return (await crm.removedLeads([step.leadId]))[0];
  } catch (lookupErr) {
    log.warn('could not tell whether a lead refused by the CRM is gone from it', {
      campaignId,
      leadId: step.leadId,
      error: String(lookupErr),
    });
    return undefined;
  }
}

export function createEscalationActivities(deps: ActivityDeps) {
  return {
    /** Runs each step on its own and reports per step; never throws for one step's failure. */
    async runEscalationSteps(input: EscalationStepsInput): Promise<StepResult[]> {
      return withHeartbeat(async () => {
        const results: StepResult[] = [];
        const terms = {
          nurtureStatus: input.nurtureStatus ?? LEGACY_NURTURE_STATUS,
          repIdOf: repIdOf(input.repIds ?? []),
        };
        for (const step of input.steps) {
          const ref = { leadId: step.leadId, clock: step.clock, stepIndex: step.stepIndex };
          try {
            results.push({ ...ref, ok: true, ...(await runStep(deps, input.campaignId, step, terms)) });
          } catch (err) {
            const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
            const removed = await removedFromCrm(deps, input.campaignId, step, err);
            results.push({
              ...ref,
              ok: false,
              error: cause instanceof Error ? cause.message : String(cause),
              ...(removed ? { removed: { mergedInto: removed.mergedInto } } : {}),
            });
          }
        }
        return results;
      });
    },
  };
}
