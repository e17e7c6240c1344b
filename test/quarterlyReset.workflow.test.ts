// A campaign that spans a quarter boundary: the reset workflow closes the quarter, the report lands
// in Postgres exactly once, a repeat run changes nothing, and the campaign carries on in the new quarter.
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { campaignSla } from '../workflows/campaignSla';
import { quarterlyReset } from '../workflows/quarterlyReset';
import { admitLeadsUpdate, campaignWorkflowId, rollQuarterUpdate, slaStateQuery } from '../workflows/messages';
import { previousQuarter, quarterOf } from '../sla/quarter';
import { seedTermsConfig } from './support/campaignConfig';
import { terminateWhenIdle, useCampaignHarness } from './support/temporal';

const TASK_QUEUE = 'quarterly-reset-test';
const ZONE = 'America/New_York';

// The time-skipping server has no visibility API (ListWorkflowExecutions is unimplemented), so the
// listing is stubbed here; test/devServer.integration.test.ts runs the real visibility query.
const h = useCampaignHarness({
  server: 'time-skipping',
  taskQueue: TASK_QUEUE,
  resetActivities: { listRunningCampaigns: async () => [campaignWorkflowId('spans-quarter')] },
});

describe('quarterly reset (time-skipping)', () => {
  it('closes the quarter of a campaign that spans the boundary exactly once', async () => {
    const now = async () => Number(await h.env.currentTimeMs());
    const wf = await h.env.client.workflow.start(campaignSla, {
      taskQueue: TASK_QUEUE,
      workflowId: campaignWorkflowId('spans-quarter'),
      args: [{ config: seedTermsConfig({ id: 'spans-quarter', escalation: [] }), publishSearchAttributes: false }],
    });
    const t0 = await now();
    const closing = quarterOf(new Date(t0), ZONE);
    await wf.executeUpdate(admitLeadsUpdate, {
      args: [
        { leads: [{ leadId: 'Q-1', tier: 'high-intent', ownerId: 'rep-a', createdAt: new Date(t0).toISOString() }] },
      ],
    });
    // Skip past the next quarter boundary in the campaign's time zone (the 1 h lead breaches on the way).
    const boundary = DateTime.fromMillis(t0, { zone: ZONE }).startOf('quarter').plus({ months: 3 });
    await h.env.sleep(boundary.toMillis() + 60_000 - (await now()));
    expect(quarterOf(new Date(await now()), ZONE)).not.toBe(closing);

    const first = await h.env.client.workflow.execute(quarterlyReset, {
      taskQueue: TASK_QUEUE,
      workflowId: `quarterly-reset-${closing}`,
      args: [{ timezone: ZONE }],
    });
    expect(first.quarter).toBe(previousQuarter(quarterOf(new Date(await now()), ZONE)));
    expect(first.quarter).toBe(closing);
    // The campaign closed its quarter itself at its own midnight; the Schedule's run confirms it.
    expect(first.alreadyRolled).toEqual([campaignWorkflowId('spans-quarter')]);
    expect(first.rolled).toEqual([]);
    expect(first.failed).toEqual([]);

    const repeat = await h.env.client.workflow.execute(quarterlyReset, {
      taskQueue: TASK_QUEUE,
      workflowId: `quarterly-reset-${closing}-repeat`,
      args: [{ quarter: closing }],
    });
    expect(repeat.alreadyRolled).toEqual([campaignWorkflowId('spans-quarter')]);
    expect(repeat.rolled).toEqual([]);

    const reports = (
      await h.db.pool.query(`SELECT quarter, report FROM quarter_reports WHERE campaign_id = $1`, ['spans-quarter'])
    ).rows as { quarter: string; report: { breaches: { firstTouch: number }; leads: number; final: boolean } }[];
    expect(reports).toHaveLength(1);
    expect(reports[0].quarter).toBe(closing);
    expect(reports[0].report).toMatchObject({ final: false, leads: 1, breaches: { firstTouch: 1 } });

    // The new quarter starts with reset counters, and a quarter that has not started is refused.
    const state = await wf.query(slaStateQuery);
    expect(state.quarter).toBe(quarterOf(new Date(await now()), ZONE));
    expect(state.breachedLeads).toBe(0);
    const early = await wf
      .executeUpdate(rollQuarterUpdate, { args: [{ quarter: '2099-Q1' }] })
      .catch((err: unknown) => err as Error);
    expect(String((early as Error & { cause?: Error }).cause?.message)).toContain('has not started yet');
    // An ancient quarter never touches live state (it is a ledger backfill, not a roll).
    const ancient = await wf
      .executeUpdate(rollQuarterUpdate, { args: [{ quarter: '1900-Q1' }] })
      .catch((err: unknown) => err as Error);
    expect(String((ancient as Error & { cause?: Error }).cause?.message)).toContain('is not this campaign');
    const unchanged = await wf.query(slaStateQuery);
    expect([unchanged.quarter, unchanged.breachedLeads]).toEqual([state.quarter, 0]);
    await terminateWhenIdle(wf, 'test done');
  }, 120_000);
});
