// Replays recorded histories against the current workflow code, each as the workflow type it records (campaigns and
// quarterly resets): a change that breaks determinism (reordered commands, a new activity in an old code path
// without patching) fails here. Each folder under
// fixtures/histories holds the histories one release recorded (`npm run record-histories -- <label>`, only for
// intended, versioned changes); older folders stay, because the runs those releases started must still replay.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../runtime/campaignWorker';
import { replayWorkerOptions, WORKFLOW_TYPES } from '../runtime/replay';
import { parseCampaignConfig } from '../sla/config';
import { startedWith } from '../scripts/bench/startedWith';
import { mergeNoCommandTasks, retimeNoCommandTasks } from '../runtime/mergedTasks';
import { cancelledActivityTypes, drainBegan, sendsAlert, timerSummaries } from './support/handOverScenario';
import { installQuietRuntime } from './support/temporal';

const dir = path.join(__dirname, 'fixtures', 'histories');
const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.bin'))
  .sort();
/** The paths a campaign takes, each recorded by the current release (test/recordHistories.ts). */
const CURRENT = '2026-12-03';
/** The quarterly reset workflow (a scheduled run and a backfill) and continue-as-new past 2,000 events. */
const QUARTERLY_RESET = '2026-12-04b';
/** The paths recorded once the loop's wake-up timers stood (patch standing-wake-up-timers). */
const STANDING_TIMERS = '2026-12-04d';
/** The paths recorded once every wait of the loop ended for an Update (patch waits-wake-for-updates). */
const WAITS_WAKE = '2026-12-05c';
/** The paths recorded once new runs went without OpenTelemetry's workflow interceptors (patch untraced-run). */
const UNTRACED_RUNS = '2026-12-05d';
/** The paths recorded once figures counted a touch within T by the instant T is reached (patch within-at-reach). */
const WITHIN_AT_REACH = '2026-12-06';
/** The paths recorded once calendars placed windows by wall-clock reading around tz transitions (wall-clock-dst). */
const WALL_CLOCK_DST = '2026-12-06b';
/** The paths recorded once follow-ups of outside calls were timed from their dispatch (follow-ups-from-dispatch). */
const FOLLOW_UPS_FROM_DISPATCH = '2026-12-06c';
/** The paths recorded once a drain that could not hand over within 5 s gave up (patch bounded-hand-over-wait). */
const BOUNDED_HAND_OVER_WAIT = '2026-12-06d';
/** The paths recorded once a drain cancelled the deliveries in flight and carried them (hand-over-carries-deliveries). */
const CARRIES_DELIVERIES = '2026-12-06e';
/** The paths recorded once a drain let alerts through while the webhook was up (alerts-flow-while-draining). */
const ALERTS_FLOW_WHILE_DRAINING = '2026-12-06f';
/** The paths recorded once the loop decided by times the history fixes (patch decisions-at-replayed-times). */
const DECISIONS_AT_REPLAYED_TIMES = '2026-12-07';
/** The paths recorded once ledger writes folded admission's clocks onto lead rows (admission-clocks-on-lead-rows). */
const ADMISSION_CLOCKS_ON_LEAD_ROWS = '2026-12-07b';
const PATHS = [
  'lead-clocks',
  'proposals',
  'amend-and-quarter',
  'continue-as-new',
  'continue-as-new-run2',
  'continue-as-new-run3',
  'crm-poll',
  'fault-retries',
];

// A worker with tracing on runs the traced bundle under the same build ID: histories recorded by either bundle must
// replay on the other. The two differ only in a new run's choice, so the last release recorded with the tracing
// interceptors and the first without them stand for all.
const tracedReplays = files.filter((file) => [WAITS_WAKE, UNTRACED_RUNS].includes(path.dirname(file)));
const { History } = temporal.api.history.v1;

/** A recorded history, and its events. */
const decodedHistory = (file: string) => History.decode(readFileSync(path.join(dir, file)));
const recorded = (file: string) => decodedHistory(file).events;
/** Whether the events hold the marker `patched(patchId)` records. */
const hasPatch = (events: ReturnType<typeof recorded>, patchId: string) =>
  events.some((e) =>
    Buffer.from(e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data ?? [])
      .toString()
      .includes(`"${patchId}"`),
  );

/** The named paths hold the patch's marker in the release recorded with it, and not in the release before. */
function expectPatchFrom(patchId: string, withIt: string, before: string, names: readonly string[]): void {
  for (const [release, present] of [
    [withIt, true],
    [before, false],
  ] as const) {
    for (const name of names)
      expect(hasPatch(recorded(path.join(release, `${name}.bin`)), patchId), `${release}/${name}`).toBe(present);
  }
}

