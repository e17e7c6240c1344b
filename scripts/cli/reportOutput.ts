// Human renderings of a quarter report (closed or to date) and of one lead.
import type { LeadView } from '../../sla/views';
import { formatDuration } from '../../sla/duration';
import type { ReportView } from './ledgerReports';
import { money, pct, renderFacts } from './output';

type Fact = [string, string | number | boolean | null | undefined];

export function renderReport(view: ReportView): string {
  if (view.kind === 'closed') {
    return renderFacts([
      ['campaign', view.campaignId],
      ['quarter', `${view.quarter} (closed)`],
      ['written', view.createdAt],
      ...Object.entries(view.report)
        .filter(([, v]) => v === null || typeof v !== 'object')
        .map(([k, v]): Fact => [k, v as string | number | boolean | null]),
    ]);
  }
  const { compliance: c, latestSnapshot: s } = view;
  return renderFacts([
    ['campaign', view.campaignId],
    ['quarter', `${view.quarter} (to date, not closed)`],
    ['from', `${view.from} (${view.timezone})`],
    ['through', view.through],
    ['first-touch clocks', c.leads],
    [
      'met / breached / pending / closed untouched',
      `${c.met} / ${c.breached} / ${c.pending} / ${c.closedUntouched} (${c.rescues} rescued by another rep)`,
    ],
    ...c.targets.map((t): Fact => [`within ${formatDuration(t.withinMs)} (target ${pct(t.target)})`, pct(t.actual)]),
    ['median first touch', c.medianFirstTouchMs === null ? null : formatDuration(Math.round(c.medianFirstTouchMs))],
    ['leads / accepted / rejected', `${c.leads} / ${c.accepted} / ${c.rejected}`],
    ['acceptance rate', pct(c.acceptanceRate)],
    [
      'breaches by clock',
      Object.entries(c.breaches)
        .map(([k, n]) => `${k} ${n}`)
        .join(', '),
    ],
    ['spend / budget', s ? `${money(s.spendMicros / 1e6)} / ${money(s.budgetMicros / 1e6)}` : null],
    ['conversions', s?.conversions],
    ['CPL', s ? money(s.cpl) : null],
    [
      'proposals',
      Object.entries(view.proposals)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || null,
    ],
  ]);
}

export function renderLead(lead: LeadView): string {
  return renderFacts([
    ['lead', lead.leadId],
    ['tier', lead.tier],
    ['owner', lead.ownerId],
    ['status', lead.stage ? `${lead.status} (${lead.stage})` : lead.status],
    ['created', lead.createdAt],
    ['first touch', lead.firstTouchAt],
    ['attempts', lead.attempts],
    ['reassignments', lead.reassignments],
    ...Object.entries(lead.clocks).flatMap(([kind, clock]): Fact[] => {
      if (!clock) return [];
      const state = clock.metAt
        ? `met ${clock.metAt}`
        : clock.breachedAt
          ? `breached ${clock.breachedAt}`
          : clock.stoppedAt
            ? `stopped ${clock.stoppedAt}`
            : clock.pausedAt
              ? `paused since ${clock.pausedAt}`
              : 'open';
      const stood = clock.pausedMs ? `; stopped ${formatDuration(clock.pausedMs)}` : '';
      return [[`${kind} clock`, `${state}; deadline ${clock.deadline}${stood}`]];
    }),
    ['history', lead.history.map((h) => `${h.at} ${h.what}`).join('\n') || null],
  ]);
}
