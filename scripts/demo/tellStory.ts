// Prints the demo campaign's story on the console while it flies: polls slaState and prints what
// reports/storyNarration says, until the campaign ends or npm start stops.
import type { WorkflowHandle } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { narrateCampaign, type Narration, type StoryContext } from '../../reports/storyNarration';
import { slaStateQuery } from '../../workflows/messages';

const POLL_MS = 3_000;

export async function tellStory(options: {
  handle: WorkflowHandle;
  context: Omit<StoryContext, 'now'>;
  stopping: () => boolean;
}): Promise<void> {
  const { handle, context, stopping } = options;
  let narration: Narration | undefined;
  while (!stopping()) {
    await sleep(POLL_MS);
    try {
      const { status } = await handle.describe();
      if (status.name !== 'RUNNING') {
        console.log(
          `[story] The campaign has ended (${status.name.toLowerCase()}). The dashboard and the Temporal UI stay up; Ctrl-C stops everything.`,
        );
        return;
      }
      const state = await handle.query(slaStateQuery);
      const told = narrateCampaign(narration, state, { ...context, now: Date.now() });
      narration = told.narration;
      for (const line of told.lines) console.log(`[story] ${line}`);
    } catch {
      // A query during a continue-as-new or a worker restart: the next poll tells what was missed.
    }
  }
}