/**
 * Each bundle replays its histories in one replay worker (Worker.runReplayHistories), once for the file: a worker per
 * history spent most of a replay's second starting. Resolves with each history's failure, by file.
 */
const replays: Partial<Record<'default' | 'traced', Promise<Map<string, Error | undefined>>>> = {};
function replayAll(bundle: 'default' | 'traced', histories: string[]): Promise<Map<string, Error | undefined>> {
  replays[bundle] ??= (async () => {
    installQuietRuntime();
    const options = await replayWorkerOptions(
      bundle === 'traced' ? await workflowBundle({ tracing: true }) : undefined,
    );
    const results = new Map<string, Error | undefined>();
    const inputs = histories.map((file) => ({ workflowId: file, history: decodedHistory(file) }));
    for await (const result of Worker.runReplayHistories(options, inputs)) results.set(result.workflowId, result.error);
    return results;
  })();
  return replays[bundle];
}

/** Fails with the replay's own error when `file` did not replay deterministically on `bundle`. */
async function replayed(file: string, bundle: 'default' | 'traced'): Promise<void> {
  const results = await replayAll(bundle, bundle === 'traced' ? tracedReplays : files);
  expect(results.has(file), `${file} was replayed`).toBe(true);
  const error = results.get(file);
  if (error) throw error;
}

