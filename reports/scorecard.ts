// The weekly SLA scorecard Marketing and Ops review together: compliance against the targets,
// breaches by owner and tier, the escalation steps taken and the budget decisions made.
import { DateTime } from 'luxon';
import type { CorrectiveDecisionView, CorrectiveStepView, LedgerQueries } from './ledgerQueries';
import type { ClockKind } from '../sla/clockKind';
import type { ComplianceSection, TargetResult } from '../sla/compliance';
import { formatDuration } from '../sla/duration';

interface BreachCount {
  ownerId: string;
  tier: string;
  clock: ClockKind;
  breaches: number;
}

export interface Scorecard {
  campaignId: string;
  timezone: string;
  weekStart: string;
  weekEnd: string;
  /** SLA figures of the clocks started this week (sla/compliance), against the campaign's targets. */
  compliance: ComplianceSection;
  owners: Array<ComplianceSection & { ownerId: string }>;
  breaches: BreachCount[];
  escalationSteps: CorrectiveStepView[];
  decisions: CorrectiveDecisionView[];
}

/** Monday 00:00 of the week containing `week` (YYYY-MM-DD) or `now`, in the campaign's time zone. */
export function weekStartOf(week: string | undefined, timezone: string, now: Date): string {
  const day =
    week === undefined ? DateTime.fromJSDate(now, { zone: timezone }) : DateTime.fromISO(week, { zone: timezone });
  if (week !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(week) || !day.isValid)) {
    throw new Error(`--week: expected a date like 2026-03-02, got "${week}"`);
  }
  return day.startOf('week').toUTC().toISO()!;
}

/** null when the ledger has no config recorded for the campaign. */
export async function buildScorecard(
  queries: LedgerQueries,
  campaignId: string,
  options: { week?: string; now: Date },
): Promise<Scorecard | null> {
  const settings = await queries.recordedCampaignSettings(campaignId);
  if (!settings) return null;
  const weekStart = weekStartOf(options.week, settings.timezone, options.now);
  const [week, compliance] = await Promise.all([
    queries.weeklyScorecard(campaignId, weekStart),
    queries.responseCompliance(campaignId, {
      from: weekStart,
      to: new Date(Date.parse(weekStart) + 7 * 86_400_000).toISOString(),
      targets: settings.targets,
      asOf: options.now.toISOString(),
    }),
  ]);
  const counts = new Map<string, BreachCount>();
  for (const breach of week.breaches) {
    const ownerId = breach.ownerId ?? 'unknown';
    const tier = breach.tier ?? 'unknown';
    const key = JSON.stringify([ownerId, tier, breach.clock]);
    const count = counts.get(key) ?? { ownerId, tier, clock: breach.clock, breaches: 0 };
    count.breaches++;
    counts.set(key, count);
  }
  const {
    byTier: _byTier,
    byOwner,
    byPool: _byPool,
    campaignId: _c,
    from: _f,
    to: _t,
    asOf: _a,
    ...overall
  } = compliance;
  return {
    campaignId,
    timezone: settings.timezone,
    weekStart: week.weekStart,
    weekEnd: week.weekEnd,
    compliance: overall,
    owners: Object.entries(byOwner).map(([ownerId, figures]) => ({ ownerId, ...figures })),
    breaches: [...counts.values()].sort((a, b) => b.breaches - a.breaches || a.ownerId.localeCompare(b.ownerId)),
    escalationSteps: week.correctiveActions.escalationSteps,
    decisions: week.correctiveActions.decisions,
  };
}

/** The first-touch identity: started = met + breached + pending + closed untouched; rescues are apart. */
const clockCounts = [
  ['started', 'leads'],
  ['met', 'met'],
  ['breached', 'breached'],
  ['pending', 'pending'],
  ['closed untouched', 'closedUntouched'],
  ['rescues', 'rescues'],
] as const;

