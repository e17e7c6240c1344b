// Ledger writes stay well under Temporal's payload limits however fast leads arrive: full-size intake batches
// back to back pile up rows while one write is in flight, and a single write of all of them (over 2 MB) would
// fail every workflow task from then on.
import { describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { campaignSla } from '../workflows/campaignSla';
import { admitLeadsUpdate, campaignWorkflowId, slaStateQuery } from '../workflows/messages';
import { seedTermsConfig } from './support/campaignConfig';
import { useCampaignHarness } from './support/temporal';

const TASK_QUEUE = 'campaign-sla-ledger-write-size-test';
const EventType = temporal.api.enums.v1.EventType;

describe('ledger writes under full-size intake (dev server, which enforces the 2 MB payload limit)', () => {
  const h = useCampaignHarness({ server: 'dev', taskQueue: TASK_QUEUE });

  it(
    'takes 4 batches of 2,000 leads at once and writes every row in chunks under 512 KB',
    { timeout: 240_000 },
    async () => {
      const wf = await h.env.client.workflow.start(campaignSla, {
        taskQueue: TASK_QUEUE,
        workflowId: campaignWorkflowId('ledger-write-size'),
        args: [{ config: seedTermsConfig({ id: 'ledger-write-size' }), publishSearchAttributes: false }],
      });
      const t0 = new Date().toISOString();
      // 18-character Salesforce-style IDs and owners, as a real org's: about 1 MB of ledger rows per batch.
      const batch = (b: number) =>
        Array.from({ length: 2_000 }, (_, i) => ({
          leadId: `00Q5e0000${String(b * 2_000 + i).padStart(6, '0')}AAA`,
          tier: 'standard',
          ownerId: 'rep-a',
          createdAt: t0,
        }));
      await Promise.all([0, 1, 2, 3].map((b) => wf.executeUpdate(admitLeadsUpdate, { args: [{ leads: batch(b) }] })));
      const count = async (table: string) =>
        (
          await h.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE campaign_id = $1`, [
            'ledger-write-size',
          ])
        ).rows[0].n;
      let written = { leads: 0, clocks: 0 };
      for (let tries = 0; (written.leads < 8_000 || written.clocks < 16_000) && tries < 120; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        written = { leads: await count('leads'), clocks: await count('clock_outcomes') };
      }
      expect(written).toEqual({ leads: 8_000, clocks: 16_000 });
      expect((await wf.query(slaStateQuery)).openLeads).toBe(8_000);

      // Every run (so much intake makes the server suggest continue-as-new), read with room for its 6 MB history.
      const connection = await Connection.connect({
        address: h.env.address,
        channelArgs: { 'grpc.max_receive_message_length': 64 * 1024 * 1024 },
      });
      const client = new Client({ connection });
      const events: temporal.api.history.v1.IHistoryEvent[] = [];
      for (let runId: string | undefined = wf.firstExecutionRunId; runId;) {
        const run: temporal.api.history.v1.IHistoryEvent[] =
          (await client.workflow.getHandle(wf.workflowId, runId).fetchHistory()).events ?? [];
        events.push(...run);
        runId = run.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
      }
      await connection.close();
      const failedTasks = events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
      expect(failedTasks.map((e) => e.workflowTaskFailedEventAttributes?.failure?.message)).toEqual([]);
      const writes = events
        .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'recordLeadActivity')
        .map((e) =>
          (e.activityTaskScheduledEventAttributes?.input?.payloads ?? []).reduce(
            (sum, p) => sum + (p.data?.length ?? 0),
            0,
          ),
        );
      expect(writes.length).toBeGreaterThanOrEqual(4);
      expect(Math.max(...writes)).toBeLessThanOrEqual(512 * 1024);
      await wf.terminate('test done');
    },
  );
});
