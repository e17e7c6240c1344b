// Ledger writes stay well under Temporal's payload limits however fast leads arrive: full-size intake batches
// back to back pile up rows while one write is in flight, and a single write of all of them (over 2 MB) would
// fail every workflow task from then on. And they are coalesced: a stream of small Updates takes about one write a
// second, not one each, with the first row written at once and the last ones without waiting for another Update.
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
  const count = async (table: string, campaignId: string) =>
    (
      await h.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE campaign_id = $1`, [
        campaignId,
      ])
    ).rows[0].n;

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
      let written = { leads: 0, clocks: 0 };
      for (let tries = 0; (written.leads < 8_000 || written.clocks < 16_000) && tries < 120; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        written = {
          leads: await count('leads', 'ledger-write-size'),
          clocks: await count('clocks', 'ledger-write-size'),
        };
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

  it(
    'coalesces single-lead Updates: the first row written at once, then about one write a second, the rest flushed',
    { timeout: 120_000 },
    async () => {
      const campaignId = 'ledger-write-coalesced';
      const wf = await h.env.client.workflow.start(campaignSla, {
        taskQueue: TASK_QUEUE,
        workflowId: campaignWorkflowId(campaignId),
        args: [{ config: seedTermsConfig({ id: campaignId }), publishSearchAttributes: false }],
      });
      const admitOne = (i: number) =>
        wf.executeUpdate(admitLeadsUpdate, {
          args: [
            {
              leads: [
                {
                  leadId: `00Q5e0000${String(i).padStart(6, '0')}AAA`,
                  tier: 'standard',
                  ownerId: 'rep-a',
                  createdAt: new Date().toISOString(),
                },
              ],
            },
          ],
        });
      const written = async (leads: number) => {
        let n = 0;
        for (let tries = 0; n < leads && tries < 60; tries++) {
          await new Promise((resolve) => setTimeout(resolve, 250));
          n = await count('leads', campaignId);
        }
        return n;
      };
      // A first lead, then a quiet second and more: the stream's first row has no write to wait for.
      await admitOne(0);
      expect(await written(1)).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const before = (await wf.fetchHistory()).events?.length ?? 0;
      const sendingFrom = Date.now();
      for (let i = 1; i <= 40; i++) await admitOne(i);
      const sendingMs = Date.now() - sendingFrom;
      // The last rows wait for the next write's second, then go without another Update.
      expect(await written(41)).toBe(41);
      const events = ((await wf.fetchHistory()).events ?? []).slice(before);
      const isWrite = (e: temporal.api.history.v1.IHistoryEvent) =>
        e.activityTaskScheduledEventAttributes?.activityType?.name === 'recordLeadActivity';
      const accepted = events.flatMap((e, i) =>
        e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED ? [i] : [],
      );
      const writes = events.flatMap((e, i) => (isWrite(e) ? [i] : []));
      expect(accepted).toHaveLength(40);
      // The stream's first row does not wait: its write is scheduled before the second Update is even accepted.
      expect(writes[0]).toBeLessThan(accepted[1]);
      // That write, then at most one per second of sending, and the flush after it (40 without coalescing).
      expect(writes.length).toBeLessThanOrEqual(2 + Math.ceil(sendingMs / 1_000));
      await wf.terminate('test done');
    },
  );
});
