// Budget proposals from opening to outcome: auto-approval or a wait for ops, the decision, the Ads
// mutation, and the timeout default. Every step is written to the ledger. Everything here runs under the
// run's spend lock (the velocity check's rules, ops decisions, expiry), one at a time.
import { proposalAppliedAlert, proposalWaitingAlert } from '../../sla/alertWording';
import type { DecideProposalInput } from '../../sla/leadEvents';
import {
  decideProposal,
  draftToProposal,
  expireDueProposals,
  proposalRecord,
  proposalView,
  resolveBudgetTarget,
  restoreStatusFor,
  type ProposalState,
} from '../../sla/proposals';
import type { ProposalView, SnapshotView } from '../../sla/views';
import { applyBudgetChange, recordBudgetChange, recordDecision, recordProposal } from './activities';
import { failureMessage, raiseEscalation } from './escalation';
import type { CampaignRun } from './run';

export async function openProposal(
  run: CampaignRun,
  draft: Parameters<typeof draftToProposal>[0],
  snapshot: SnapshotView,
): Promise<void> {
  const { state, campaignId } = run;
  const cfg = run.config();
  const now = Date.now();
  const proposal = draftToProposal(draft, {
    proposalId: `${campaignId}-p${++state.spend.proposalSeq}`,
    now,
    timeoutMs: cfg.approvals.timeout,
    budgetBefore: snapshot.budget,
    statusBefore: snapshot.campaignStatus,
  });
  state.spend.proposals.push(proposal);
  state.spend.proposals = state.spend.proposals.slice(-50);
  await recordProposal(proposalRecord(proposal, campaignId));
  const auto = cfg.approvals.autoApprove;
  const autoApproved =
    (proposal.action === 'reduce' && proposal.pct !== null && proposal.pct <= auto.reduceUpToPct) ||
    (proposal.action === 'pause' && auto.pause);
  if (autoApproved) {
    decideProposal(
      state.spend.proposals,
      {
        proposalId: proposal.proposalId,
        decision: 'approve',
        approver: 'auto-approve',
        reason: 'within auto-approve policy',
      },
      cfg,
      now,
      true,
    );
    await recordDecision({
      proposalId: proposal.proposalId,
      campaignId,
      decision: 'auto-approve',
      approver: 'policy',
      reason: `auto-approve policy covers ${proposal.action}${proposal.pct !== null ? ` of ${proposal.pct}%` : ''}`,
      at: new Date(now).toISOString(),
      figures: proposal.figures,
    });
    await applyProposal(run, proposal);
  } else {
    run.pendingAlerts.push(proposalWaitingAlert(campaignId, proposal));
  }
}

/** An ops decision (the decideProposal Update), already validated; re-checked under the lock. */
export function decideByOps(run: CampaignRun, decision: DecideProposalInput): Promise<ProposalView> {
  return run.spendLock.runExclusive(() => decideLocked(run, decision));
}

async function decideLocked(run: CampaignRun, decision: DecideProposalInput): Promise<ProposalView> {
  const { state, campaignId } = run;
  const proposal = decideProposal(state.spend.proposals, decision, run.config(), Date.now());
  await recordDecision({
    proposalId: proposal.proposalId,
    campaignId,
    decision: decision.decision,
    approver: decision.approver,
    reason: decision.reason,
    at: new Date().toISOString(),
    figures: proposal.figures,
  });
  if (decision.decision === 'approve') await applyProposal(run, proposal);
  else await recordProposal(proposalRecord(proposal, campaignId));
  run.wake = true;
  return proposalView(proposal);
}

/** Runs an approved proposal through the guardrails and the Ads mutation; failures escalate to ops. */
async function applyProposal(run: CampaignRun, proposal: ProposalState): Promise<void> {
  const { state, campaignId } = run;
  const cfg = run.config();
  const target = resolveBudgetTarget(proposal, cfg, state.spend.latest?.spend ?? 0);
  if (!target.ok) {
    proposal.status = 'failed';
    proposal.outcome = target.reason;
    await recordProposal(proposalRecord(proposal, campaignId));
    raiseEscalation(
      run,
      `Proposal ${proposal.proposalId} blocked by guardrails`,
      new Error(target.reason),
      `${campaignId}:guardrail:${proposal.proposalId}`,
    );
    return;
  }
  try {
    const result = await applyBudgetChange({
      campaignId,
      proposalId: proposal.proposalId,
      config: cfg,
      action: proposal.action,
      targetAmountMicros: target.targetBudget === null ? null : Math.round(target.targetBudget * 1e6),
      restoreStatus: restoreStatusFor(proposal, state.spend.activeAdjustment),
      at: new Date().toISOString(),
      expectedBeforeMicros: Math.round(proposal.budgetBefore * 1e6),
    });
    proposal.status = 'applied';
    proposal.outcome = result.summary;
    state.spend.budget = { amount: result.after.amountMicros / 1e6, status: result.after.status };
    state.spend.budgetAppliedAt = Date.now();
    if (proposal.action === 'pause' || proposal.action === 'reduce') {
      state.spend.activeAdjustment ??= {
        action: proposal.action,
        rule: proposal.rule,
        budgetBefore: proposal.budgetBefore,
        statusBefore: proposal.statusBefore,
      };
    } else if (proposal.action === 'restore') {
      state.spend.activeAdjustment = null;
    }
    run.pendingAlerts.push(proposalAppliedAlert(campaignId, proposal, result.summary));
    // Only results of runs that met a ledger refusal carry it: others issue no command here, as before.
    if (result.unrecorded) await recordBudgetChange(result.unrecorded);
  } catch (err) {
    proposal.status = 'failed';
    proposal.outcome = failureMessage(err);
    raiseEscalation(
      run,
      `Proposal ${proposal.proposalId} could not be applied`,
      err,
      `${campaignId}:apply:${proposal.proposalId}`,
    );
  }
  await recordProposal(proposalRecord(proposal, campaignId));
}

/** Proposals nobody decided in time take the configured default (apply, reject or escalate); ops hear of each. */
export async function handleExpiredProposals(run: CampaignRun): Promise<void> {
  await run.spendLock.runExclusive(() => expireLocked(run));
}

async function expireLocked(run: CampaignRun): Promise<void> {
  const { state, campaignId } = run;
  const cfg = run.config();
  for (const proposal of expireDueProposals(state.spend.proposals, cfg, Date.now())) {
    const decision = `timeout-${cfg.approvals.onTimeout}` as const;
    await recordDecision({
      proposalId: proposal.proposalId,
      campaignId,
      decision,
      approver: 'timeout',
      reason: `no decision within ${cfg.approvals.timeout / 1000}s; default is ${cfg.approvals.onTimeout}`,
      at: new Date().toISOString(),
      figures: proposal.figures,
    });
    raiseEscalation(
      run,
      `Proposal ${proposal.proposalId} expired without a decision; default: ${cfg.approvals.onTimeout}`,
      new Error(proposal.reason),
      `${campaignId}:expired:${proposal.proposalId}`,
    );
    if (cfg.approvals.onTimeout === 'apply') await applyProposal(run, proposal);
    else await recordProposal(proposalRecord(proposal, campaignId));
  }
}
