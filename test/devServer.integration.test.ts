// Integration on the Temporal dev server with Postgres: typed search attributes and current details
// as ops see them in the Temporal UI, a visibility query for campaigns in trouble, and the quarterly
// reset finding running campaigns through visibility.
import { describe, expect, it } from 'vitest';
import { campaignSla } from '../workflows/campaignSla';
import { quarterlyReset } from '../workflows/quarterlyReset';
import { admitLeadsUpdate, campaignWorkflowId, searchAttributes, slaStateQuery } from '../workflows/messages';
import { quarterOf } from '../sla/quarter';
import { seedTermsConfig } from './support/campaignConfig';
import { useCampaignHarness } from './support/temporal';

const TASK_QUEUE = 'dev-server-integration';

const h = useCampaignHarness({ server: 'dev', taskQueue: TASK_QUEUE });

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

describe('campaign workflow on the dev server', () => {
  it('shows SLA state in search attributes and current details, and breaching campaigns are found by visibility', async () => {
    const config = seedTermsConfig({
      id: 'dev-breaching',
      escalation: [{ step: 'notify-owner', after: '0s' }],
      responseSla: {},
    });
    // Seconds-long clocks so a real breach happens within the test.
    (config.responseSla as { tiers: Record<string, unknown> }).tiers['high-intent'] = {
      firstTouch: '2s',
      clock: 'wall',
      warnAt: 0.5,
    };
    (config.responseSla as { compliance: unknown[] }).compliance = [{ within: '2s', target: 0.8 }];
    const wf = await h.env.client.workflow.start(campaignSla, {
      taskQueue: TASK_QUEUE,
      workflowId: campaignWorkflowId('dev-breaching'),
      args: [{ config }],
      staticSummary: 'SLA for dev-breaching',
    });
    const now = Date.now();
    await wf.executeUpdate(admitLeadsUpdate, {
      args: [
        {
          leads: Array.from({ length: 12 }, (_, i) => ({
            leadId: `DB-${i}`,
            tier: 'high-intent',
            ownerId: 'rep-a',
            createdAt: new Date(now).toISOString(),
          })),
        },
      ],
    });
    const description = await eventually(
      () => wf.describe(),
      (d) => d.typedSearchAttributes.get(searchAttributes.slaHealth) === 'breaching',
    );
    expect(description.typedSearchAttributes.get(searchAttributes.campaignId)).toBe('dev-breaching');
    expect(description.typedSearchAttributes.get(searchAttributes.slaHealth)).toBe('breaching');
    expect(description.typedSearchAttributes.get(searchAttributes.breachedLeads)).toBe(12);
    expect(description.typedSearchAttributes.get(searchAttributes.responseCompliance)).toBe(0);
    expect(await description.staticSummary()).toBe('SLA for dev-breaching');
    // Current details: the markdown summary the Temporal UI shows (read through the SDK's metadata query).
    const metadata = await wf.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toContain('breaching');
    expect(metadata.currentDetails).toContain('Recent breaches');

    const listed = await eventually(
      async () => {
        const ids: string[] = [];
        for await (const execution of h.env.client.workflow.list({
          query: `SlaHealth = "breaching" AND CampaignId = "dev-breaching"`,
        }))
          ids.push(execution.workflowId);
        return ids;
      },
      (ids) => ids.length === 1,
    );
    expect(listed).toEqual([campaignWorkflowId('dev-breaching')]);

    // The breaches are in the ledger, with their escalation step.
    const breaches = await h.db.pool.query(
      `SELECT count(*)::int AS n FROM clocks WHERE campaign_id = $1 AND breached_at IS NOT NULL`,
      ['dev-breaching'],
    );
    expect(breaches.rows[0].n).toBe(12);

    // The quarterly reset finds the running campaign through the real visibility query. The live quarter has not
    // ended in the campaign's zone, so it is not closed early; an older quarter (a backfill) is rebuilt from the
    // ledger and never touches the running campaign.
    const quarter = quarterOf(new Date(), 'America/New_York');
    const early = await h.env.client.workflow.execute(quarterlyReset, {
      taskQueue: TASK_QUEUE,
      workflowId: 'dev-quarterly-reset',
      args: [{ quarter }],
    });
    expect(early.notEnded).toEqual([campaignWorkflowId('dev-breaching')]);
    expect(early.rolled).toEqual([]);
    const backfill = await h.env.client.workflow.execute(quarterlyReset, {
      taskQueue: TASK_QUEUE,
      workflowId: 'dev-quarterly-backfill',
      args: [{ quarter: '1900-Q1' }],
    });
    expect(backfill.rebuiltFromLedger).toEqual([campaignWorkflowId('dev-breaching')]);
    const reports = await h.db.pool.query(
      `SELECT quarter, report->>'source' AS source FROM quarter_reports WHERE campaign_id = $1`,
      ['dev-breaching'],
    );
    expect(reports.rows).toEqual([{ quarter: '1900-Q1', source: 'ledger-backfill' }]);
    const after = await wf.query(slaStateQuery);
    expect([after.quarter, after.breachedLeads]).toEqual([quarter, 12]);
    await wf.terminate('test done');
  }, 90_000);
});
