// A deadline that falls while Updates keep the campaign busy escalates no later than the task that hears its timer.
// An Update's task that makes no command cannot act on its own time: a replay may run it at a later task's time
// (workflows/campaignSla/decisionTime.ts). It acts once a command or a timer fixes a time past the deadline. Dev
// server, real time; the assertion is on the history's order, not on how late anything ran.
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
  it('escalates after the deadline, no later than the task that hears its timer', { timeout: 120_000 }, async () => {
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
    const escalation = events.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runEscalationSteps',
    );
    expect(escalation).toBeDefined();
    // The task that scheduled it: the last one to start before it.
    const scheduledBy = events
      .filter((e) => eventId(e) < eventId(escalation!) && e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)
      .at(-1);
    expect(eventTimeMs(scheduledBy!)).toBeGreaterThanOrEqual(deadline);
    // No later than the task that heard the deadline's timer fire (a task whose time the history fixes).
    const timerStarted = events.find((e) =>
      Buffer.from(e.userMetadata?.summary?.data ?? [])
        .toString()
        .includes(`next SLA deadline ${new Date(deadline).toISOString()}`),
    );
    expect(timerStarted).toBeDefined();
    const timerFired = events.find(
      (e) => e.timerFiredEventAttributes?.startedEventId?.toString() === timerStarted!.eventId!.toString(),
    );
    expect(timerFired).toBeDefined();
    const heardBy = events.find(
      (e) => eventId(e) > eventId(timerFired!) && e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    );
    expect(eventId(scheduledBy!)).toBeLessThanOrEqual(eventId(heardBy!));
    // Updates kept coming past the deadline: the load did reach it.
    const updatesAfterDeadline = events.filter(
      (e) => e.workflowExecutionUpdateAcceptedEventAttributes && eventTimeMs(e) >= deadline,
    );
    expect(updatesAfterDeadline.length).toBeGreaterThan(3);
    await terminateWhenIdle(wf, 'test done');
  });
});
