// Hostile input straight through the Temporal client at every Update, Signal and Query of a quiet campaign.
// Updates get the hostile-input corpus (scripts/chaos/hostileCorpus.ts, which the chaos suite also sends under
// fire): each payload must be rejected as not retryable with a message naming the field. Signals are ignored.
// The workflow stays healthy (no failed workflow task in its history) and its state unchanged. Prototype-named IDs
// are ordinary IDs and work as such.
import type { WorkflowHandle } from '@temporalio/client';
import { zlibSync } from 'fflate';
import { describe, expect, it, beforeAll } from 'vitest';
import {
  hostileCorpus,
  MEGABYTE,
  PROTOTYPE_KEYS,
  PROTOTYPE_NAMED_IDS,
  sendCorpus,
  type CorpusTarget,
} from '../scripts/chaos/hostileCorpus';
import { workflowTaskFailures } from '../scripts/chaos/recovery';
import { campaignSla } from '../workflows/campaignSla';
import {
  admitLeadsUpdate,
  budgetChangedSignal,
  campaignWorkflowId,
  leadQuery,
  proposalsQuery,
  recordLeadEventsUpdate,
  slaStateQuery,
} from '../workflows/messages';
import { seedTermsConfig } from './support/campaignConfig';
import { useCampaignHarness } from './support/temporal';

const TASK_QUEUE = 'campaign-sla-hostile-input';
const h = useCampaignHarness({ server: 'dev', taskQueue: TASK_QUEUE });

const iso = (ms: number) => new Date(ms).toISOString();

let wf: WorkflowHandle<typeof campaignSla>;
let target: CorpusTarget;
// A milestone that pauses on Lead statuses named like Object.prototype members, and stops on a booked meeting.
const config = () =>
  seedTermsConfig({
    id: 'hostile',
    responseSla: {
      milestones: {
        'demo-48h': {
          stop: 'meetingBooked',
          within: '48h',
          pauseWhile: { status: ['constructor', '__proto__', 'Waiting on customer'] },
          escalate: false,
        },
      },
    },
  });

const failedWorkflowTasks = async (handle: WorkflowHandle) =>
  workflowTaskFailures((await handle.fetchHistory()).events ?? []).length;

/** The state a rejected request must leave untouched (the run counters move with every task). */
async function observableState(handle: WorkflowHandle<typeof campaignSla>) {
  const { run: _run, ...state } = await handle.query(slaStateQuery);
  return state;
}

