// The hostile-input corpus: payloads a careless or hostile caller sends straight through the Temporal
// client to every Update, Signal and Query of a running campaign. Each must be rejected as not retryable
// with a message naming the field (signals: ignored), leave the workflow healthy (no failed workflow task
// in its history) and leave its state unchanged. Prototype-named IDs are ordinary IDs and work as such.
import { ApplicationFailure, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { zlibSync } from 'fflate';
import { describe, expect, it, beforeAll } from 'vitest';
import { campaignSla } from '../workflows/campaignSla';
import {
  admitLeadsUpdate,
  amendSlaUpdate,
  budgetChangedSignal,
  campaignWorkflowId,
  decideProposalUpdate,
  leadQuery,
  proposalsQuery,
  recordLeadEventsUpdate,
  rollQuarterUpdate,
  slaStateQuery,
} from '../workflows/messages';
import { seedTermsConfig } from './support/campaignConfig';
import { useCampaignHarness } from './support/temporal';

const TASK_QUEUE = 'campaign-sla-hostile-input';
const h = useCampaignHarness({ server: 'dev', taskQueue: TASK_QUEUE });

const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
];
const MEGABYTE = 'x'.repeat(1024 * 1024);
const iso = (ms: number) => new Date(ms).toISOString();

type UpdateDef =
  | typeof admitLeadsUpdate
  | typeof recordLeadEventsUpdate
  | typeof decideProposalUpdate
  | typeof amendSlaUpdate
  | typeof rollQuarterUpdate;

interface HostileCase {
  name: string;
  update: UpdateDef;
  payload: () => unknown;
  /** A fragment the rejection must contain: the field it names. */
  names: string;
}

let wf: WorkflowHandle<typeof campaignSla>;
let t0: number;
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

const lead = (overrides: Record<string, unknown> = {}) => ({
  leadId: 'L-ok',
  tier: 'high-intent',
  ownerId: 'rep-a',
  createdAt: iso(t0),
  ...overrides,
});
const admit = (leads: unknown) => ({ leads });
const event = (overrides: Record<string, unknown> = {}) => ({
  type: 'contact',
  leadId: 'L-open',
  eventId: 'e-1',
  channel: 'call',
  at: iso(t0 + 1000),
  ...overrides,
});
const events = (list: unknown) => ({ events: list });
const decision = (overrides: Record<string, unknown> = {}) => ({
  proposalId: 'hostile-p1',
  decision: 'approve',
  approver: 'ops-lead-1',
  reason: 'looks right',
  ...overrides,
});

