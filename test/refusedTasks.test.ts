// The bench's reading of refused hand-overs, on a recorded run that handed over under a steady stream of Updates:
// the server refused the task that continued as new (an Update arrived while it ran: UnhandledCommand), and the
// task after it, which replayed the run, completed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { refusedTasks } from '../scripts/bench/intake';
import type { campaignSla } from '../workflows/campaignSla';
import { eventTimeMs } from '../runtime/historyEvents';

const history = temporal.api.history.v1.History.decode(
  readFileSync(path.join(__dirname, 'fixtures', 'histories', '2026-12-05d', 'steady-updates.bin')),
);
const handle = { fetchHistory: async () => history } as unknown as WorkflowHandle<typeof campaignSla>;

describe('refusedTasks', () => {
  it('finds the refused hand-over and times the task that retried it', async () => {
    const failed = history.events.findIndex((e) => e.workflowTaskFailedEventAttributes);
    const retryStarted = history.events.findIndex(
      (e, i) =>
        i > failed &&
        e.workflowTaskStartedEventAttributes !== null &&
        e.workflowTaskStartedEventAttributes !== undefined,
    );
    const retryCompleted = history.events.findIndex(
      (e, i) => i > retryStarted && e.workflowTaskCompletedEventAttributes,
    );
    expect(history.events[failed].workflowTaskFailedEventAttributes?.cause).toBe(
      temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
    );
    expect(await refusedTasks(handle, 0)).toEqual([
      { retryMs: eventTimeMs(history.events[retryCompleted]) - eventTimeMs(history.events[retryStarted]) },
    ]);
  });

  it('counts no refusal at or before the event it starts after', async () => {
    const failedId = Number(history.events.find((e) => e.workflowTaskFailedEventAttributes)?.eventId);
    expect(await refusedTasks(handle, failedId)).toEqual([]);
  });
});
