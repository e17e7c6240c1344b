// After the run: what the ledger and the workflow say, compared exactly with what the driver fed.
// Every figure has an expected value derived from event times alone (see campaign.ts expectationFor);
// a figure that differs fails the run. "info" figures are printed for context and never fail it.
import type { WorkflowHandle } from '@temporalio/client';
import type pg from 'pg';
import { slackPayload } from '../../activities/notifier/webhookNotifier';
import type { Alert } from '../../sla/alerts';
import type { LeadView } from '../../sla/views';
import { leadQuery, slaStateQuery } from '../../workflows/messages';
import { percentile } from '../bench/stats';
import { ESCALATION, expectationFor, MILESTONE, type Expectation } from './campaign';
import { touchEventId, type FedLead } from './feed';
import type { CorpusRun } from './hostileCorpus';
import type { WebhookDelivery } from './processes';
import type { FailedWorkflowTask } from './recovery';

export interface Figure {
  section: string;
  name: string;
  expected: number | null;
  actual: number;
  /** null: information only. */
  ok: boolean | null;
  /** A few offending lead IDs (or keys) with what was wrong. */
  examples: string[];
}

export interface FaultWindow {
  name: string;
  from: number;
  to: number;
  /** A worker or server down: its effect lasts past its end (see RECOVERY_MS). */
  disruption?: boolean;
  /** The campaign's first completed workflow task after the disruption began (recovery.ts). */
  recoveredAt?: number;
}

/**
 * After a worker kill -9 the campaign's next task waits for the sticky-queue timeout (3 s), or for the workflow
 * task timeout (10 s) when the dead worker had started one; breaches due then belong to the disruption's row.
 * A disruption's effect lasts at least this long after it, and until the campaign completed a task again when
 * that was later (the timeout plus a replay on a loaded machine).
 */
const RECOVERY_MS = 12_000;
/** How long before a disruption a breach may be due and still wait for its alert when the worker dies. */
const ALERT_HEADROOM_MS = 2_000;

export interface LagRow {
  window: string;
  breaches: number;
  alerted: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export interface CheckInput {
  campaignId: string;
  fed: Map<string, FedLead>;
  pool: pg.Pool;
  handle: WorkflowHandle;
  webhook: WebhookDelivery[];
  windows: FaultWindow[];
  /** The hostile-input corpus sent during the run, and the campaign's failed workflow tasks (recovery.ts). */
  hostileInput: HostileInput;
  /** The full run's goal for breach-detection lag p99 during the CRM outage; quick runs only report it. */
  crmOutageLagGoalMs?: number;
}

/** When a disruption's effect ends: RECOVERY_MS after it, or an alert's headroom after the campaign's first task. */
function effectEnd(w: FaultWindow): number {
  return Math.max(w.to + RECOVERY_MS, (w.recoveredAt ?? -Infinity) + ALERT_HEADROOM_MS);
}

const ms = (value: Date | null | undefined) => (value ? value.getTime() : null);
const iso = (value: number | null | undefined) =>
  value === null || value === undefined ? 'none' : new Date(value).toISOString();

/** Collects figures: `count(name, expected, offenders)` or `info(name, value)`. */
class Figures {
  readonly all: Figure[] = [];
  constructor(private section = '') {}
  in(section: string): this {
    this.section = section;
    return this;
  }
  /** Exact: the number of items must equal `expected`; the offenders' descriptions are kept as examples. */
  exact(name: string, expected: number, actual: number, examples: string[] = []): void {
    this.all.push({
      section: this.section,
      name,
      expected,
      actual,
      ok: actual === expected,
      examples: examples.slice(0, 5),
    });
  }
  /** None allowed: each description is one offending item. */
  none(name: string, offenders: string[]): void {
    this.exact(name, 0, offenders.length, offenders);
  }
  /** A ceiling, e.g. a latency goal: `expected` is the limit. */
  atMost(name: string, limit: number, actual: number): void {
    this.all.push({ section: this.section, name, expected: limit, actual, ok: actual <= limit, examples: [] });
  }
  info(name: string, actual: number, examples: string[] = []): void {
    this.all.push({ section: this.section, name, expected: null, actual, ok: null, examples: examples.slice(0, 5) });
  }
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]);
      }
    }),
  );
  return results;
}

function countBy<T>(rows: T[], key: (row: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(key(row), (counts.get(key(row)) ?? 0) + 1);
  return counts;
}

const queryState = (handle: CheckInput['handle']) => handle.query(slaStateQuery);

/** "Failed to query Workflow: <gRPC status>: <server message>", not just the outermost message. */
export function causeChain(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error && parts.length < 5; e = e.cause) parts.push(e.message);
  return parts.length > 0 ? parts.join(': ') : String(err);
}

