// Milestone clocks end to end on the time-skipping server (real worker, real ledger, sandbox CRM): a clock paused
// while the lead waits on the customer resumes with its remaining time and is met; an opportunity-within-7-days
// milestone nobody meets breaches at its deadline and walks the escalation chain; the workflow's figures and the
// ledger's agree.
import { describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { LedgerQueries } from '../reports/ledgerQueries';
import type { LeadEvent } from '../sla/leadEvents';
import { campaignSla } from '../workflows/campaignSla';
import {
  admitLeadsUpdate,
  campaignWorkflowId,
  leadQuery,
  recordLeadEventsUpdate,
  slaStateQuery,
} from '../workflows/messages';
import { seedTermsConfig } from './support/campaignConfig';
import { terminateWhenIdle, useCampaignHarness } from './support/temporal';

const TASK_QUEUE = 'campaign-sla-milestones-test';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

const h = useCampaignHarness({ server: 'time-skipping', taskQueue: TASK_QUEUE });

const milestones = {
  'opportunity-7d': {
    start: 'created',
    stop: 'opportunity',
    within: '7d',
    pauseWhile: { status: ['Waiting on customer'] },
  },
};

async function startCampaign(id: string): Promise<WorkflowHandle<typeof campaignSla>> {
  return h.env.client.workflow.start(campaignSla, {
    taskQueue: TASK_QUEUE,
    workflowId: campaignWorkflowId(id),
    args: [{ config: seedTermsConfig({ id, responseSla: { milestones } }), publishSearchAttributes: false }],
  });
}

/**
 * Admits one lead created 20 minutes ago, touched six times and accepted since, so its built-in clocks are all met;
 * returns when it was created (the milestone's start).
 */
async function workedLead(wf: WorkflowHandle<typeof campaignSla>, leadId: string, now: number): Promise<number> {
  const t0 = now - 20 * MINUTE;
  await wf.executeUpdate(admitLeadsUpdate, {
    args: [{ leads: [{ leadId, tier: 'high-intent', ownerId: 'rep-a', createdAt: iso(t0) }] }],
  });
  const touches: LeadEvent[] = Array.from({ length: 6 }, (_, i) => ({
    type: 'contact',
    leadId,
    eventId: `${leadId}-call-${i}`,
    channel: 'call',
    at: iso(t0 + i * MINUTE),
  }));
  await wf.executeUpdate(recordLeadEventsUpdate, {
    args: [
      {
        events: [
          ...touches,
          { type: 'disposition', leadId, eventId: `${leadId}-accept`, decision: 'accept', at: iso(t0 + 10 * MINUTE) },
        ],
      },
    ],
  });
  return t0;
}

const events = (wf: WorkflowHandle<typeof campaignSla>, list: LeadEvent[]) =>
  wf.executeUpdate(recordLeadEventsUpdate, { args: [{ events: list }] });

describe('milestone clocks (time-skipping)', () => {
  it('a paused clock resumes with its remaining time and is met; the stopped time is recorded', async () => {
    const wf = await startCampaign('milestone-pause');
    try {
      const t0 = await workedLead(wf, 'L-wait', Number(await h.env.currentTimeMs()));
      await h.env.sleep(DAY);
      await events(wf, [
        { type: 'status', leadId: 'L-wait', eventId: 's-1', status: 'Waiting on customer', at: iso(t0 + DAY) },
      ]);
      // The original deadline (day 7) passes while the lead waits on the customer: no breach.
      await h.env.sleep(7 * DAY);
      let lead = await wf.query(leadQuery, 'L-wait');
      expect(lead?.clocks['m:opportunity-7d']).toMatchObject({ pausedAt: iso(t0 + DAY), deadline: iso(t0 + 7 * DAY) });
      expect(lead?.clocks['m:opportunity-7d']?.breachedAt).toBeUndefined();
      await events(wf, [
        { type: 'status', leadId: 'L-wait', eventId: 's-2', status: 'Working - Contacted', at: iso(t0 + 8 * DAY) },
      ]);
      lead = await wf.query(leadQuery, 'L-wait');
      // Six days left at the pause, resumed on day 8: due on day 14, seven days stood still.
      expect(lead?.clocks['m:opportunity-7d']).toMatchObject({ deadline: iso(t0 + 14 * DAY), pausedMs: 7 * DAY });
      await h.env.sleep(4 * DAY);
      await events(wf, [
        { type: 'stage', leadId: 'L-wait', eventId: 'o-1', stage: 'Opportunity', at: iso(t0 + 12 * DAY) },
      ]);
      const state = await wf.query(slaStateQuery);
      expect(state.milestones).toEqual([
        expect.objectContaining({
          name: 'opportunity-7d',
          started: 1,
          met: 1,
          breached: 0,
          pending: 0,
          pausedMs: 7 * DAY,
        }),
      ]);
      expect(state.recentBreaches).toEqual([]);
      // The ledger's figures are the workflow's, field for field.
      await expect
        .poll(async () => new LedgerQueries(h.db.pool).milestones('milestone-pause'), { timeout: 20_000 })
        .toEqual(state.milestones);
      expect(state.milestones[0]).toMatchObject({ paused: 1, pausedNow: 0, stopped: 0, share: 1 });
      const { rows } = await h.db.pool.query(
        `SELECT iso_utc(deadline) AS deadline, iso_utc(met_at) AS met_at, paused_at, paused_ms::float8 AS paused_ms,
                elapsed_business_ms::float8 AS elapsed
         FROM clocks WHERE campaign_id = $1 AND clock = 'm:opportunity-7d'`,
        ['milestone-pause'],
      );
      expect(rows).toEqual([
        {
          deadline: iso(t0 + 14 * DAY),
          met_at: iso(t0 + 12 * DAY),
          paused_at: null,
          paused_ms: 7 * DAY,
          elapsed: 5 * DAY,
        },
      ]);
    } finally {
      await terminateWhenIdle(wf);
    }
  });

  it('an opportunity-within-7-days milestone nobody meets breaches at its deadline and is escalated', async () => {
    const wf = await startCampaign('milestone-breach');
    try {
      const t0 = await workedLead(wf, 'L-stalled', Number(await h.env.currentTimeMs()));
      // Past the deadline and the whole chain: notify owner, reassign (15 min), manager (30 min), nurture (1 h).
      await h.env.sleep(7 * DAY + 2 * HOUR);
      const state = await wf.query(slaStateQuery);
      expect(state.recentBreaches.map((b) => [b.leadId, b.clock, b.at])).toContainEqual([
        'L-stalled',
        'm:opportunity-7d',
        iso(t0 + 7 * DAY),
      ]);
      expect(state.milestones).toEqual([expect.objectContaining({ name: 'opportunity-7d', started: 1, breached: 1 })]);
      // Response compliance counts response clocks only: this lead met all three.
      expect(state.compliance.breaches).toEqual({ firstTouch: 0, acceptance: 0, followUp: 0 });
      // So does BreachedLeads: the milestone breach is counted per milestone, above.
      expect(state.breachedLeads).toBe(0);
      await expect
        .poll(
          async () =>
            (
              await h.db.pool.query(
                `SELECT step_index, step FROM escalation_steps WHERE campaign_id = $1 AND clock = 'm:opportunity-7d'
                 ORDER BY step_index`,
                ['milestone-breach'],
              )
            ).rows,
          { timeout: 30_000 },
        )
        .toEqual([
          { step_index: 0, step: 'notify-owner' },
          { step_index: 1, step: 'reassign' },
          { step_index: 2, step: 'notify-manager' },
          { step_index: 3, step: 'return-to-nurture' },
        ]);
      expect(await wf.query(leadQuery, 'L-stalled')).toBeNull(); // returned to nurture: it left the book
      const alerts = await h.db.pool.query(
        `SELECT dedupe_key FROM alerts_sent WHERE dedupe_key LIKE $1 ORDER BY dedupe_key`,
        ['milestone-breach:L-stalled:m:opportunity-7d:%'],
      );
      expect(alerts.rows.map((r: { dedupe_key: string }) => r.dedupe_key.split(':').at(-1))).toEqual(
        expect.arrayContaining(['breach', 'step0', 'step2']),
      );
    } finally {
      await terminateWhenIdle(wf);
    }
  });
});
