// A campaign under a steady stream of Updates still hands over at 2,000 events. It used to look for finished
// handlers right after an Update woke it, while the SDK still counted that Update's handler as running: the run
// went on until the server's 2,000-Updates-per-run limit refused every further Update (found by the bench's
// scale figure). It then waited on a 1 ms timer before handing over, which the dev server fired 345 events later
// under this load (patch hand-over-in-deciding-task). Dev server: the time-skipping server leaves Updates sent
// during a hand-over waiting.
import { describe, expect, it } from 'vitest';
import { EVENTS_PER_UPDATE, steadyUpdatesUntilHandOver } from '../scripts/bench/steadyUpdates';
import { campaignSla } from '../workflows/campaignSla';
import { admitLeadsUpdate, campaignWorkflowId, leadQuery, slaStateQuery } from '../workflows/messages';
import { seedTermsConfig } from './support/campaignConfig';
import { terminateWhenIdle, useCampaignHarness } from './support/temporal';

const TASK_QUEUE = 'campaign-sla-hand-over-under-load';
const h = useCampaignHarness({ server: 'dev', taskQueue: TASK_QUEUE });

describe('continue-as-new under a steady stream of Updates (dev server)', () => {
  it(
    'hands over in the task that finds 2,000 events passed, each call counted once across the two runs',
    { timeout: 300_000 },
    async () => {
      const wf = await h.env.client.workflow.start(campaignSla, {
        taskQueue: TASK_QUEUE,
        workflowId: campaignWorkflowId('hand-over-under-load'),
        args: [{ config: seedTermsConfig({ id: 'hand-over-under-load' }), publishSearchAttributes: false }],
      });
      const at = new Date().toISOString();
      const leadIds = Array.from({ length: 30 }, (_, i) => `load-${i}`);
      await wf.executeUpdate(admitLeadsUpdate, {
        args: [{ leads: leadIds.map((leadId) => ({ leadId, tier: 'standard', ownerId: 'rep-a', createdAt: at })) }],
      });
      const sent = await steadyUpdatesUntilHandOver(wf, (n) => {
        const leadId = leadIds[n % leadIds.length];
        return { type: 'contact', leadId, eventId: `call-${leadId}`, channel: 'call', at };
      });

      const events =
        (await h.env.client.workflow.getHandle(wf.workflowId, wf.firstExecutionRunId).fetchHistory()).events ?? [];
      expect(events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
      // Handed over at the history threshold, not at the 1,500-Update one, and far from the server's 2,000.
      expect(events.length).toBeGreaterThan(2_000);
      // Decided in the first task started past 2,000 events. Later tasks start nothing, not even a timer. It hands
      // over in that very task, or, when an activity was still out, in the task that takes the activity's result.
      const id = (e: (typeof events)[number]) => Number(e.eventId);
      const deciding = events.find((e) => id(e) > 2_000 && e.workflowTaskStartedEventAttributes)!;
      const decided = events.find((e) => id(e) > id(deciding) && e.workflowTaskCompletedEventAttributes)!;
      const nextTask = events.find((e) => id(e) > id(decided) && e.workflowTaskCompletedEventAttributes);
      const startedLater = events.filter(
        (e) =>
          nextTask && id(e) > id(nextTask) && (e.activityTaskScheduledEventAttributes || e.timerStartedEventAttributes),
      );
      expect(startedLater).toEqual([]);
      const lastActivityResult = Math.max(
        ...events.filter((e) => e.activityTaskCompletedEventAttributes || e.activityTaskFailedEventAttributes).map(id),
      );
      const activityWasOut = lastActivityResult > id(decided);
      const tasksAfter = events.filter(
        (e) => id(e) > Math.max(id(decided), lastActivityResult) && e.workflowTaskCompletedEventAttributes,
      );
      expect(tasksAfter.length).toBe(activityWasOut ? 1 : 0);
      const updates = events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
      expect(updates).toBeLessThan(1_500);
      expect(sent * EVENTS_PER_UPDATE).toBeGreaterThan(updates);
      const markers = events.map((e) =>
        Buffer.from(e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data ?? []).toString(),
      );
      expect(markers.some((m) => m.includes('"settle-handlers-before-hand-over"'))).toBe(true);

      // Every lead was called once: repeats, in either run, were duplicates.
      const state = await wf.query(slaStateQuery);
      expect(state.run.continuedAsNew).toBe(1);
      expect(state.openLeads).toBe(30);
      for (const leadId of [leadIds[0], leadIds[29]]) {
        expect(await wf.query(leadQuery, leadId)).toMatchObject({ attempts: 1, firstTouchAt: at });
      }
      await terminateWhenIdle(wf, 'test done');
    },
  );
});
