// Replays recorded histories against the current workflow code: a change that breaks determinism
// (reordered commands, a new activity in an old code path without patching) fails here. Each folder under
// fixtures/histories holds the histories one release recorded (`npm run record-histories -- <label>`, only for
// intended, versioned changes); older folders stay, because the runs those releases started must still replay.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { replayWorkerOptions } from '../runtime/replay';
import { installQuietRuntime } from './support/temporal';

const dir = path.join(__dirname, 'fixtures', 'histories');
const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.bin'))
  .sort();
/** The paths a campaign takes, each recorded by the current release (test/recordHistories.ts). */
const CURRENT = '2026-12-03';
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

describe('replay of recorded campaign histories', () => {
  it("has a recorded history for every path, and keeps the previous release's", () => {
    expect(files).toEqual(expect.arrayContaining(PATHS.map((name) => path.join(CURRENT, `${name}.bin`))));
    expect(files).toEqual(
      expect.arrayContaining([path.join('2026-12-02', 'lead-clocks.bin'), path.join('2026-12-02', 'spend-loop.bin')]),
    );
  });

  it('has a recorded routing-at-intake path whose routes reached the CRM activity', () => {
    const history = temporal.api.history.v1.History.decode(
      readFileSync(path.join(dir, '2026-12-04', 'intake-routing.bin')),
    );
    const activities = history.events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
    expect(activities).toContain('routeLeads');
  });

  it.each(files)('replays %s deterministically', async (file) => {
    installQuietRuntime();
    const history = temporal.api.history.v1.History.decode(readFileSync(path.join(dir, file)));
    expect(history.events.length).toBeGreaterThan(20);
    await Worker.runReplayHistory(await replayWorkerOptions(), history, file);
  });

  // JSON is how histories leave the Temporal CLI and UI (`temporal workflow show --output json`). Loading one
  // needs a single protobufjs in the install: a second copy makes historyFromJSON throw "type must be a Type".
  it('loads a JSON history with historyFromJSON and replays it', async () => {
    installQuietRuntime();
    const binary = temporal.api.history.v1.History.decode(readFileSync(path.join(dir, CURRENT, 'lead-clocks.bin')));
    const json: unknown = JSON.parse(historyToJSON(binary));
    const history = historyFromJSON(json);
    expect(history.events?.map((e) => [Number(e.eventId), e.eventType])).toEqual(
      binary.events.map((e) => [Number(e.eventId), e.eventType]),
    );
    await Worker.runReplayHistory(await replayWorkerOptions(), history, 'lead-clocks.json');
  });
});