interface HostileInput {
  corpus: CorpusRun;
  failedTasks: FailedWorkflowTask[];
}

/** Every hostile payload refused as it must be, and no workflow task failed while they came in. */
export function hostileInputFigures({ corpus, failedTasks }: HostileInput): Figure[] {
  const f = new Figures('hostile input');
  const failing = corpus.failing;
  f.exact(
    'hostile-input corpus: payloads rejected as not retryable, naming their field',
    corpus.cases,
    corpus.cases - failing.length,
    failing.length
      ? [
          `failing: ${failing.map((c) => c.name).join('; ')}`,
          ...failing.map((c) => `${c.name}: ${c.problems.join('; ')}`),
        ]
      : [],
  );
  const whenAndWhy = (t: FailedWorkflowTask) => `${iso(t.at)} ${t.why}`;
  f.none(
    'workflow tasks failed while the corpus was sent (WorkflowTaskFailed)',
    failedTasks.filter((t) => t.at >= corpus.startedAt && t.at <= corpus.endedAt).map(whenAndWhy),
  );
  f.info('workflow tasks failed up to the end of the feed, any cause', failedTasks.length, failedTasks.map(whenAndWhy));
  f.info(
    'hostile-input corpus: sends repeated after a transport error (worker or server down)',
    corpus.transportRetries,
  );
  return f.all;
}

