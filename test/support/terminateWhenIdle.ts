// Ends a test's or a recording's run only once it is idle. The time-skipping test server never releases the
// time-skipping lock an activity or a workflow task holds when its run is terminated under it (sdk-java#1138;
// 'Task not found when completing'), and every later `env.sleep` then waits in real time. It reports no workflow
// task in flight, so the history's length standing still stands for that. Vitest-free: the history recorder uses it.
import type { Connection, WorkflowHandle } from '@temporalio/client';

export async function terminateWhenIdle(
  handle: Pick<WorkflowHandle, 'client' | 'describe' | 'terminate'>,
  reason = 'test done',
): Promise<void> {
  // The time-skipping environment's client runs on a Connection, which has the test service. Time skipping is
  // held while it waits, so the run does not race ahead through days of checks meanwhile.
  const { testService } = handle.client.connection as Connection;
  await testService?.lockTimeSkipping({});
  try {
    // Idle twice in a row, 100 ms apart: nothing pending, no task in flight, the history as it was at the look before.
    let idleLooks = 0;
    let lastLength = -1;
    for (let tries = 0; tries < 300 && idleLooks < 2; tries++) {
      const { raw, status, historyLength } = await handle.describe();
      if (status.name !== 'RUNNING') return;
      const idle =
        !raw.pendingWorkflowTask && (raw.pendingActivities ?? []).length === 0 && historyLength === lastLength;
      idleLooks = idle ? idleLooks + 1 : 0;
      lastLength = historyLength;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await handle.terminate(reason).catch(async (err: unknown) => {
      // A run that closed on its own since the last look needs no terminating.
      if ((await handle.describe()).status.name === 'RUNNING') throw err;
    });
  } finally {
    await testService?.unlockTimeSkipping({});
  }
}