describe('hostile-input corpus (dev server)', () => {
  beforeAll(async () => {
    const started = config();
    wf = await h.env.client.workflow.start(campaignSla, {
      taskQueue: TASK_QUEUE,
      workflowId: campaignWorkflowId('hostile'),
      args: [{ config: started }],
    });
    target = {
      config: started,
      openLead: { leadId: 'L-open', tier: 'high-intent', ownerId: 'rep-a', createdAt: iso(Date.now() - 60_000) },
    };
    await wf.executeUpdate(admitLeadsUpdate, { args: [{ leads: [target.openLead] }] });
    // The first velocity check runs at start; let it land so only the requests under test could change state.
    while ((await wf.query(slaStateQuery)).latestSnapshot === null) await new Promise((r) => setTimeout(r, 200));
  });

  it('has at least 80 payloads', () => {
    expect(hostileCorpus(target).length).toBeGreaterThanOrEqual(80);
  });

  it('rejects every payload as non-retryable naming the field, never echoes a huge value, and leaves state and workflow healthy', async () => {
    const before = await observableState(wf);
    // A quiet campaign answers at once: a payload unanswered for 20 s wedged it.
    const run = await sendCorpus(wf, hostileCorpus(target), 20_000);
    expect(run.failing).toEqual([]);
    expect(run.transportRetries).toBe(0);
    expect(await observableState(wf)).toEqual(before);
    expect(await failedWorkflowTasks(wf)).toBe(0);
  }, 300_000);

  it('ignores malformed budgetChanged signals (free text never enters state) and stays healthy', async () => {
    const before = await observableState(wf);
    for (const payload of [
      null,
      {},
      { source: 'Jane Doe called +1 555 123 4567', at: iso(Date.now()) },
      { source: MEGABYTE.slice(0, 1000), at: 'now' },
      { source: 'ads-ui', at: iso(Date.now()), amountMicros: -5 },
    ]) {
      await wf.signal(budgetChangedSignal, payload as never);
    }
    expect(await observableState(wf)).toEqual(before);
    expect(await failedWorkflowTasks(wf)).toBe(0);
  });

  it('answers queries for prototype keys, huge and wrong-typed IDs with null, never an object', async () => {
    for (const key of [...PROTOTYPE_KEYS, MEGABYTE, '', 'L-nobody']) {
      expect(await wf.query(leadQuery, key)).toBeNull();
    }
    expect(await wf.query(leadQuery, 42 as never)).toBeNull();
    expect(await wf.query(proposalsQuery)).toEqual([]);
    expect(await failedWorkflowTasks(wf)).toBe(0);
  });

  it('treats prototype-named lead, owner and event IDs as ordinary IDs', async () => {
    const keys = PROTOTYPE_NAMED_IDS;
    const lead = (leadId: string, ownerId = target.openLead.ownerId) => ({
      ...target.openLead,
      leadId,
      ownerId,
      createdAt: iso(Date.now() - 1000),
    });
    const admitted = await wf.executeUpdate(admitLeadsUpdate, {
      args: [{ leads: keys.map((key) => lead(key, 'constructor')) }],
    });
    expect(admitted.map((o) => [o.leadId, o.result])).toEqual(keys.map((k) => [k, 'admitted']));
    const again = await wf.executeUpdate(admitLeadsUpdate, { args: [{ leads: [lead('constructor')] }] });
    expect(again[0].result).toBe('duplicate');
    const applied = await wf.executeUpdate(recordLeadEventsUpdate, {
      args: [
        {
          events: [
            { type: 'contact', leadId: 'hasOwnProperty', eventId: 'toString', channel: 'call', at: iso(Date.now()) },
          ],
        },
      ],
    });
    expect(applied[0].result).toBe('applied');
    const state = await wf.query(slaStateQuery);
    expect(state.openLeads).toBe(1 + keys.length);
    expect((await wf.query(leadQuery, 'constructor'))?.ownerId).toBe('constructor');
    expect((await wf.query(leadQuery, 'hasOwnProperty'))?.attempts).toBe(1);
    // The ledger takes them too, once each: coalesced writes, their columns and the record checks pass them through.
    const ledgerIds = async (sql: string) =>
      (await h.db.pool.query<{ id: string }>(sql, ['hostile', [...keys, 'toString']])).rows.map((r) => r.id).sort();
    const leadsSql = 'SELECT lead_id AS id FROM leads WHERE campaign_id = $1 AND lead_id = ANY($2)';
    const eventsSql = 'SELECT event_id AS id FROM lead_events WHERE campaign_id = $1 AND event_id = ANY($2)';
    for (let tries = 0; (await ledgerIds(eventsSql)).length === 0 && tries < 40; tries++)
      await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await ledgerIds(leadsSql)).toEqual([...keys].sort());
    expect(await ledgerIds(eventsSql)).toEqual(['toString']);
    expect(await failedWorkflowTasks(wf)).toBe(0);
  });

  it('takes Lead statuses named like Object.prototype members as ordinary statuses: they pause and resume a milestone', async () => {
    const at = Date.now() - 500;
    await wf.executeUpdate(admitLeadsUpdate, {
      args: [{ leads: [{ ...target.openLead, leadId: 'L-status', createdAt: iso(at - 60_000) }] }],
    });
    const statusEvent = (eventId: string, value: string, ms: number) => ({
      type: 'status' as const,
      leadId: 'L-status',
      eventId,
      status: value,
      at: iso(ms),
    });
    // Paused by "__proto__", still paused by "constructor", running again on "toString" (not in the pause set).
    await wf.executeUpdate(recordLeadEventsUpdate, {
      args: [
        {
          events: [
            statusEvent('st-proto', '__proto__', at - 50_000),
            statusEvent('st-ctor', 'constructor', at - 40_000),
          ],
        },
      ],
    });
    let clock = (await wf.query(leadQuery, 'L-status'))?.clocks['m:demo-48h'];
    expect(clock?.pausedAt).toBe(iso(at - 50_000));
    await wf.executeUpdate(recordLeadEventsUpdate, {
      args: [{ events: [statusEvent('st-tostring', 'toString', at - 30_000)] }],
    });
    clock = (await wf.query(leadQuery, 'L-status'))?.clocks['m:demo-48h'];
    expect(clock?.pausedAt).toBeUndefined();
    // 20 s stood still: the deadline moved by exactly that.
    expect(clock?.deadline).toBe(iso(at - 60_000 + 48 * 3_600_000 + 20_000));
    const met = await wf.executeUpdate(recordLeadEventsUpdate, {
      args: [{ events: [{ type: 'meeting', leadId: 'L-status', eventId: 'constructor', at: iso(at) }] }],
    });
    expect(met[0].result).toBe('applied');
    expect((await wf.query(leadQuery, 'L-status'))?.clocks['m:demo-48h']?.metAt).toBe(iso(at));
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    expect(await failedWorkflowTasks(wf)).toBe(0);
  });
  it('refuses forged packed carry-overs at start (a zlib bomb, garbage, missing bytes) by name, and the worker serves on', async () => {
    const forged: Array<[string, unknown[], RegExp]> = [
      // 70 MB of spaces in under 100 KB: inflating stops at the 64 MB cap.
      ['bomb', [zlibSync(new Uint8Array(70 * 1024 * 1024).fill(0x20))], /inflates past 67108864 bytes; refused/],
      ['garbage', [new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])], /is not zlib data/],
      ['missing', [], /needs the packed carry-over as the run's second argument/],
      ['nested-marker', [zlibSync(new TextEncoder().encode('{"format":6,"openLeads":1}'))], /must hold a format 5/],
    ];
    for (const [name, packed, message] of forged) {
      const marker = { format: 6, openLeads: 1, packedBytes: 1, unpackedBytes: 1 };
      const forgedRun = await h.env.client.workflow.start('campaignSla', {
        taskQueue: TASK_QUEUE,
        workflowId: campaignWorkflowId(`hostile-forged-${name}`),
        args: [{ config: config(), carryOver: marker }, ...packed],
      });
      let failure: string | undefined;
      for (let tries = 0; failure === undefined && tries < 100; tries++) {
        const events = (await forgedRun.fetchHistory()).events ?? [];
        failure =
          events.find((e) => e.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes?.failure
            ?.message ?? undefined;
        if (failure === undefined) await new Promise((r) => setTimeout(r, 200));
      }
      expect(failure, name).toMatch(message);
      await forgedRun.terminate('forged carry-over refused');
    }
    // The campaign beside them was never disturbed.
    expect((await wf.query(slaStateQuery)).openLeads).toBeGreaterThan(0);
    expect(await failedWorkflowTasks(wf)).toBe(0);
  });
});