function corpus(): HostileCase[] {
  const cases: HostileCase[] = [];
  const add = (name: string, update: UpdateDef, payload: () => unknown, names: string) =>
    cases.push({ name, update, payload, names });

  // admitLeads: shapes
  for (const [name, payload] of [
    ['null', null],
    ['a number', 42],
    ['a string', 'leads'],
    ['an array', []],
    ['an empty object', {}],
  ] as const) {
    add(`admitLeads ${name}`, admitLeadsUpdate, () => payload, name === 'an empty object' ? 'leads' : '(input)');
  }
  add('admitLeads leads: null', admitLeadsUpdate, () => admit(null), 'leads');
  add('admitLeads leads: []', admitLeadsUpdate, () => admit([]), 'leads');
  add(
    'admitLeads 2,001 leads',
    admitLeadsUpdate,
    () => admit(Array.from({ length: 2001 }, (_, i) => lead({ leadId: `L-${i}` }))),
    'leads',
  );
  add('admitLeads unknown top-level field', admitLeadsUpdate, () => ({ ...admit([lead()]), extra: 1 }), 'extra');
  add('admitLeads unknown lead field', admitLeadsUpdate, () => admit([lead({ email: 'a@b.c' })]), 'email');
  for (const field of ['leadId', 'tier', 'ownerId', 'createdAt']) {
    add(
      `admitLeads missing ${field}`,
      admitLeadsUpdate,
      () => {
        const l: Record<string, unknown> = lead();
        delete l[field];
        return admit([l]);
      },
      `leads[0].${field}`,
    );
    add(`admitLeads ${field} as a number`, admitLeadsUpdate, () => admit([lead({ [field]: 7 })]), `leads[0].${field}`);
  }
  for (const [name, id] of [
    ['empty', ''],
    ['81 characters', 'L'.repeat(81)],
    ['1 MB', MEGABYTE],
    ['an email', 'jane.doe@example.com'],
    ['a phone number', '+1 (555) 123-4567'],
    ['a full name', 'Jane Doe'],
    ['unicode', 'L-☃'],
    ['a newline', 'L-1\nL-2'],
    ['__proto__', '__proto__'],
  ] as const) {
    add(`admitLeads leadId ${name}`, admitLeadsUpdate, () => admit([lead({ leadId: id })]), 'leads[0].leadId');
    add(`admitLeads ownerId ${name}`, admitLeadsUpdate, () => admit([lead({ ownerId: id })]), 'leads[0].ownerId');
  }
  for (const tier of ['no-such-tier', '__proto__', 'constructor', 'toString']) {
    add(`admitLeads tier ${tier}`, admitLeadsUpdate, () => admit([lead({ tier })]), 'leads[0].tier');
  }
  for (const [name, at] of [
    ['in 1900', '1900-01-01T00:00:00Z'],
    ['in 3000', '3000-01-01T00:00:00Z'],
    ['not a date', 'yesterday'],
    ['month 13', '2026-13-45T00:00:00Z'],
    ['without an offset', '2026-03-02T09:00:00'],
  ] as const) {
    add(`admitLeads createdAt ${name}`, admitLeadsUpdate, () => admit([lead({ createdAt: at })]), 'leads[0].createdAt');
  }
  add(
    "admitLeads near Temporal's 2 MB payload limit (1.9 MB)",
    admitLeadsUpdate,
    () => admit([lead({ note: 'x'.repeat(1900 * 1024) })]),
    'bytes',
  );

  // recordLeadEvents
  add('recordLeadEvents null', recordLeadEventsUpdate, () => null, '(input)');
  add('recordLeadEvents events: []', recordLeadEventsUpdate, () => events([]), 'events');
  add(
    'recordLeadEvents 2,001 events',
    recordLeadEventsUpdate,
    () => events(Array.from({ length: 2001 }, (_, i) => event({ eventId: `e-${i}` }))),
    'events',
  );
  add(
    'recordLeadEvents unknown type',
    recordLeadEventsUpdate,
    () => events([event({ type: 'hack' })]),
    'events[0].type',
  );
  add(
    'recordLeadEvents unknown lead',
    recordLeadEventsUpdate,
    () => events([event({ leadId: 'L-nobody' })]),
    'events[0].leadId',
  );
  for (const key of PROTOTYPE_KEYS.filter((k) => /^[A-Za-z0-9]/.test(k))) {
    add(
      `recordLeadEvents for never-admitted lead ${key}`,
      recordLeadEventsUpdate,
      () => events([event({ leadId: key })]),
      'events[0].leadId',
    );
  }
  add(
    'recordLeadEvents channel invalid',
    recordLeadEventsUpdate,
    () => events([event({ channel: 'carrier-pigeon' })]),
    'events[0].channel',
  );
  add(
    'recordLeadEvents at before the lead was created',
    recordLeadEventsUpdate,
    () => events([event({ at: iso(t0 - 86_400_000) })]),
    'events[0].at',
  );
  add(
    'recordLeadEvents at in 3000',
    recordLeadEventsUpdate,
    () => events([event({ at: '3000-01-01T00:00:00Z' })]),
    'events[0].at',
  );
  add(
    'recordLeadEvents eventId 1 MB',
    recordLeadEventsUpdate,
    () => events([event({ eventId: MEGABYTE })]),
    'events[0].eventId',
  );
  const reject = (reason?: unknown) =>
    events([{ type: 'disposition', leadId: 'L-open', eventId: 'd-1', decision: 'reject', reason, at: iso(t0 + 1000) }]);
  add('recordLeadEvents rejection without a reason', recordLeadEventsUpdate, () => reject(), 'events[0].reason');
  for (const reason of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'Made up']) {
    add(
      `recordLeadEvents rejection reason ${reason}`,
      recordLeadEventsUpdate,
      () => reject(reason),
      'events[0].reason',
    );
  }
  add('recordLeadEvents rejection reason 1 MB', recordLeadEventsUpdate, () => reject(MEGABYTE), 'events[0].reason');
  add(
    'recordLeadEvents decision invalid',
    recordLeadEventsUpdate,
    () => events([{ type: 'disposition', leadId: 'L-open', eventId: 'd-2', decision: 'maybe', at: iso(t0 + 1000) }]),
    'events[0].decision',
  );
  add(
    'recordLeadEvents stage invalid',
    recordLeadEventsUpdate,
    () => events([{ type: 'stage', leadId: 'L-open', eventId: 's-1', stage: 'Closed Won', at: iso(t0 + 1000) }]),
    'events[0].stage',
  );

  // Lead status changes and booked meetings (the facts milestone clocks follow)
  const status = (value: unknown, overrides: Record<string, unknown> = {}) =>
    events([{ type: 'status', leadId: 'L-open', eventId: 'st-1', status: value, at: iso(t0 + 1000), ...overrides }]);
  add('recordLeadEvents status empty', recordLeadEventsUpdate, () => status(''), 'events[0].status');
  add(
    'recordLeadEvents status 81 characters',
    recordLeadEventsUpdate,
    () => status('x'.repeat(81)),
    'events[0].status',
  );
  add('recordLeadEvents status 1 MB', recordLeadEventsUpdate, () => status(MEGABYTE), 'events[0].status');
  add('recordLeadEvents status as a number', recordLeadEventsUpdate, () => status(7), 'events[0].status');
  add(
    'recordLeadEvents status as an object',
    recordLeadEventsUpdate,
    () => status({ __proto__: 'x' }),
    'events[0].status',
  );
  add(
    'recordLeadEvents status for a never-admitted lead',
    recordLeadEventsUpdate,
    () => status('Working', { leadId: 'L-nobody' }),
    'events[0].leadId',
  );
  add(
    'recordLeadEvents status before the lead was created',
    recordLeadEventsUpdate,
    () => status('Working', { at: iso(t0 - 86_400_000) }),
    'events[0].at',
  );
  const meeting = (overrides: Record<string, unknown> = {}) =>
    events([{ type: 'meeting', leadId: 'L-open', eventId: 'm-1', at: iso(t0 + 1000), ...overrides }]);
  // Personal data has no field to go in: a meeting carries IDs and a time only.
  add(
    'recordLeadEvents meeting with a subject and an attendee',
    recordLeadEventsUpdate,
    () => meeting({ subject: 'Demo with Jane Doe', attendee: 'jane@example.com' }),
    'subject',
  );
  add(
    'recordLeadEvents meeting in 3000',
    recordLeadEventsUpdate,
    () => meeting({ at: '3000-01-01T00:00:00Z' }),
    'events[0].at',
  );
  add(
    'recordLeadEvents meeting without a time',
    recordLeadEventsUpdate,
    () => meeting({ at: undefined }),
    'events[0].at',
  );
  add(
    'recordLeadEvents meeting eventId 1 MB',
    recordLeadEventsUpdate,
    () => meeting({ eventId: MEGABYTE }),
    'events[0].eventId',
  );

  // decideProposal
  add('decideProposal null', decideProposalUpdate, () => null, '(input)');
  add('decideProposal unknown proposal', decideProposalUpdate, () => decision(), 'proposalId');
  for (const key of PROTOTYPE_KEYS) {
    add(`decideProposal proposalId ${key}`, decideProposalUpdate, () => decision({ proposalId: key }), 'proposalId');
  }
  add('decideProposal approver 1 MB', decideProposalUpdate, () => decision({ approver: MEGABYTE }), 'approver');
  add('decideProposal reason 1 MB', decideProposalUpdate, () => decision({ reason: MEGABYTE }), 'reason');
  add('decideProposal decision invalid', decideProposalUpdate, () => decision({ decision: 'yolo' }), 'decision');

  // amendSla
  add('amendSla null', amendSlaUpdate, () => null, '(root)');
  add(
    'amendSla another campaign',
    amendSlaUpdate,
    () => ({ ...config(), version: 2, campaign: { ...(config().campaign as object), id: 'other' } }),
    'campaign.id',
  );
  add('amendSla same version', amendSlaUpdate, () => config(), 'version');
  add(
    'amendSla near the payload limit (1.9 MB)',
    amendSlaUpdate,
    () => ({ ...config(), version: 2, padding: 'x'.repeat(1900 * 1024) }),
    'bytes',
  );
  add(
    'amendSla tier named __proto__',
    amendSlaUpdate,
    () => {
      const raw = config() as { version: number; responseSla: { tiers: Record<string, unknown> } };
      return {
        ...raw,
        version: 2,
        responseSla: { ...raw.responseSla, tiers: JSON.parse('{"__proto__":{"firstTouch":"1h","clock":"wall"}}') },
      };
    },
    'responseSla.tiers',
  );

  // rollQuarter: only the quarter that just ended, never an ancient or future one
  for (const quarter of ['1900-Q1', '2999-Q4', 'abc', '__proto__', '2026-Q5']) {
    add(`rollQuarter ${quarter}`, rollQuarterUpdate, () => ({ quarter }), 'quarter');
  }
  // Above 2 MB the SDK cannot even reject: its rejection message carries the request back to the server and
  // fails the payload limit (TMPRL1103). Clients that go through campaign-sla's own client refuse those
  // before sending; see the note in README (Limits).
  return cases;
}