const duplicates = (counts: Map<string, number>) => [...counts].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`);

export async function runChecks(input: CheckInput): Promise<{ figures: Figure[]; lag: LagRow[] }> {
  const { campaignId, fed, pool, handle } = input;
  const f = new Figures();
  const leads = [...fed.values()];
  const admitted = leads.filter((l) => l.admit.result === 'admitted' || l.admit.result === 'duplicate');
  const expect = new Map(leads.map((l) => [l.planned.leadId, expectationFor(l.planned)] as [string, Expectation]));
  const prefix = `${campaignId}:`;

  // ---- what was fed
  f.in('feed');
  f.exact(
    'leads fed (admitted by the workflow)',
    leads.length,
    admitted.length,
    leads.filter((l) => !admitted.includes(l)).map((l) => `${l.planned.leadId}: ${l.admit.result}`),
  );
  const touches = leads.filter((l) => l.touch);
  const touchesOk = touches.filter((l) => l.touch!.result === 'applied' || l.touch!.result === 'duplicate');
  f.exact(
    'touches fed (applied by the workflow)',
    touches.length,
    touchesOk.length,
    touches.filter((l) => !touchesOk.includes(l)).map((l) => `${l.planned.leadId}: ${l.touch!.result}`),
  );
  f.info('touches planned on time / late / never', touches.length, [
    `on-time ${leads.filter((l) => l.planned.kind === 'on-time').length}`,
    `late ${leads.filter((l) => l.planned.kind === 'late').length}`,
    `never ${leads.filter((l) => l.planned.kind === 'never').length}`,
  ]);
  const blocked = touches.filter(
    (l) => l.touch!.doneAt !== undefined && l.touch!.doneAt > l.planned.deadline && l.planned.kind === 'on-time',
  );
  f.info(
    'on-time touches whose Update was answered only after the deadline',
    blocked.length,
    blocked.map((l) => `${l.planned.leadId}: answered ${l.touch!.doneAt! - l.planned.deadline} ms after the deadline`),
  );

  f.all.push(...hostileInputFigures(input.hostileInput));

  // ---- the ledger
  const q = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = [campaignId]) =>
    (await pool.query<R>(sql, params)).rows;
  const leadRows = await q<{ lead_id: string; tier: string; created_at: Date }>(
    'SELECT lead_id, tier, created_at FROM leads WHERE campaign_id = $1',
  );
  const eventRows = await q<{ event_id: string; lead_id: string; kind: string; at: Date }>(
    'SELECT event_id, lead_id, kind, at FROM lead_events WHERE campaign_id = $1',
  );
  const clockRows = await q<{
    lead_id: string;
    clock: string;
    started_at: Date;
    deadline: Date;
    warned_at: Date | null;
    met_at: Date | null;
    met_recorded_at: Date | null;
    breached_at: Date | null;
    breach_retracted_at: Date | null;
  }>(
    `SELECT lead_id, clock, started_at, deadline, warned_at, met_at, met_recorded_at, breached_at, breach_retracted_at
       FROM clocks WHERE campaign_id = $1`,
  );
  const allStepRows = await q<{
    lead_id: string;
    clock: string;
    step_index: number;
    step: string;
    at: Date;
    superseded: boolean;
    failed_attempts: number;
  }>(
    `SELECT lead_id, clock, step_index, step, at, COALESCE((outcome->>'superseded')::boolean, false) AS superseded,
            COALESCE((outcome->>'failedAttempts')::int, 0) AS failed_attempts
     FROM escalation_steps WHERE campaign_id = $1`,
  );
  // A superseded row marks a step that fell due but never ran because the lead was handled first.
  const stepRows = allStepRows.filter((r) => !r.superseded);
  const supersededRows = new Map(
    allStepRows.filter((r) => r.superseded).map((r) => [`${r.lead_id}/${r.clock}`, r] as const),
  );
  const alertRows = await q<{
    dedupe_key: string;
    payload: Alert;
    claimed_at: Date;
    delivered_at: Date | null;
    attempts: number;
    digest_key: string | null;
  }>(
    `SELECT dedupe_key, payload, claimed_at, delivered_at, attempts, digest_key FROM alerts_sent
      WHERE starts_with(dedupe_key, $1)`,
    [prefix],
  );
  const proposalRows = await q<{ proposal_id: string; rule: string; action: string; created_at: Date; status: string }>(
    'SELECT proposal_id, rule, action, created_at, status FROM proposals WHERE campaign_id = $1',
  );

  f.in('ledger: leads');
  const leadRow = new Map(leadRows.map((r) => [r.lead_id, r]));
  f.exact(
    'leads in ledger',
    admitted.length,
    leadRows.filter((r) => fed.has(r.lead_id)).length,
    admitted.filter((l) => !leadRow.has(l.planned.leadId)).map((l) => `${l.planned.leadId}: no leads row`),
  );
  f.none(
    'ledger leads never fed',
    leadRows.filter((r) => !fed.has(r.lead_id)).map((r) => r.lead_id),
  );
  f.none(
    'leads rows with another tier or creation time',
    admitted.flatMap((l) => {
      const row = leadRow.get(l.planned.leadId);
      return row && (row.tier !== l.planned.tier || ms(row.created_at) !== l.planned.createdAt)
        ? [
            `${l.planned.leadId}: ${row.tier} ${iso(ms(row.created_at))}, fed ${l.planned.tier} ${iso(l.planned.createdAt)}`,
          ]
        : [];
    }),
  );

  f.in('duplicates');
  f.none('leads: rows per lead > 1', duplicates(countBy(leadRows, (r) => r.lead_id)));
  f.none(
    'lead_events: contact events per lead > 1 (one touch fed each)',
    duplicates(
      countBy(
        eventRows.filter((r) => r.kind === 'contact'),
        (r) => r.lead_id,
      ),
    ),
  );
  f.none(
    'lead_events: nurture events per lead > 1',
    duplicates(
      countBy(
        eventRows.filter((r) => r.kind === 'nurture'),
        (r) => r.lead_id,
      ),
    ),
  );
  f.none('clocks: rows per lead clock > 1', duplicates(countBy(clockRows, (r) => `${r.lead_id}/${r.clock}`)));
  f.none(
    'escalation_steps: same step per lead clock > 1',
    duplicates(countBy(stepRows, (r) => `${r.lead_id}/${r.clock}/${r.step}`)),
  );
  // Ops alerts (a failing velocity check, failing steps) may repeat once an hour; anything else is told once.
  f.none(
    'alerts_sent: same alert title in the same hour > 1',
    duplicates(countBy(alertRows, (r) => `${r.payload.title} (hour ${Math.floor(ms(r.claimed_at)! / 3_600_000)})`)),
  );
  f.none(
    'proposals: same rule and action at the same time > 1',
    duplicates(countBy(proposalRows, (r) => `${r.rule}/${r.action}/${r.created_at.toISOString()}`)),
  );
  f.info(
    'proposals recorded',
    proposalRows.length,
    proposalRows.map((r) => `${r.proposal_id} ${r.action} ${r.status}`),
  );

  // ---- the workflow
  f.in('workflow');
  const views = new Map<string, LeadView | null>();
  let state: Awaited<ReturnType<typeof queryState>>;
  try {
    const answers = await mapLimit(admitted, 8, (l) => handle.query(leadQuery, l.planned.leadId));
    admitted.forEach((l, i) => views.set(l.planned.leadId, answers[i]));
    state = await queryState(handle);
  } catch (err) {
    // Right after the settling restart a query can fail (its task went to the stopped worker's sticky queue):
    // a check not met yet, tried again while settling, and named with its cause if it never passes.
    f.none('workflow queries answered', [causeChain(err)]);
    return { figures: f.all, lag: [] };
  }
  const openExpected = admitted.filter((l) => expect.get(l.planned.leadId)!.open);
  f.exact(
    'touched leads in workflow (lead query)',
    openExpected.length,
    openExpected.filter((l) => views.get(l.planned.leadId)).length,
    openExpected
      .filter((l) => !views.get(l.planned.leadId))
      .map((l) => `${l.planned.leadId}: lead query answered null`),
  );
  f.none(
    'never-touched leads still in workflow (not returned to nurture)',
    admitted
      .filter((l) => !expect.get(l.planned.leadId)!.open && views.get(l.planned.leadId))
      .map((l) => `${l.planned.leadId}: still ${views.get(l.planned.leadId)!.status}`),
  );
  f.exact('slaState.openLeads', openExpected.length, state.openLeads);
  const breachesExpected = admitted.filter((l) => expect.get(l.planned.leadId)!.breach).length;
  f.exact('slaState.breachedLeads', breachesExpected, state.breachedLeads);
  f.none(
    'workflow first touch ≠ fed event time',
    openExpected.flatMap((l) => {
      const view = views.get(l.planned.leadId);
      const firstTouchAt = view?.firstTouchAt === undefined ? undefined : Date.parse(view.firstTouchAt);
      return view && firstTouchAt !== l.planned.touchAt
        ? [`${l.planned.leadId}: workflow ${iso(firstTouchAt)}, fed ${iso(l.planned.touchAt)}`]
        : [];
    }),
  );
  f.none(
    'workflow breach ≠ expected from event times',
    openExpected.flatMap((l) => {
      const view = views.get(l.planned.leadId);
      const breached = view?.clocks.firstTouch?.breachedAt !== undefined;
      return view && breached !== expect.get(l.planned.leadId)!.breach
        ? [
            `${l.planned.leadId}: workflow ${breached ? 'breached' : 'met'}; touch ${l.planned.touchAt! - l.planned.deadline} ms after the deadline`,
          ]
        : [];
    }),
  );
  f.info('workflow runs (continued as new)', state.run.continuedAsNew);

  // ---- clock outcomes against event times
  f.in('clock outcomes vs event times');
  const clock = new Map(clockRows.map((r) => [`${r.lead_id}/${r.clock}`, r]));
  const steps = new Map<string, typeof stepRows>();
  for (const row of stepRows)
    steps.set(`${row.lead_id}/${row.clock}`, [...(steps.get(`${row.lead_id}/${row.clock}`) ?? []), row]);
  const milestoneClock = `m:${MILESTONE.name}`;
  const milestoneMisses = admitted.flatMap((l) => {
    const row = clock.get(`${l.planned.leadId}/${milestoneClock}`);
    const due = l.planned.createdAt + MILESTONE.withinMs;
    if (!row) return [`${l.planned.leadId}: no ${milestoneClock} row`];
    return ms(row.started_at) === l.planned.createdAt &&
      ms(row.deadline) === due &&
      ms(row.breached_at) === due &&
      row.met_at === null
      ? []
      : [
          `${l.planned.leadId}: started ${iso(ms(row.started_at))}, deadline ${iso(ms(row.deadline))}, breached ${iso(ms(row.breached_at))}, met ${iso(ms(row.met_at))}; due ${iso(due)}`,
        ];
  });
  f.exact(
    `milestone ${MILESTONE.name} breached at createdAt + ${MILESTONE.withinMs / 1000} s, one row per lead`,
    admitted.length,
    admitted.length - milestoneMisses.length,
    milestoneMisses,
  );
  const milestoneFigures = state.milestones.find((m) => m.name === MILESTONE.name);
  f.exact('workflow: milestone clocks started', admitted.length, milestoneFigures?.started ?? 0);
  f.exact('workflow: milestone clocks breached', admitted.length, milestoneFigures?.breached ?? 0);
  const firstTouch = (l: FedLead) => clock.get(`${l.planned.leadId}/firstTouch`);
  /** When the workflow learnt of the lead's first touch: what it did before then was right on what it knew. */
  // A warning due while a worker or server was down (recovery included) is never sent when the touch it would
  // have prompted is recorded before the engine is back: by then it has nothing left to warn about.
  const downSpans = input.windows.filter((w) => w.disruption).map((w) => [w.from, effectEnd(w)] as const);
  const warningOvertaken = (l: FedLead) => {
    const row = firstTouch(l);
    const span = downSpans.find(([from, to]) => l.planned.warnAt >= from && l.planned.warnAt <= to);
    return !!span && !row?.warned_at && ms(row?.met_recorded_at ?? null)! <= span[1];
  };
  const touchKnownAt = (leadId: string) =>
    ms(clock.get(`${leadId}/firstTouch`)?.met_recorded_at ?? null) ?? Number.POSITIVE_INFINITY;
  f.none(
    'first-touch clock missing',
    admitted.filter((l) => !firstTouch(l)).map((l) => l.planned.leadId),
  );
  const withClock = admitted.filter((l) => firstTouch(l));
  const describe = (l: FedLead) => {
    const row = firstTouch(l)!;
    const touch =
      l.planned.touchAt === undefined
        ? 'never touched'
        : `touch ${l.planned.touchAt - l.planned.deadline} ms from the deadline`;
    return `${l.planned.leadId}: ${touch}; met ${iso(ms(row.met_at))} breached ${iso(ms(row.breached_at))}`;
  };
  const inTimeBreached = withClock.filter((l) => !expect.get(l.planned.leadId)!.breach && firstTouch(l)!.breached_at);
  f.none('touched by the deadline (event time) but recorded breached', inTimeBreached.map(describe));
  f.info(
    '… of which the touch Update was answered only after the deadline',
    inTimeBreached.filter((l) => (l.touch?.doneAt ?? 0) > l.planned.deadline).length,
  );
  f.none(
    'touched after the deadline but recorded met without breach',
    withClock.filter((l) => l.planned.kind === 'late' && !firstTouch(l)!.breached_at).map(describe),
  );
  f.none(
    'never touched but no breach recorded',
    withClock.filter((l) => l.planned.kind === 'never' && !firstTouch(l)!.breached_at).map(describe),
  );
  f.none(
    'breach with no escalation rows',
    withClock
      .filter(
        (l) =>
          firstTouch(l)!.breached_at &&
          !steps.get(`${l.planned.leadId}/firstTouch`)?.length &&
          !supersededRows.has(`${l.planned.leadId}/firstTouch`),
      )
      .map(describe),
  );
  f.none(
    'deadline ≠ created + SLA',
    withClock
      .filter((l) => ms(firstTouch(l)!.deadline) !== l.planned.deadline)
      .map((l) => `${l.planned.leadId}: ${iso(ms(firstTouch(l)!.deadline))}, expected ${iso(l.planned.deadline)}`),
  );
  f.none(
    'met_at ≠ touch event time',
    withClock.filter((l) => ms(firstTouch(l)!.met_at) !== (l.planned.touchAt ?? null)).map(describe),
  );
  f.none(
    'breached_at ≠ deadline',
    withClock
      .filter((l) => firstTouch(l)!.breached_at && ms(firstTouch(l)!.breached_at) !== l.planned.deadline)
      .map(describe),
  );
  f.none(
    // A warning goes out when the touch is not known yet: only one sent after the touch was recorded contradicts.
    'warned after a touch before the warning point was recorded',
    withClock
      .filter((l) => {
        const row = firstTouch(l)!;
        return (
          !expect.get(l.planned.leadId)!.warn &&
          row.warned_at !== null &&
          row.met_recorded_at !== null &&
          ms(row.met_recorded_at)! <= ms(row.warned_at)!
        );
      })
      .map(describe),
  );
  const missedWarning = withClock.filter(
    (l) => expect.get(l.planned.leadId)!.warn && ms(firstTouch(l)!.warned_at) !== l.planned.warnAt,
  );
  f.none(
    'not warned (or warned at another time) though untouched at the warning point',
    missedWarning.filter((l) => !warningOvertaken(l)).map(describe),
  );
  f.info(
    '… warnings a late-reported touch overtook while a worker or server was down (the breach was still told)',
    missedWarning.filter(warningOvertaken).length,
  );
  f.none(
    'follow-up / acceptance clocks contradicting the touch',
    admitted.flatMap((l) => {
      const followUp = clock.get(`${l.planned.leadId}/followUp`);
      const acceptance = clock.get(`${l.planned.leadId}/acceptance`);
      const touch = l.planned.touchAt ?? null;
      const problems: string[] = [];
      if (!followUp || ms(followUp.met_at) !== touch || followUp.breached_at)
        problems.push(`follow-up met ${iso(ms(followUp?.met_at))}`);
      if (
        touch === null
          ? acceptance
          : !acceptance || ms(acceptance.started_at) !== touch || acceptance.met_at || acceptance.breached_at
      )
        problems.push(`acceptance started ${iso(ms(acceptance?.started_at))}`);
      return problems.length ? [`${l.planned.leadId} (touch ${iso(touch)}): ${problems.join(', ')}`] : [];
    }),
  );

  // ---- escalation steps
  f.in('escalation steps');
  const missing: string[] = [];
  const pending: string[] = [];
  const unexpected: string[] = [];
  const wrongStep: string[] = [];
  const supersededWrongly: string[] = [];
  /** Per lead, the expected steps that ran; the rest were superseded or lapsed after a superseded step. */
  const ranSteps = new Map<string, number[]>();
  let supersededCount = 0;
  let lapsedCount = 0;
  let ranBeforeTouchKnown = 0;
  for (const l of admitted) {
    const id = l.planned.leadId;
    const want = expect.get(id)!.steps;
    const rows = steps.get(`${id}/firstTouch`) ?? [];
    const have = new Set(rows.map((r) => r.step_index));
    const superseded = supersededRows.get(`${id}/firstTouch`);
    const nextStep = views.get(id)?.clocks.firstTouch?.nextStep;
    const ran: number[] = [];
    for (const index of want) {
      if (have.has(index)) ran.push(index);
      else if (superseded && superseded.step_index <= index) {
        if (superseded.step_index === index) supersededCount++;
        else lapsedCount++;
      } else
        (nextStep !== undefined && nextStep <= index ? pending : missing).push(
          `${id}: step ${index} (${ESCALATION[index].step})`,
        );
    }
    ranSteps.set(id, ran);
    if (superseded) {
      // Legitimate only once the touch was recorded: the workflow knew the lead was handled.
      const recordedAt = ms(firstTouch(l)?.met_recorded_at ?? null);
      if (recordedAt === null || ms(superseded.at)! < recordedAt)
        supersededWrongly.push(
          `${id}: step ${superseded.step_index} superseded at ${iso(ms(superseded.at))}, touch recorded ${iso(recordedAt)}`,
        );
    }
    for (const row of rows) {
      if (!want.includes(row.step_index) && ms(row.at)! < touchKnownAt(id)) ranBeforeTouchKnown++;
      else if (!want.includes(row.step_index))
        unexpected.push(
          `${id}: step ${row.step_index} (${row.step}) at ${iso(ms(row.at))}, touch ${iso(l.planned.touchAt)}`,
        );
      if (ESCALATION[row.step_index]?.step !== row.step) wrongStep.push(`${id}: step ${row.step_index} is ${row.step}`);
    }
  }
  const expectedSteps = admitted.reduce((n, l) => n + expect.get(l.planned.leadId)!.steps.length, 0);
  f.exact(
    'steps due before the touch (event time): ran + superseded + lapsed after a superseded step',
    expectedSteps,
    [...ranSteps.values()].reduce((n, ran) => n + ran.length, 0) + supersededCount + lapsedCount,
  );
  f.info(
    '… superseded: the lead was handled before the due step succeeded (failing API, worker down)',
    supersededCount,
  );
  f.info('… lapsed: later steps of a chain ended by a superseded step', lapsedCount);
  f.none('superseded steps without a recorded touch before them', supersededWrongly);
  f.none('steps pending (still scheduled in the workflow)', pending);
  f.none('steps missing (not scheduled, not recorded)', missing);
  f.none('steps run after the touch was recorded, though due after it (event time)', unexpected);
  f.info('steps run before a touch that happened earlier was reported (worker or server down)', ranBeforeTouchKnown);
  f.none('steps of the wrong kind', wrongStep);
  f.none(
    'steps of other clocks (acceptance / follow-up never fall due)',
    stepRows.filter((r) => r.clock !== 'firstTouch').map((r) => `${r.lead_id}/${r.clock}/${r.step_index}`),
  );
  const nurture = new Set(eventRows.filter((r) => r.kind === 'nurture').map((r) => r.lead_id));
  f.none(
    'never-touched leads without a nurture event',
    admitted
      .filter((l) => expect.get(l.planned.leadId)!.nurtured && !nurture.has(l.planned.leadId))
      .map((l) => l.planned.leadId),
  );
  const contact = new Map(eventRows.filter((r) => r.event_id.startsWith('touch-')).map((r) => [r.lead_id, r]));
  f.none(
    'touches missing from lead_events or at another time',
    touchesOk
      .filter(
        (l) =>
          ms(contact.get(l.planned.leadId)?.at) !== l.planned.touchAt ||
          contact.get(l.planned.leadId)!.event_id !== touchEventId(l.planned.leadId),
      )
      .map(
        (l) =>
          `${l.planned.leadId}: ledger ${iso(ms(contact.get(l.planned.leadId)?.at))}, fed ${iso(l.planned.touchAt)}`,
      ),
  );

  // ---- alerts
  f.in('alerts');
  const expectedKeys = new Map<string, string>();
  for (const l of admitted) {
    const e = expect.get(l.planned.leadId)!;
    const key = (kind: string) => `${prefix}${l.planned.leadId}:firstTouch:${kind}`;
    if (e.warn && !warningOvertaken(l)) expectedKeys.set(key('warning'), l.planned.leadId);
    if (e.breach) expectedKeys.set(key('breach'), l.planned.leadId);
    for (const index of ranSteps.get(l.planned.leadId) ?? []) expectedKeys.set(key(`step${index}`), l.planned.leadId);
  }
  const alertRow = new Map(alertRows.map((r) => [r.dedupe_key, r]));
  const milestoneBreachKey = (l: FedLead) => `${prefix}${l.planned.leadId}:m:${MILESTONE.name}:breach`;
  f.exact(
    `milestone breach alerts delivered, one per lead`,
    admitted.length,
    admitted.filter((l) => alertRow.get(milestoneBreachKey(l))?.delivered_at).length,
    admitted.filter((l) => !alertRow.get(milestoneBreachKey(l))?.delivered_at).map(milestoneBreachKey),
  );
  const leadAlert = (key: string) =>
    /^[^:]+:(warning|breach|step\d+)$/.test(key.slice(prefix.length).replace(/^[^:]+:/, ''));
  const delivered = [...expectedKeys.keys()].filter((k) => alertRow.get(k)?.delivered_at);
  f.exact(
    'lead alerts delivered (alerts_sent.delivered_at)',
    expectedKeys.size,
    delivered.length,
    [...expectedKeys.keys()]
      .filter((k) => !alertRow.get(k)?.delivered_at)
      .map(
        (k) =>
          `${k}: ${alertRow.has(k) ? `claimed, not delivered (${alertRow.get(k)!.attempts} attempts)` : 'never claimed'}`,
      ),
  );
  // A warning sent before a touch was recorded was right when it went out (the touch was not known yet).
  const warnedBeforeKnown = new Set(
    clockRows
      .filter((r) => r.clock === 'firstTouch' && r.warned_at && (!r.met_recorded_at || r.met_recorded_at > r.warned_at))
      .map((r) => `${prefix}${r.lead_id}:firstTouch:warning`),
  );
  const unexpectedAlerts = alertRows.filter((r) => leadAlert(r.dedupe_key) && !expectedKeys.has(r.dedupe_key));
  const leadOfAlert = (key: string) => key.slice(prefix.length).split(':')[0];
  // Raised before the touch was known even if first claimed after (an outage delayed the delivery): a breach the
  // late-reported touch withdrew, or a step already in flight (planned before the touch was known).
  const raisedBeforeKnown = (key: string) => {
    const lead = leadOfAlert(key);
    if (key.endsWith(':breach')) return clock.get(`${lead}/firstTouch`)?.breach_retracted_at != null;
    const step = /:step(\d+)$/.exec(key);
    if (!step) return false;
    const row = steps.get(`${lead}/firstTouch`)?.find((r) => r.step_index === Number(step[1]));
    if (row) return ms(row.at)! < touchKnownAt(lead);
    // A step that failed in flight and was then superseded by the touch: each attempt was planned while the
    // workflow did not know of the touch yet (a handled lead's failed step is never tried again).
    const superseded = supersededRows.get(`${lead}/firstTouch`);
    return superseded?.step_index === Number(step[1]) && superseded.failed_attempts > 0;
  };
  const sentBeforeKnown = (r: (typeof alertRows)[number]) =>
    warnedBeforeKnown.has(r.dedupe_key) ||
    ms(r.claimed_at)! < touchKnownAt(leadOfAlert(r.dedupe_key)) ||
    raisedBeforeKnown(r.dedupe_key);
  f.none(
    'lead alerts not expected from event times',
    unexpectedAlerts
      .filter((r) => !sentBeforeKnown(r))
      .map((r) => {
        const lead = leadOfAlert(r.dedupe_key);
        const superseded = supersededRows.get(`${lead}/firstTouch`);
        return [
          `${r.dedupe_key}: claimed ${iso(ms(r.claimed_at))}, touch known ${iso(touchKnownAt(lead))}`,
          `delivered ${iso(ms(r.delivered_at))}`,
          `steps [${(steps.get(`${lead}/firstTouch`) ?? []).map((row) => `${row.step_index}@${iso(ms(row.at))}`).join(' ')}]`,
          superseded ? `superseded ${superseded.step_index} (${superseded.failed_attempts} failed)` : 'none superseded',
        ].join(', ');
      }),
  );
  f.info(
    'lead alerts sent before a touch that happened earlier was reported',
    unexpectedAlerts.filter(sentBeforeKnown).length,
  );
  const received = countBy(input.webhook, (d) => d.text);
  // A digest's text names it: "… (digest 1a2b3c4d)"; an alert it carried names the digest in digest_key.
  const receivedDigests = new Set(input.webhook.flatMap((d) => /\(digest ([0-9a-f]{8})\)$/.exec(d.text)?.[1] ?? []));
  const wasReceived = (r: (typeof alertRows)[number]) =>
    r.digest_key
      ? receivedDigests.has(r.digest_key.slice(r.digest_key.lastIndexOf(':') + 1))
      : received.has(String(slackPayload(r.payload).text));
  f.none(
    'marked delivered but never received by the webhook',
    alertRows.filter((r) => r.delivered_at && !wasReceived(r)).map((r) => r.dedupe_key),
  );
  const digested = alertRows.filter((r) => r.digest_key);
  f.info('webhook POSTs received / redelivered (at least once)', input.webhook.length, [
    `redelivered ${input.webhook.length - received.size}`,
    `digests ${receivedDigests.size} carrying ${digested.length} alerts`,
  ]);
  const other = alertRows.filter((r) => !leadAlert(r.dedupe_key));
  f.info(
    'other alerts (proposals, ops escalations)',
    other.length,
    [...countBy(other, (r) => r.payload.title.replace(/[0-9a-f-]{8,}|\d+/g, '#'))].map(([t, n]) => `${n}× ${t}`),
  );

  // ---- breach detection lag per fault window
  const lag: LagRow[] = [];
  const breaches = admitted.filter((l) => expect.get(l.planned.leadId)!.breach);
  const lagOf = (l: FedLead) => {
    const row = alertRow.get(`${prefix}${l.planned.leadId}:firstTouch:breach`);
    return row ? ms(row.claimed_at)! - l.planned.deadline : undefined;
  };
  // A disruption also takes the breaches due just before it whose alert was not out yet (normally under a second).
  const span = (w: FaultWindow): [number, number] =>
    w.disruption ? [w.from - ALERT_HEADROOM_MS, effectEnd(w)] : [w.from, w.to];
  const within = (l: FedLead, w: FaultWindow) => {
    const [from, to] = span(w);
    return l.planned.deadline >= from && l.planned.deadline <= to;
  };
  const disruptions = input.windows.filter((w) => w.disruption);
  f.in('recovery');
  f.none(
    'disruptions after which the campaign completed no workflow task',
    disruptions.filter((w) => w.recoveredAt === undefined).map((w) => w.name),
  );
  for (const w of disruptions) {
    if (w.recoveredAt !== undefined)
      f.info(
        `${w.name}: campaign's first completed workflow task, seconds after it began`,
        (w.recoveredAt - w.from) / 1000,
      );
  }
  // Each outage's figure is its own: breaches due while a worker or server was down count under that disruption.
  const inWindow = (l: FedLead, w: FaultWindow) =>
    within(l, w) && (w.disruption || !disruptions.some((d) => within(l, d)));
  const inNoWindow = breaches.filter((l) => !input.windows.some((w) => within(l, w)));
  for (const [window, members] of [
    ...input.windows.map(
      (w) =>
        [
          `${w.name} (${((w.to - w.from) / 1000).toFixed(0)} s${w.disruption ? ` + ${((effectEnd(w) - w.to) / 1000).toFixed(0)} s recovery` : ''})`,
          breaches.filter((l) => inWindow(l, w)),
        ] as const,
    ),
    ['outside every window (API faults only)', inNoWindow] as const,
  ]) {
    const samples = members.map(lagOf).filter((v): v is number => v !== undefined);
    lag.push({
      window,
      breaches: members.length,
      alerted: samples.length,
      p50Ms: samples.length ? percentile(samples, 50) : null,
      p99Ms: samples.length ? percentile(samples, 99) : null,
      maxMs: samples.length ? Math.max(...samples) : null,
    });
  }
  const crmOutage = lag.find((row) => row.window.startsWith('CRM outage'));
  if (input.crmOutageLagGoalMs !== undefined && crmOutage?.p99Ms != null) {
    f.in('breach detection lag');
    f.atMost('CRM outage: breach alert p99 after the deadline (ms)', input.crmOutageLagGoalMs, crmOutage.p99Ms);
  }
  return { figures: f.all, lag };
}
