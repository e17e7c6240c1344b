// The side effects of escalation steps: CRM writes, notifications and the ledger row. Each step succeeds or
// fails on its own (one bad lead never blocks a batch) and reports which, so the workflow records a step as
// done only when its side effect is done. Every write is keyed by (campaign, lead, clock, step): a retry
// repeats nothing that already happened.
import { escalationStepAlert } from '../sla/alertWording';
import type { EscalationEffect, StepResult } from '../sla/leadBook';
import { log } from '@temporalio/activity';
import type { EscalationStepRecord, LeadActivityBatch } from '../sla/records';
import type { ActivityDeps } from './campaignActivities';
import { withHeartbeat } from './heartbeat';

export interface EscalationStepsInput {
  campaignId: string;
  steps: (EscalationEffect & { at: string })[];
}

/** The CRM status a lead returned to nurture gets. */
const NURTURE_STATUS = 'Nurturing';

async function runStep(deps: ActivityDeps, campaignId: string, step: EscalationEffect & { at: string }) {
  const key = `${campaignId}:${step.leadId}:${step.clock}:step${step.stepIndex}`;
  const crm = await deps.ports.crm(campaignId, new Date(step.at));
  const activity: LeadActivityBatch = { leads: [], events: [], clocks: [] };
  let outcome: Record<string, unknown>;
  if (step.step === 'reassign' && step.newOwnerId) {
    const written = await crm.setOwner(step.leadId, step.newOwnerId);
    // An assignment rule, flow or trigger moved the lead elsewhere: the step has not happened.
    if (!written.stuck) {
      throw new Error(
        `reassignment of lead ${step.leadId} to ${step.newOwnerId} did not stick: the CRM shows owner ${written.actualOwnerId}`,
      );
    }
    outcome = { from: step.ownerId, to: step.newOwnerId, pool: step.pool };
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
    await crm.setLeadStatus(step.leadId, NURTURE_STATUS);
    outcome = { status: NURTURE_STATUS };
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
  await deps.notifier.notify(escalationStepAlert(campaignId, step));
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
  try {
    if (activity.events.length) await deps.ledger.recordLeadActivity(activity);
    await deps.ledger.recordEscalationStep(record);
    return undefined;
  } catch (err) {
    log.warn('escalation step done; its ledger rows go with the workflow ledger write', {
      campaignId,
      key,
      error: String(err),
    });
    return { step: record, events: activity.events };
  }
}

export function createEscalationActivities(deps: ActivityDeps) {
  return {
    /** Runs each step on its own and reports per step; never throws for one step's failure. */
    async runEscalationSteps(input: EscalationStepsInput): Promise<StepResult[]> {
      return withHeartbeat(async () => {
        const results: StepResult[] = [];
        for (const step of input.steps) {
          const ref = { leadId: step.leadId, clock: step.clock, stepIndex: step.stepIndex };
          try {
            const unrecorded = await runStep(deps, input.campaignId, step);
            results.push({ ...ref, ok: true, ...(unrecorded ? { unrecorded } : {}) });
          } catch (err) {
            const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
            results.push({ ...ref, ok: false, error: cause instanceof Error ? cause.message : String(cause) });
          }
        }
        return results;
      });
    },
  };
}
