// What `npm start` says while the demo campaign flies: plain sentences from the campaign's slaState, one
// per event (a day of the flight gone, a proposal opened or decided, a Google Ads problem, the flight's end).
// Pure: the caller polls the query and prints the lines.
import type { CampaignStateView, ProposalView, SnapshotView } from '../sla/views';
import { approveCommand } from './approveCommand';

export interface StoryContext {
  /** Epoch ms of the flight's start and end. */
  window: { start: number; end: number };
  /** How long one "day" of the story lasts (one minute when ten days fly in ten minutes). */
  dayMs: number;
  currency: string;
  /** The approver the approve command is shown with. */
  approver: string;
  now: number;
}

/** What has been told so far. */
export interface Narration {
  day: number;
  proposals: Map<string, ProposalView['status']>;
  adsProblems: Set<string>;
  finished: boolean;
  /** Each compliance target's counts when the last day was told, so each day's own figure can be told. */
  targetsTold: { within: number; sample: number }[];
}

export function narrateCampaign(
  told: Narration | undefined,
  state: CampaignStateView,
  context: StoryContext,
): { narration: Narration; lines: string[] } {
  const narration: Narration = told
    ? { ...told, proposals: new Map(told.proposals), adsProblems: new Set(told.adsProblems) }
    : { day: 0, proposals: new Map(), adsProblems: new Set(), finished: false, targetsTold: [] };
  const lines: string[] = [];
  const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: context.currency });
  const snapshot = state.latestSnapshot;

  if (snapshot) {
    const day = Math.min(
      Math.floor((Date.parse(snapshot.at) - context.window.start) / context.dayMs),
      Math.round((context.window.end - context.window.start) / context.dayMs),
    );
    if (day > narration.day) {
      narration.day = day;
      lines.push(`Day ${day}: ${figures(snapshot, state, money, narration.targetsTold)}.`);
      narration.targetsTold = state.compliance.targets.map(({ within, sample }) => ({ within, sample }));
    }
    for (const problem of snapshot.adsProblems ?? []) {
      if (narration.adsProblems.has(problem.code)) continue;
      narration.adsProblems.add(problem.code);
      lines.push(`Google Ads check: ${problem.message}.`);
    }
  }

  for (const proposal of state.proposals) {
    const before = narration.proposals.get(proposal.proposalId);
    if (before === proposal.status) continue;
    narration.proposals.set(proposal.proposalId, proposal.status);
    if (before === undefined) lines.push(`Proposal ${proposal.proposalId} (${proposal.rule}): ${proposal.reason}`);
    lines.push(decision(proposal, state.campaignId, context, money));
  }

  if (!narration.finished && context.now >= context.window.end && snapshot) {
    narration.finished = true;
    const within = snapshot.spend <= snapshot.budget + 0.005;
    lines.push(
      `The flight is over. Final figures from the last check: spent ${money.format(snapshot.spend)} of ` +
        `${money.format(snapshot.budget)} (${within ? 'within budget' : 'OVER BUDGET'}); ` +
        `${Math.round(snapshot.conversions)} conversions against ${Math.round(snapshot.forecast)} forecast; ` +
        `${cplSentence(snapshot, money)}; ${state.breachedLeads} leads breached an SLA. ` +
        `The campaign ends once its open leads are worked or their follow-up window has passed.`,
    );
  }
  return { narration, lines };
}

function figures(
  snapshot: SnapshotView,
  state: CampaignStateView,
  money: Intl.NumberFormat,
  told: Narration['targetsTold'],
): string {
  const pacing = snapshot.pacing;
  const pace =
    pacing && pacing.ratio !== null
      ? `, ${Math.round(pacing.elapsedPct)}% of the flight gone (pace ${pacing.ratio.toFixed(2)}, ${pacing.status})`
      : '';
  const velocity = snapshot.velocityPct === null ? '' : ` (velocity ${Math.round(snapshot.velocityPct)}%)`;
  const onTime = state.compliance.targets
    .map((target, i) => {
      // The leads judged since the last day told: how ops did that day, not only over the flight so far.
      const sinceTold = target.sample - (told[i]?.sample ?? 0);
      const today = sinceTold > 0 ? `${percent((target.within - (told[i]?.within ?? 0)) / sinceTold)} that day, ` : '';
      return `${today}${target.actual === null ? 'n/a' : percent(target.actual)} so far within ${formatWithin(target.withinMs)} (target ${percent(target.target)})`;
    })
    .join('; ');
  return (
    `spent ${money.format(snapshot.spend)} of ${money.format(snapshot.budget)}${pace}; ` +
    `${Math.round(snapshot.conversions)} conversions against ${Math.round(snapshot.forecast)} forecast${velocity}; ` +
    `${cplSentence(snapshot, money)}${acrossLagSentence(snapshot, money)}; first touches ${onTime || 'not measured yet'}`
  );
}

/** What the rules judged: today's conversions against the forecast and spend of one conversion lag earlier. */
function acrossLagSentence(snapshot: SnapshotView, money: Intl.NumberFormat): string {
  const judged = snapshot.acrossLag;
  if (!judged) return '';
  const lag = formatWithin(judged.lagMs);
  if (judged.forecast === null) return `; not judged until a check is ${lag} old (the conversion lag)`;
  const velocity = judged.velocityPct === null ? '' : `velocity ${Math.round(judged.velocityPct)}%, `;
  return (
    ` (the rules set conversions against the forecast and spend of ${lag} earlier, the conversion lag: ` +
    `${velocity}${cplSentence({ ...snapshot, cpl: judged.cpl }, money)})`
  );
}

function cplSentence(snapshot: Pick<SnapshotView, 'cpl' | 'cplBand'>, money: Intl.NumberFormat): string {
  if (snapshot.cpl === null) return 'no CPL yet';
  const { low, high } = snapshot.cplBand;
  // The rules act only above the band; a band with no tolerance is a ceiling.
  const limit =
    low === high ? `the ${money.format(high)} ceiling` : `its ${money.format(low)}–${money.format(high)} band`;
  const where =
    snapshot.cpl > high ? 'above' : low !== high && snapshot.cpl < low ? 'below' : low === high ? 'under' : 'inside';
  return `CPL ${money.format(snapshot.cpl)}, ${where} ${limit}`;
}

function decision(proposal: ProposalView, campaignId: string, context: StoryContext, money: Intl.NumberFormat): string {
  const change =
    proposal.targetBudget === null
      ? proposal.action
      : `total budget ${money.format(proposal.budgetBefore)} → ${money.format(proposal.targetBudget)}`;
  const by =
    proposal.decidedBy === 'auto-approve'
      ? "auto-approved under the contract's policy"
      : `approved by ${proposal.decidedBy}`;
  switch (proposal.status) {
    case 'pending':
      return (
        `${proposal.proposalId} waits for approval until ${proposal.expiresAt}. To approve it: ` +
        `npx ${approveCommand(campaignId, proposal.proposalId, { approver: context.approver, reason: 'figures checked' })}`
      );
    case 'approved':
      return `${proposal.proposalId} was ${by}; applying ${change} in Google Ads.`;
    case 'applied':
      return `${proposal.proposalId} was ${by} and applied: ${change}.`;
    default:
      return `${proposal.proposalId} is ${proposal.status}${proposal.decidedBy ? ` (by ${proposal.decidedBy})` : ''}${proposal.outcome ? `: ${proposal.outcome}` : ''}.`;
  }
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

function formatWithin(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}
