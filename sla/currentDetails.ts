// The markdown shown as "current details" in the Temporal UI: what ops needs at a glance.
import type { CampaignStateView } from './views';
import type { CampaignConfig } from './config';
import { formatDuration } from './duration';

const pct = (share: number | null | undefined) =>
  share === null || share === undefined ? '–' : `${(share * 100).toFixed(1)}%`;

export function renderCurrentDetails(view: CampaignStateView, config: CampaignConfig): string {
  const health = { healthy: '🟢 healthy', 'at-risk': '🟠 at risk', breaching: '🔴 breaching' }[view.health];
  const lines = [
    `## ${config.campaign.name ?? view.campaignId} — ${health}`,
    `Config v${view.configVersion} · quarter ${view.quarter} · ${view.openLeads} open leads · ${view.openClocks} open clocks · next deadline ${view.nextDeadline ?? 'none'}`,
    '',
    '| Response target | Actual | Met |',
    '|---|---|---|',
    ...view.compliance.targets.map(
      (t) =>
        `| ${pct(t.target)} within ${formatDuration(t.withinMs)} | ${pct(t.actual)} (${t.within}/${t.sample}) | ${t.met ? '✅' : '❌'} |`,
    ),
    '',
    `First-touch clocks: ${view.compliance.leads} started = ${view.compliance.met} met + ${view.compliance.breached} breached + ${view.compliance.pending} pending + ${view.compliance.closedUntouched} closed untouched · ${view.compliance.rescues} rescued by another rep`,
    `Breaches: first touch ${view.compliance.breaches.firstTouch}, acceptance ${view.compliance.breaches.acceptance}, follow-up ${view.compliance.breaches.followUp} · acceptance rate ${pct(view.compliance.acceptanceRate)}`,
  ];
  if (view.run.handOverRefusedAt !== null) {
    lines.push(
      '',
      `**New leads refused**: at ${view.run.handOverRefusedAt} open leads this run was too large to continue as new; it takes no new leads until enough close for it to hand over.`,
    );
  }
  if (view.latestSnapshot) {
    const s = view.latestSnapshot;
    lines.push(
      `Spend ${s.spend.toFixed(2)} of ${s.budget.toFixed(2)} ${config.campaign.currency} (${s.burnPct.toFixed(1)}%) · conversions ${s.conversions} vs forecast ${s.forecast.toFixed(1)} (velocity ${s.velocityPct === null ? '–' : `${s.velocityPct.toFixed(0)}%`}) · CPL ${s.cpl === null ? '–' : s.cpl.toFixed(2)} (band ${s.cplBand.low.toFixed(2)}–${s.cplBand.high.toFixed(2)}) · ${s.campaignStatus}`,
    );
  }
  const pending = view.proposals.filter((p) => p.status === 'pending');
  if (pending.length) {
    lines.push(
      '',
      '**Waiting for approval**',
      ...pending.map((p) => `- \`${p.proposalId}\` ${p.action}: ${p.reason} (expires ${p.expiresAt})`),
    );
  }
  if (view.recentBreaches.length) {
    lines.push(
      '',
      '**Recent breaches**',
      ...view.recentBreaches
        .slice(0, 5)
        .map((b) => `- ${b.at} lead \`${b.leadId}\` ${b.clock} (${b.tier}, owner ${b.ownerId})`),
    );
  }
  return lines.join('\n');
}
