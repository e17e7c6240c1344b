// A deadline that falls while Updates keep the campaign busy is handled by the first workflow task that starts after
// it (patch waits-wake-for-updates). The loop used to sit out its last 250 ms before a deadline in a timer it would
// not leave, and the server fires a workflow's next timer on its timer queue's one-second beat: under a stream of
// Updates escalations came 0.7-1.2 s late in the bench. Dev server, real time; the assertion is on the history's
// order, not on how late anything ran.
import { describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { benchCampaignConfig } from '../scripts/bench/benchCampaign';
import { campaignSla } from '../workflows/campaignSla';
import { admitLeadsUpdate, campaignWorkflowId, leadQuery } from '../workflows/messages';
import { terminateWhenIdle, useCampaignHarness } from './support/temporal';
import { eventTimeMs } from '../runtime/historyEvents';

const TASK_QUEUE = 'campaign-sla-deadline-under-load';
const h = useCampaignHarness({ server: 'dev', taskQueue: TASK_QUEUE });
const EventType = temporal.api.enums.v1.EventType;
const FIRST_TOUCH_MS = 4_000;
/** Updates keep coming from this long before the deadline until LOAD_PAST_DEADLINE_MS after it. */
const LOAD_BEFORE_DEADLINE_MS = 1_000;
const LOAD_PAST_DEADLINE_MS = 2_000;

describe('a deadline under a stream of Updates (dev server)', () => {
  it('escalates in the first workflow task that starts after the deadline', { timeout: 120_000 }, async () => {
    const id = 'deadline-under-load';
    const wf = await h.env.client.workflow.start(campaignSla, {
      taskQueue: TASK_QUEUE,
      workflowId: campaignWorkflowId(id),
      args: [
        {
          config: benchCampaignConfig({
            id,
            now: Date.now(),
            tiers: {
              'high-intent': { firstTouch: `${FIRST_TOUCH_MS / 1000}s`, clock: 'wall', warnAt: 0.5 },
              standard: { firstTouch: '24h', clock: 'wall' },
            },
            escalation: [{ step: 'notify-owner', after: '0s' }],
          }),
          publishSearchAttributes: false,
        },
      ],
    });
    const lead = (leadId: string, tier: string) => ({
      leadId,
      tier,
      ownerId: 'rep-a',
      createdAt: new Date().toISOString(),
    });
    await wf.executeUpdate(admitLeadsUpdate, { args: [{ leads: [lead('due-1', 'high-intent')] }] });
    const deadline = Date.parse((await wf.query(leadQuery, 'due-1'))!.clocks.firstTouch!.deadline);
    // Updates back to back, from a second before the deadline to past it; few enough that the run does not hand over.
    await new Promise((resolve) => setTimeout(resolve, deadline - LOAD_BEFORE_DEADLINE_MS - Date.now()));
    for (let n = 0; Date.now() < deadline + LOAD_PAST_DEADLINE_MS; n++) {
      await wf.executeUpdate(admitLeadsUpdate, {
        args: [{ leads: Array.from({ length: 50 }, (_, i) => lead(`load-${n}-${i}`, 'standard')) }],
      });
    }

    const run = h.env.client.workflow.getHandle(wf.workflowId, wf.firstExecutionRunId);
    const events = (await run.fetchHistory()).events ?? [];
    expect(events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeFalsy();
    const eventId = (e: (typeof events)[number]) => Number(e.eventId);
    const firstAfter = events.find(
      (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED && eventTimeMs(e) >= deadline,
    );
    expect(firstAfter).toBeDefined();
    const completed = events.find(
      (e) => e.workflowTaskCompletedEventAttributes?.startedEventId?.toString() === firstAfter!.eventId!.toString(),
    );
    const escalation = events.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runEscalationSteps',
    );
    expect(escalation).toBeDefined();
    // Scheduled by that task: after its completion, and before any later task's.
    const nextCompleted = events.find(
      (e) => eventId(e) > eventId(completed!) && e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    );
    expect(eventId(escalation!)).toBeGreaterThan(eventId(completed!));
    expect(eventId(escalation!)).toBeLessThan(nextCompleted ? eventId(nextCompleted) : Infinity);
    // The task that found the deadline passed was an Update's, not the timer's: the load did reach the deadline.
    const tasksAfterDeadline = events.filter(
      (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED && eventTimeMs(e) >= deadline,
    );
    expect(tasksAfterDeadline.length).toBeGreaterThan(3);
    await terminateWhenIdle(wf, 'test done');
  });
});