async function failedWorkflowTasks(handle: WorkflowHandle): Promise<number> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes).length;
}

/** The state a rejected request must leave untouched (the run counters move with every task). */
async function observableState(handle: WorkflowHandle<typeof campaignSla>) {
  const { run: _run, ...state } = await handle.query(slaStateQuery);
  return state;
}

describe('hostile-input corpus (dev server)', () => {
  beforeAll(async () => {
    wf = await h.env.client.workflow.start(campaignSla, {
      taskQueue: TASK_QUEUE,
      workflowId: campaignWorkflowId('hostile'),
      args: [{ config: config() }],
    });
    t0 = Date.now() - 60_000;
    await wf.executeUpdate(admitLeadsUpdate, { args: [admit([lead({ leadId: 'L-open' })])] });
    // The first velocity check runs at start; let it land so only the requests under test could change state.
    while ((await wf.query(slaStateQuery)).latestSnapshot === null) await new Promise((r) => setTimeout(r, 200));
  });

  it('has at least 80 payloads', () => {
    expect(corpus().length).toBeGreaterThanOrEqual(80);
  });

  it('rejects every payload as non-retryable naming the field, never echoes a huge value, and leaves state and workflow healthy', async () => {
    const before = await observableState(wf);
    const unexpected: string[] = [];
    for (const c of corpus()) {
      const outcome = await wf
        .executeUpdate(c.update as typeof admitLeadsUpdate, { args: [c.payload() as never] })
        .then(
          () => 'accepted',
          (err: unknown) => err,
        );
      if (!(outcome instanceof WorkflowUpdateFailedError)) {
        unexpected.push(`${c.name}: ${outcome === 'accepted' ? 'accepted' : String(outcome)}`);
        continue;
      }
      // A bad request never becomes good by retrying: the Temporal CLI and SDKs must not be told it might.
      if (!(outcome.cause instanceof ApplicationFailure) || !outcome.cause.nonRetryable)
        unexpected.push(`${c.name}: rejection is not a non-retryable ApplicationFailure: ${String(outcome.cause)}`);
      const message = outcome.cause?.message ?? '';
      if (!message.includes(c.names))
        unexpected.push(`${c.name}: message does not name ${c.names}: ${message.slice(0, 200)}`);
      if (message.length > 4000) unexpected.push(`${c.name}: message of ${message.length} characters echoes the input`);
    }
    expect(unexpected).toEqual([]);
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
    const keys = PROTOTYPE_KEYS.filter((k) => /^[A-Za-z0-9]/.test(k));
    const admitted = await wf.executeUpdate(admitLeadsUpdate, {
      args: [
        admit(keys.map((key) => lead({ leadId: key, ownerId: 'constructor', createdAt: iso(Date.now() - 1000) }))),
      ],
    });
    expect(admitted.map((o) => [o.leadId, o.result])).toEqual(keys.map((k) => [k, 'admitted']));
    const again = await wf.executeUpdate(admitLeadsUpdate, {
      args: [admit([lead({ leadId: 'constructor', createdAt: iso(Date.now() - 1000) })])],
    });
    expect(again[0].result).toBe('duplicate');
    const applied = await wf.executeUpdate(recordLeadEventsUpdate, {
      args: [events([event({ leadId: 'hasOwnProperty', eventId: 'toString', at: iso(Date.now()) })])],
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
      args: [admit([lead({ leadId: 'L-status', createdAt: iso(at - 60_000) })])],
    });
    const statusEvent = (eventId: string, value: string, ms: number) => ({
      type: 'status',
      leadId: 'L-status',
      eventId,
      status: value,
      at: iso(ms),
    });
    // Paused by "__proto__", still paused by "constructor", running again on "toString" (not in the pause set).
    await wf.executeUpdate(recordLeadEventsUpdate, {
      args: [
        events([statusEvent('st-proto', '__proto__', at - 50_000), statusEvent('st-ctor', 'constructor', at - 40_000)]),
      ],
    });
    let clock = (await wf.query(leadQuery, 'L-status'))?.clocks['m:demo-48h'];
    expect(clock?.pausedAt).toBe(iso(at - 50_000));
    await wf.executeUpdate(recordLeadEventsUpdate, {
      args: [events([statusEvent('st-tostring', 'toString', at - 30_000)])],
    });
    clock = (await wf.query(leadQuery, 'L-status'))?.clocks['m:demo-48h'];
    expect(clock?.pausedAt).toBeUndefined();
    // 20 s stood still: the deadline moved by exactly that.
    expect(clock?.deadline).toBe(iso(at - 60_000 + 48 * 3_600_000 + 20_000));
    const met = await wf.executeUpdate(recordLeadEventsUpdate, {
      args: [events([{ type: 'meeting', leadId: 'L-status', eventId: 'constructor', at: iso(at) }])],
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
