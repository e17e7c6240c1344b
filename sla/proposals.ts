// Budget proposals: lifecycle from a rule's draft through ops approval to a target budget.
// Pure; the campaign workflow stores ProposalState and runs the Ads mutation as an activity.
import type { ProposalAction, ProposalRecord, ProposalStatus } from './records';
import type { CampaignConfig } from './config';
import { checkBudgetChange } from './guardrails';
import type { DecideProposalInput } from './leadEvents';
import type { ProposalDraft } from './rules';

export interface ProposalState {
  proposalId: string;
  action: ProposalAction;
  rule: string;
  reason: string;
  /** Percentage change the rule asked for (reduce/increase), used by the auto-approve policy. */
  pct: number | null;
  targetBudget: number | null;
  budgetBefore: number;
  statusBefore: 'ENABLED' | 'PAUSED';
  figures: Record<string, unknown>;
  status: ProposalStatus;
  createdAt: string;
  expiresAt: string;
  decidedBy?: string;
  decisionReason?: string;
  decidedAt?: string;
  outcome?: string;
}

export function draftToProposal(
  draft: ProposalDraft,
  opts: {
    proposalId: string;
    now: number;
    timeoutMs: number;
    budgetBefore: number;
    statusBefore: 'ENABLED' | 'PAUSED';
  },
): ProposalState {
  const pct =
    draft.targetBudget !== null && opts.budgetBefore > 0
      ? Math.round((Math.abs(opts.budgetBefore - draft.targetBudget) / opts.budgetBefore) * 1000) / 10
      : null;
  const rulePct = typeof draft.figures.pct === 'number' ? draft.figures.pct : pct;
  return {
    proposalId: opts.proposalId,
    action: draft.action,
    rule: draft.rule,
    reason: draft.reason,
    pct: draft.action === 'reduce' || draft.action === 'increase' ? rulePct : null,
    targetBudget: draft.targetBudget,
    budgetBefore: opts.budgetBefore,
    statusBefore: opts.statusBefore,
    figures: draft.figures,
    status: 'pending',
    createdAt: new Date(opts.now).toISOString(),
    expiresAt: new Date(opts.now + opts.timeoutMs).toISOString(),
  };
}

export function pendingProposals(proposals: ProposalState[]): ProposalState[] {
  return proposals.filter((p) => p.status === 'pending');
}

/**
 * Validates and records an ops decision. Throws an Error that names the problem for unknown, expired
 * or already-decided proposals and for approvers not on the allow-list; the caller's state is untouched then.
 */
export function decideProposal(
  proposals: ProposalState[],
  input: DecideProposalInput,
  config: CampaignConfig,
  now: number,
  byPolicy = false,
): ProposalState {
  const proposal = proposals.find((p) => p.proposalId === input.proposalId);
  if (!proposal) {
    const known = proposals.map((p) => p.proposalId);
    throw new Error(
      `proposalId: unknown proposal "${input.proposalId}"${known.length ? ` (known: ${known.slice(-5).join(', ')})` : ''}`,
    );
  }
  if (proposal.status !== 'pending') {
    throw new Error(
      `proposalId: proposal "${proposal.proposalId}" is already ${proposal.status}${proposal.decidedBy ? ` (by ${proposal.decidedBy})` : ''}`,
    );
  }
  if (now >= Date.parse(proposal.expiresAt)) {
    throw new Error(`proposalId: proposal "${proposal.proposalId}" expired at ${proposal.expiresAt}`);
  }
  if (!byPolicy && !config.approvals.approvers.includes(input.approver)) {
    throw new Error(`approver: "${input.approver}" is not on this campaign's approver list`);
  }
  proposal.status = input.decision === 'approve' ? 'approved' : 'rejected';
  proposal.decidedBy = input.approver;
  proposal.decisionReason = input.reason;
  proposal.decidedAt = new Date(now).toISOString();
  return proposal;
}

/** Marks pending proposals past their expiry with the configured timeout default and returns them. */
export function expireDueProposals(proposals: ProposalState[], config: CampaignConfig, now: number): ProposalState[] {
  const expired = pendingProposals(proposals).filter((p) => now >= Date.parse(p.expiresAt));
  for (const proposal of expired) {
    const onTimeout = config.approvals.onTimeout;
    proposal.status = onTimeout === 'apply' ? 'approved' : onTimeout === 'reject' ? 'expired' : 'escalated';
    proposal.decidedBy = 'timeout';
    proposal.decisionReason = `no decision before ${proposal.expiresAt}; default ${onTimeout}`;
    proposal.decidedAt = new Date(now).toISOString();
  }
  return expired;
}

export function nextProposalExpiry(proposals: ProposalState[]): number | undefined {
  const times = pendingProposals(proposals).map((p) => Date.parse(p.expiresAt));
  return times.length ? Math.min(...times) : undefined;
}

/** The budget an approved proposal sets, after the finance guardrails; null target = status-only change. */
export function resolveBudgetTarget(
  proposal: ProposalState,
  config: CampaignConfig,
  spent: number,
): { ok: true; targetBudget: number | null; notes: string[] } | { ok: false; reason: string } {
  if (proposal.targetBudget === null) return { ok: true, targetBudget: null, notes: [] };
  if (proposal.action === 'restore') {
    // A restore returns to a budget finance already approved, so the per-step limit does not apply;
    // the total cap and the amount already spent still do.
    const { maxTotalBudget } = config.guardrails;
    if (proposal.targetBudget > maxTotalBudget)
      return {
        ok: false,
        reason: `restore to ${proposal.targetBudget} exceeds guardrails.maxTotalBudget ${maxTotalBudget}`,
      };
    if (proposal.targetBudget < spent)
      return { ok: false, reason: `restore to ${proposal.targetBudget} is below the ${spent} already spent` };
    return { ok: true, targetBudget: proposal.targetBudget, notes: [] };
  }
  const check = checkBudgetChange({
    currentBudget: proposal.budgetBefore,
    targetBudget: proposal.targetBudget,
    spent,
    guardrails: config.guardrails,
  });
  return check.ok ? { ok: true, targetBudget: check.targetBudget, notes: check.notes } : check;
}

/**
 * The status a restore resumes: only a restore of a pause resumes the campaign. A restore of a reduce sets the
 * budget back and leaves the status as it is, so a campaign ops paused by hand since stays paused.
 */
export function restoreStatusFor(
  proposal: ProposalState,
  adjustment: { action: string; statusBefore: 'ENABLED' | 'PAUSED' } | null,
): 'ENABLED' | 'PAUSED' | null {
  if (proposal.action !== 'restore' || adjustment?.action !== 'pause') return null;
  return adjustment.statusBefore;
}

export function proposalView(p: ProposalState) {
  const { figures: _figures, pct: _pct, statusBefore: _statusBefore, ...view } = p;
  return view;
}

/** The ledger's record of a proposal: budgets in micros, decision details left to the decision record. */
export function proposalRecord(p: ProposalState, campaignId: string): ProposalRecord {
  return {
    proposalId: p.proposalId,
    campaignId,
    createdAt: p.createdAt,
    expiresAt: p.expiresAt,
    action: p.action,
    rule: p.rule,
    reason: p.reason,
    targetAmountMicros: p.targetBudget === null ? null : Math.round(p.targetBudget * 1e6),
    figures: p.figures,
    status: p.status,
  };
}