describe('replay of a run whose config a later release refuses', () => {
  // A rule added since a run started (here, text the ledger cannot store) judges configs arriving now: replayed, the
  // run's start input and its applied amendments read as they were accepted. The recorded inputs are edited to break it.
  const withHostileName = (file: string, inputs: 'start' | 'amendments') => {
    const history = decodedHistory(file);
    const payloads = (
      inputs === 'start'
        ? [history.events[0].workflowExecutionStartedEventAttributes?.input?.payloads?.[0]]
        : history.events.map(
            (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads?.[0],
          )
    ).filter((p) => p?.data);
    let edited = 0;
    for (const payload of payloads) {
      const value = JSON.parse(Buffer.from(payload!.data!).toString('utf8'));
      const config = value.config ?? value; // the start's { config }, or an amendSla's config itself
      if (!config?.campaign?.id) continue;
      config.campaign.name = `${config.campaign.name ?? 'campaign'}\u0000`;
      expect(() => parseCampaignConfig(config)).toThrow('holds a NUL character');
      payload!.data = Buffer.from(JSON.stringify(value), 'utf8');
      edited++;
    }
    return { history, edited };
  };

  it.each([
    ['lead-clocks.bin', 'start'],
    ['amend-and-quarter.bin', 'amendments'],
  ] as const)('%s replays with its %s read as accepted', async (name, inputs) => {
    const { history, edited } = withHostileName(path.join(UNTRACED_RUNS, name), inputs);
    expect(edited).toBe(1);
    installQuietRuntime();
    await Worker.runReplayHistory(await replayWorkerOptions(), history, name);
  });
});

describe('replay of recorded campaign histories', () => {
  // Both batches replay before the tests look at them; a batch takes a minute or two on this machine.
  beforeAll(async () => {
    await replayAll('default', files);
    await replayAll('traced', tracedReplays);
  }, 900_000);

  it("has a recorded history for every path, and keeps the previous release's", () => {
    expect(files).toEqual(expect.arrayContaining(PATHS.map((name) => path.join(CURRENT, `${name}.bin`))));
    expect(files).toEqual(
      expect.arrayContaining([path.join('2026-12-02', 'lead-clocks.bin'), path.join('2026-12-02', 'spend-loop.bin')]),
    );
  });

  it('has a recorded history for every workflow type the worker registers, the quarterly reset and its backfill too', () => {
    const typeOf = (file: string) => recorded(file)[0].workflowExecutionStartedEventAttributes?.workflowType?.name;
    const types = new Set(files.map(typeOf));
    expect([...types].sort()).toEqual(WORKFLOW_TYPES);
    for (const name of ['quarterly-reset', 'quarterly-reset-backfill'])
      expect(typeOf(path.join(QUARTERLY_RESET, `${name}.bin`)), name).toBe('quarterlyReset');
    expect(typeOf(path.join(QUARTERLY_RESET, 'quarterly-reset-campaign.bin'))).toBe('campaignSla');
  });

  it('has runs that continued as new past 2,000 events under patch earlier-continue-as-new, and runs from before it', () => {
    for (const [release, patched] of [
      [QUARTERLY_RESET, true],
      [CURRENT, false],
    ] as const) {
      const events = recorded(path.join(release, 'continue-as-new.bin'));
      expect(events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes, release).toBeTruthy();
      expect(hasPatch(events, 'earlier-continue-as-new'), release).toBe(patched);
      expect(events.length, release).toBeGreaterThan(patched ? 2_000 : 4_000);
    }
  });

  it('has paths recorded under standing wake-up timers (no timer cancelled) and paths from before, which cancelled', () => {
    for (const [release, standing] of [
      [STANDING_TIMERS, true],
      [CURRENT, false],
    ] as const) {
      for (const name of ['lead-clocks', 'proposals', 'continue-as-new']) {
        const events = recorded(path.join(release, `${name}.bin`));
        const cancelled = events.filter((e) => e.timerCanceledEventAttributes).length;
        expect(cancelled === 0, `${release}/${name}: ${cancelled} timers cancelled`).toBe(standing);
      }
    }
  });

  it('has paths recorded with every wait of the loop ending for an Update, and paths from before', () => {
    for (const [release, ahead] of [
      [WAITS_WAKE, true],
      ['2026-12-05', false],
    ] as const) {
      for (const name of ['lead-clocks', 'steady-updates', 'continue-as-new-run2']) {
        expect(
          hasPatch(recorded(path.join(release, `${name}.bin`)), 'waits-wake-for-updates'),
          `${release}/${name}`,
        ).toBe(ahead);
      }
    }
  });

  it('has a milestone breach recorded with BreachedLeads counting response clocks only, and one from before', () => {
    const patch = 'milestones-apart-from-breached-leads';
    expect(hasPatch(recorded(path.join('2026-12-04e', 'milestones.bin')), patch)).toBe(true);
    expect(hasPatch(recorded(path.join(STANDING_TIMERS, 'milestones.bin')), patch)).toBe(false);
  });

  it('has continued runs that start from a packed carry-over (format 6, binary), and runs that start from JSON (format 5)', () => {
    const started = (release: string) => {
      const { carryOver, encodings, bytes } = startedWith(recorded(path.join(release, 'continue-as-new-run2.bin'))[0]);
      return { format: carryOver?.format, encodings, bytes };
    };
    const packed = started('2026-12-04f');
    expect(packed).toMatchObject({ format: 6, encodings: ['json/plain', 'binary/plain'] });
    expect(started(STANDING_TIMERS)).toMatchObject({ format: 5, encodings: ['json/plain'] });
    const [markerBytes, packedBytes] = packed.bytes;
    expect(packedBytes).toBeGreaterThan(markerBytes ?? Infinity);
  });

  it('has campaigns whose figures count a touch within T by the instant T is reached, and campaigns from before', () => {
    // Asked where figures begin: a campaign's first run and a quarter's reset.
    expectPatchFrom('within-at-reach', WITHIN_AT_REACH, UNTRACED_RUNS, [
      'lead-clocks',
      'amend-and-quarter',
      'proposals',
    ]);
  });

  it('has runs whose calendars place windows by wall-clock reading, and runs from before, which keep the old placement', () => {
    // Asked as every run starts, a continued one too.
    expectPatchFrom('wall-clock-dst', WALL_CLOCK_DST, WITHIN_AT_REACH, [
      'lead-clocks',
      'continue-as-new',
      'continue-as-new-run2',
      'milestones',
    ]);
  });

  it('has runs whose escalation steps and intake routes time what follows from their dispatch, and runs from before', () => {
    // Asked where a step's or a route's result is applied.
    expectPatchFrom('follow-ups-from-dispatch', FOLLOW_UPS_FROM_DISPATCH, WALL_CLOCK_DST, [
      'lead-clocks',
      'fault-retries',
      'intake-routing',
    ]);
  });

  it('has runs whose drains give up after 5 s, and runs from before, whose drains waited for what was in flight', () => {
    // Asked as the loop starts.
    expectPatchFrom('bounded-hand-over-wait', BOUNDED_HAND_OVER_WAIT, FOLLOW_UPS_FROM_DISPATCH, [
      'lead-clocks',
      'continue-as-new',
      'steady-updates',
    ]);
  });

  it('has a run whose drain gave up behind a ledger outage, ran a step that fell due meanwhile, then handed over', () => {
    const events = recorded(path.join(BOUNDED_HAND_OVER_WAIT, 'hand-over-wait.bin'));
    expect(timerSummaries(events)).toContain('"next hand-over"');
    const step = events.find(
      (e) =>
        e.activityTaskScheduledEventAttributes?.activityType?.name === 'runEscalationSteps' &&
        Buffer.from(e.activityTaskScheduledEventAttributes.input?.payloads?.[0]?.data ?? [])
          .toString()
          .includes('due-while-draining'),
    );
    const firstGaveUp = events.findIndex((e) =>
      Buffer.from(e.userMetadata?.summary?.data ?? [])
        .toString()
        .includes('next hand-over'),
    );
    expect(step && Number(step.eventId)).toBeGreaterThan(firstGaveUp + 1);
    expect(events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
  });

  it('has runs whose drains cancel the deliveries in flight and carry them, and runs from before', () => {
    // Asked as the loop starts.
    expectPatchFrom('hand-over-carries-deliveries', CARRIES_DELIVERIES, BOUNDED_HAND_OVER_WAIT, [
      'lead-clocks',
      'continue-as-new',
      'steady-updates',
    ]);
  });

  it('has a run that handed over behind a ledger and webhook outage, the next run delivering what it carried', () => {
    const first = recorded(path.join(CARRIES_DELIVERIES, 'hand-over-wait.bin'));
    expect(cancelledActivityTypes(first)).toEqual(new Set(['recordLeadActivity', 'sendAlerts']));
    expect(first.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    // The breach alert raised in the outage was cancelled with the first run and sent by the next.
    const next = recorded(path.join(CARRIES_DELIVERIES, 'hand-over-wait-run2.bin'));
    expect(next.some(sendsAlert('breached-in-outage:firstTouch:breach'))).toBe(true);
  });

  it('has runs whose drains let alerts through while the webhook is up, and runs from before', () => {
    // Asked as the loop starts.
    expectPatchFrom('alerts-flow-while-draining', ALERTS_FLOW_WHILE_DRAINING, CARRIES_DELIVERIES, [
      'lead-clocks',
      'continue-as-new',
      'steady-updates',
    ]);
  });

  it('has runs whose loop decides by times the history fixes, and runs from before', () => {
    // Asked as the loop starts.
    expectPatchFrom('decisions-at-replayed-times', DECISIONS_AT_REPLAYED_TIMES, ALERTS_FLOW_WHILE_DRAINING, [
      'lead-clocks',
      'continue-as-new',
      'steady-updates',
      'crm-poll',
    ]);
  });

  it('has runs whose ledger writes fold the clocks a lead was admitted with onto its row, and runs from before', () => {
    // Asked as the loop starts.
    expectPatchFrom('admission-clocks-on-lead-rows', ADMISSION_CLOCKS_ON_LEAD_ROWS, DECISIONS_AT_REPLAYED_TIMES, [
      'lead-clocks',
      'continue-as-new',
      'steady-updates',
      'crm-poll',
    ]);
    // The writes' own input: format 2 from the release with the patch, format 1 before it.
    const writeFormats = (release: string) =>
      recorded(path.join(release, 'steady-updates.bin')).flatMap((e) => {
        const scheduled = e.activityTaskScheduledEventAttributes;
        if (scheduled?.activityType?.name !== 'recordLeadActivity') return [];
        const input = JSON.parse(Buffer.from(scheduled.input?.payloads?.[0]?.data ?? []).toString());
        return [{ format: input.format, clockRows: input.clocks.rows.length, leadRows: input.leads.rows.length }];
      });
    const folded = writeFormats(ADMISSION_CLOCKS_ON_LEAD_ROWS);
    const before = writeFormats(DECISIONS_AT_REPLAYED_TIMES);
    expect(new Set(folded.map((w) => w.format))).toEqual(new Set(['columns-2']));
    expect(new Set(before.map((w) => w.format))).toEqual(new Set(['columns-1']));
    // The same admissions: each lead's two clocks were rows of their own, and now ride on its row.
    const total = (writes: typeof folded, rows: 'clockRows' | 'leadRows') => writes.reduce((n, w) => n + w[rows], 0);
    expect(total(folded, 'leadRows')).toBe(total(before, 'leadRows'));
    expect(total(before, 'clockRows')).toBeGreaterThanOrEqual(2 * total(before, 'leadRows'));
    expect(total(folded, 'clockRows')).toBeLessThan(total(before, 'clockRows') - total(before, 'leadRows'));
  });

  it('has a run that sent an alert due while it drained behind a ledger outage, then handed over', () => {
    const first = recorded(path.join(ALERTS_FLOW_WHILE_DRAINING, 'alerts-while-draining.bin'));
    const drainStart = drainBegan(first);
    expect(drainStart).toBeGreaterThan(0);
    expect(first.findIndex(sendsAlert('due-while-draining:firstTouch:breach'))).toBeGreaterThan(drainStart);
    expect(cancelledActivityTypes(first)).toEqual(new Set(['recordLeadActivity']));
    expect(timerSummaries(first)).not.toContain('"next hand-over"');
    expect(first.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
  });

  it('has a run that handed over under a steady stream of Updates, past 2,000 events and well before 2,000 Updates', () => {
    const events = recorded(path.join('2026-12-04f', 'steady-updates.bin'));
    expect(hasPatch(events, 'settle-handlers-before-hand-over')).toBe(true);
    expect(events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    expect(events.length).toBeLessThan(2_300);
    expect(events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length).toBeLessThan(1_500);
  });

  it('has a recorded routing-at-intake path whose routes reached the CRM activity', () => {
    const activities = recorded(path.join('2026-12-04', 'intake-routing.bin')).map(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name,
    );
    expect(activities).toContain('routeLeads');
  });

  it('has recorded milestone paths: a milestone escalated, and a CRM poll asked for the facts milestones follow', () => {
    const inputs = (file: string, activity: string) =>
      recorded(path.join('2026-12-04c', file))
        .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activity)
        .map((e) => Buffer.from(e.activityTaskScheduledEventAttributes?.input?.payloads?.[0]?.data ?? []).toString());
    expect(inputs('milestones.bin', 'runEscalationSteps').join('')).toContain('"clock":"m:opportunity-7d"');
    expect(inputs('milestones-poll.bin', 'pollCrm')[0]).toContain(
      '"facts":{"statuses":true,"meetings":true,"opportunities":true}',
    );
  });

  it.each(files)('replays %s deterministically', async (file) => {
    expect(recorded(file).length).toBeGreaterThan(20);
    await replayed(file, 'default');
  });

  it('has paths whose runs went without the tracing interceptors, and paths from before, whose runs ran them', () => {
    expectPatchFrom('untraced-run', UNTRACED_RUNS, WAITS_WAKE, [
      'lead-clocks',
      'continue-as-new',
      'continue-as-new-run2',
      'quarterly-reset',
    ]);
  });

  it.each(tracedReplays)('replays %s deterministically on the traced bundle too', async (file) => {
    await replayed(file, 'traced');
  });

  // JSON is how histories leave the Temporal CLI and UI (`temporal workflow show --output json`). Loading one
  // needs a single protobufjs in the install: a second copy makes historyFromJSON throw "type must be a Type".
  it('loads a JSON history with historyFromJSON and replays it', async () => {
    installQuietRuntime();
    const binary = decodedHistory(path.join(CURRENT, 'lead-clocks.bin'));
    const json: unknown = JSON.parse(historyToJSON(binary));
    const history = historyFromJSON(json);
    expect(history.events?.map((e) => [Number(e.eventId), e.eventType])).toEqual(
      binary.events.map((e) => [Number(e.eventId), e.eventType]),
    );
    await Worker.runReplayHistory(await replayWorkerOptions(), history, 'lead-clocks.json');
  });
});

// A replay from scratch runs a workflow task that made no command together with the next one, at the later one's
// time (runtime/mergedTasks.ts). The workflow must make the same commands either way: nothing that decides a command
// may hang on the time of a task that made none. Histories recorded since follow-ups were timed from their dispatch
// must replay with every such task merged; the release before fails so (its step and route retries were timed from
// the task that heard the result), which shows the merge reaches what it is meant to.
/** Replays each history reshaped; `reshaped` counts the tasks the reshaping touched. */
async function reshapedReplays(
  histories: string[],
  reshape: (history: temporal.api.history.v1.IHistory) => { history: temporal.api.history.v1.IHistory; count: number },
): Promise<Map<string, { reshaped: number; error?: Error }>> {
  installQuietRuntime();
  const options = await replayWorkerOptions();
  const results = new Map<string, { reshaped: number; error?: Error }>();
  const inputs = histories.map((file) => {
    const { history, count } = reshape(decodedHistory(file));
    results.set(file, { reshaped: count });
    return { workflowId: file, history };
  });
  for await (const result of Worker.runReplayHistories(options, inputs))
    results.set(result.workflowId, { ...results.get(result.workflowId)!, error: result.error });
  return results;
}

describe('replay with every command-less workflow task merged into the next', () => {
  const mergeSafe = files.filter((file) => path.dirname(file) >= FOLLOW_UPS_FROM_DISPATCH);
  const mergedReplays = (histories: string[]) =>
    reshapedReplays(histories, (source) => {
      const { history, merged } = mergeNoCommandTasks(source);
      return { history, count: merged };
    });
  let current: Map<string, { reshaped: number; error?: Error }>;
  beforeAll(async () => {
    current = await mergedReplays(mergeSafe);
  }, 600_000);

  it('covers every path recorded since, each run of more than 100 events with tasks merged', () => {
    expect(mergeSafe.filter((file) => path.dirname(file) === FOLLOW_UPS_FROM_DISPATCH).length).toBe(19);
    expect(mergeSafe.filter((file) => path.dirname(file) === BOUNDED_HAND_OVER_WAIT).length).toBe(26);
    expect(mergeSafe.filter((file) => path.dirname(file) === CARRIES_DELIVERIES).length).toBe(30);
    expect(mergeSafe.filter((file) => path.dirname(file) === ALERTS_FLOW_WHILE_DRAINING).length).toBe(32);
    expect(mergeSafe.filter((file) => path.dirname(file) === DECISIONS_AT_REPLAYED_TIMES).length).toBe(31);
    expect(mergeSafe.filter((file) => path.dirname(file) === ADMISSION_CLOCKS_ON_LEAD_ROWS).length).toBe(30);
    for (const file of mergeSafe)
      if (recorded(file).length > 100) expect(current.get(file)?.reshaped, file).toBeGreaterThan(0);
  });

  it.each(mergeSafe)('replays %s deterministically with its command-less tasks merged', (file) => {
    const result = current.get(file);
    expect(result, `${file} was replayed`).toBeDefined();
    if (result?.error) throw result.error;
  });

  it('fails on a history recorded before follow-ups were timed from their dispatch', { timeout: 600_000 }, async () => {
    const before = path.join(WALL_CLOCK_DST, 'crm-poll.bin');
    const result = (await mergedReplays([before])).get(before);
    expect(result?.reshaped).toBeGreaterThan(100);
    expect(result?.error?.message).toMatch(/nondeterminism/i);
    // The same history replays as recorded.
    await replayed(before, 'default');
  });
});

// A workflow task that made no command may run, on replay, at a later task's time, and a replay cannot tell whether
// that later task woke the loop live (the kept chaos run in fixtures/nondeterministic: a deadline between the two
// fired on replay only). The merge above can only build merges into tasks that woke the loop. So the stronger
// property: nothing a command-less task decides may hang on its own time. Each such task is started as late as the
// arrival after it allows (runtime/mergedTasks.ts retimeNoCommandTasks), past deadlines whose timers it has not heard,
// and the run must make the same commands. The release before read the task's time, and fails so.
describe('replay with every command-less workflow task started as late as the next arrival allows', () => {
  const retimedReplays = (histories: string[]) =>
    reshapedReplays(histories, (source) => {
      const { history, retimed } = retimeNoCommandTasks(source);
      return { history, count: retimed };
    });
  const fixedTimes = files.filter((file) => path.dirname(file) >= DECISIONS_AT_REPLAYED_TIMES);
  let current: Map<string, { reshaped: number; error?: Error }>;
  beforeAll(async () => {
    current = await retimedReplays(fixedTimes);
  }, 600_000);

  it('covers every path recorded since, each run of more than 100 events with tasks retimed', () => {
    expect(fixedTimes.length).toBe(61);
    for (const file of fixedTimes)
      if (recorded(file).length > 100) expect(current.get(file)?.reshaped, file).toBeGreaterThan(0);
  });

  it.each(fixedTimes)('replays %s deterministically with its command-less tasks started late', (file) => {
    const result = current.get(file);
    expect(result, `${file} was replayed`).toBeDefined();
    if (result?.error) throw result.error;
  });

  it('fails on histories recorded before the loop decided by fixed times', { timeout: 600_000 }, async () => {
    const before = ['lead-clocks.bin', 'crm-poll-run2.bin', 'quarterly-reset-campaign.bin'].map((name) =>
      path.join(ALERTS_FLOW_WHILE_DRAINING, name),
    );
    const results = await retimedReplays(before);
    for (const file of before) {
      expect(results.get(file)?.error?.message, file).toMatch(/nondeterminism/i);
      // The same history replays as recorded.
      await replayed(file, 'default');
    }
  });
});