const share = (value: number | null) => (value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`);
const targetLabel = (t: TargetResult) => `within ${formatDuration(t.withinMs)} (target ${share(t.target)})`;

/** Long format (section, subject, metric, value): one CSV that pivots cleanly in a spreadsheet. */
export function scorecardCsv(card: Scorecard): string {
  const rows: (string | number)[][] = [['section', 'subject', 'metric', 'value']];
  rows.push(['week', card.campaignId, 'start', card.weekStart], ['week', card.campaignId, 'end', card.weekEnd]);
  for (const t of card.compliance.targets) {
    rows.push(
      ['compliance', 'all', targetLabel(t), share(t.actual)],
      ['compliance', 'all', `${targetLabel(t)} met`, t.met ? 'yes' : 'no'],
    );
  }
  rows.push(
    ...clockCounts.map(([metric, key]): (string | number)[] => ['compliance', 'all', metric, card.compliance[key]]),
  );
  for (const owner of card.owners) {
    rows.push(...clockCounts.map(([metric, key]): (string | number)[] => ['owner', owner.ownerId, metric, owner[key]]));
    for (const t of owner.targets) rows.push(['owner', owner.ownerId, targetLabel(t), share(t.actual)]);
  }
  for (const b of card.breaches) rows.push(['breaches', `${b.ownerId}/${b.tier}`, b.clock, b.breaches]);
  for (const s of card.escalationSteps) {
    rows.push(['escalation', s.leadId, `${s.clock} step ${s.stepIndex + 1} ${s.step}`, s.at]);
  }
  for (const d of card.decisions) {
    rows.push(['decision', d.proposalId, `${d.decision} ${d.action} by ${d.approver}`, d.reason]);
  }
  return rows.map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function mdTable(header: string[], rows: (string | number)[][], empty: string): string {
  if (rows.length === 0) return `_${empty}_`;
  const cell = (v: string | number) => String(v).replaceAll('|', '\\|').replaceAll('\n', ' ');
  return [header, header.map(() => '---'), ...rows].map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n');
}

export function scorecardMarkdown(card: Scorecard): string {
  const c = card.compliance;
  return (
    [
      `# SLA scorecard: ${card.campaignId}`,
      `Week ${card.weekStart} to ${card.weekEnd} (${card.timezone})`,
      '## Response compliance vs targets',
      mdTable(
        ['target', 'actual', 'met'],
        c.targets.map((t) => [targetLabel(t), share(t.actual), t.met ? 'yes' : 'NO']),
        'no response targets recorded',
      ),
      `${c.leads} first-touch clocks started = ${c.met} met + ${c.breached} breached + ${c.pending} pending + ${c.closedUntouched} closed untouched; ${c.rescues} breached leads rescued by another rep.`,
      '## Breaches by owner and tier',
      mdTable(
        ['owner', 'tier', 'clock', 'breaches'],
        card.breaches.map((b) => [b.ownerId, b.tier, b.clock, b.breaches]),
        'no breaches this week',
      ),
      '## Owners',
      mdTable(
        ['owner', ...clockCounts.map(([metric]) => metric), ...c.targets.map(targetLabel)],
        card.owners.map((o) => [
          o.ownerId,
          ...clockCounts.map(([, key]) => o[key]),
          ...o.targets.map((t) => share(t.actual)),
        ]),
        'no clocks started this week',
      ),
      '## Escalation steps taken',
      mdTable(
        ['at', 'lead', 'owner', 'clock', 'step'],
        card.escalationSteps.map((s) => [s.at, s.leadId, s.ownerId ?? '-', s.clock, `${s.stepIndex + 1}. ${s.step}`]),
        'no escalation steps this week',
      ),
      '## Budget decisions (corrective actions)',
      mdTable(
        ['at', 'proposal', 'action', 'rule', 'decision', 'by', 'reason'],
        card.decisions.map((d) => [d.at, d.proposalId, d.action, d.rule, d.decision, d.approver, d.reason]),
        'no budget decisions this week',
      ),
    ].join('\n\n') + '\n'
  );
}
