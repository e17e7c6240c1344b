// The hostile-input corpus: payloads a careless or hostile caller sends straight through the Temporal client to
// the Updates of a running campaign, each of which must be rejected as not retryable with a message naming the
// field. One corpus for two campaigns: a quiet one (test/hostileInput.workflow.test.ts) and the chaos suite's,
// under fire (run.ts), so every payload here must be refused: none may admit a lead or change the campaign.
import { ApplicationFailure, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import {
  admitLeadsUpdate,
  amendSlaUpdate,
  decideProposalUpdate,
  recordLeadEventsUpdate,
  rollQuarterUpdate,
} from '../../workflows/messages';
import { causeChain } from './checks';

export const PROTOTYPE_KEYS = [
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
/** The prototype keys that are valid IDs (an ID starts with a letter or digit): ordinary IDs to the workflow. */
export const PROTOTYPE_NAMED_IDS = PROTOTYPE_KEYS.filter((k) => /^[A-Za-z0-9]/.test(k));
export const MEGABYTE = 'x'.repeat(1024 * 1024);
/** A NUL, and halves of a surrogate pair on their own: JavaScript strings may hold them, Postgres text and JSON not. */
const UNSTORABLE_TEXTS = [
  ['a NUL', 'No\u0000 response'],
  ['an unpaired high surrogate', 'No \ud83d response'],
  ['an unpaired low surrogate', 'No \ude00 response'],
] as const;
const iso = (ms: number) => new Date(ms).toISOString();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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

/** The campaign the corpus is aimed at: the config it was started with, and a lead it admitted and keeps open. */
export interface CorpusTarget {
  config: Record<string, unknown>;
  openLead: { leadId: string; tier: string; ownerId: string; createdAt: string };
}

/** Every payload is wrong in one field only (the rest is valid for `target`), so its rejection must name that one. */
export function hostileCorpus(target: CorpusTarget): HostileCase[] {
  const { config, openLead } = target;
  const createdAt = Date.parse(openLead.createdAt);
  const eventAt = iso(createdAt + 1000);
  const nextVersion = (config.version as number) + 1;
  const approvers = (config.approvals as { approvers: string[] }).approvers;
  const cases: HostileCase[] = [];
  const add = (name: string, update: UpdateDef, payload: () => unknown, names: string) =>
    cases.push({ name, update, payload, names });
  // Valid but for the field under test, under an ID no feed uses: admitted by mistake, it fails the chaos ledger too.
  const lead = (overrides: Record<string, unknown> = {}) => ({ ...openLead, leadId: 'L-ok', ...overrides });
  const admit = (leads: unknown) => ({ leads });
  const event = (overrides: Record<string, unknown> = {}) => ({
    type: 'contact',
    leadId: openLead.leadId,
    eventId: 'e-1',
    channel: 'call',
    at: eventAt,
    ...overrides,
  });
  const events = (list: unknown) => ({ events: list });
  // An approver on the list: someone else is refused as that first, whatever else is wrong.
  const decision = (overrides: Record<string, unknown> = {}) => ({
    proposalId: 'hostile-p1',
    decision: 'approve',
    approver: approvers[0],
    reason: 'looks right',
    ...overrides,
  });

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
  for (const key of PROTOTYPE_NAMED_IDS) {
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
    () => events([event({ at: iso(createdAt - 86_400_000) })]),
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
    events([{ type: 'disposition', leadId: openLead.leadId, eventId: 'd-1', decision: 'reject', reason, at: eventAt }]);
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
    () => events([{ type: 'disposition', leadId: openLead.leadId, eventId: 'd-2', decision: 'maybe', at: eventAt }]),
    'events[0].decision',
  );
  add(
    'recordLeadEvents stage invalid',
    recordLeadEventsUpdate,
    () => events([{ type: 'stage', leadId: openLead.leadId, eventId: 's-1', stage: 'Closed Won', at: eventAt }]),
    'events[0].stage',
  );

  // Lead status changes and booked meetings (the facts milestone clocks follow)
  const status = (value: unknown, overrides: Record<string, unknown> = {}) =>
    events([{ type: 'status', leadId: openLead.leadId, eventId: 'st-1', status: value, at: eventAt, ...overrides }]);
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
    () => status('Working', { at: iso(createdAt - 86_400_000) }),
    'events[0].at',
  );
  const meeting = (overrides: Record<string, unknown> = {}) =>
    events([{ type: 'meeting', leadId: openLead.leadId, eventId: 'm-1', at: eventAt, ...overrides }]);
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

  // A lead gone from the CRM: refused ones must leave the open lead open (the entries after use it)
  const removal = (overrides: Record<string, unknown> = {}) =>
    events([{ type: 'removed', leadId: openLead.leadId, eventId: 'r-1', at: eventAt, ...overrides }]);
  add(
    'recordLeadEvents removed, merged into an email address',
    recordLeadEventsUpdate,
    () => removal({ mergedInto: 'jane@example.com' }),
    'events[0].mergedInto',
  );
  add(
    'recordLeadEvents removed, mergedInto 1 MB',
    recordLeadEventsUpdate,
    () => removal({ mergedInto: MEGABYTE }),
    'events[0].mergedInto',
  );
  add(
    'recordLeadEvents removed before the lead was created',
    recordLeadEventsUpdate,
    () => removal({ at: iso(createdAt - 86_400_000) }),
    'events[0].at',
  );
  add(
    'recordLeadEvents removed in 3000',
    recordLeadEventsUpdate,
    () => removal({ at: '3000-01-01T00:00:00Z' }),
    'events[0].at',
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
  // Text Postgres cannot store: the ledger write it reaches would fail on every retry, and the decision holds the
  // spend lock while it waits for that write.
  for (const [name, reason] of UNSTORABLE_TEXTS) {
    add(`decideProposal reason with ${name}`, decideProposalUpdate, () => decision({ reason }), 'reason');
    add(
      `recordLeadEvents rejection reason with ${name}`,
      recordLeadEventsUpdate,
      () => reject(reason),
      'events[0].reason',
    );
  }

  // amendSla
  add('amendSla null', amendSlaUpdate, () => null, '(root)');
  add(
    'amendSla another campaign',
    amendSlaUpdate,
    () => ({ ...config, version: nextVersion, campaign: { ...(config.campaign as object), id: 'other' } }),
    'campaign.id',
  );
  add('amendSla same version', amendSlaUpdate, () => config, 'version');
  add(
    'amendSla near the payload limit (1.9 MB)',
    amendSlaUpdate,
    () => ({ ...config, version: nextVersion, padding: 'x'.repeat(1900 * 1024) }),
    'bytes',
  );
  add(
    'amendSla campaign name with a NUL',
    amendSlaUpdate,
    () => ({ ...config, version: nextVersion, campaign: { ...(config.campaign as object), name: 'Spring\u0000' } }),
    'campaign.name',
  );
  add(
    'amendSla business milestone of 99999d its calendar cannot place',
    amendSlaUpdate,
    () => ({
      ...config,
      version: nextVersion,
      // A calendar of its own: the campaign may have none.
      calendars: {
        ...(config.calendars as object),
        'one-day-a-week': { timezone: 'UTC', hours: { mon: [['09:00', '17:00']] } },
      },
      responseSla: {
        ...(config.responseSla as object),
        milestones: {
          'close-99999d': { stop: 'accepted', within: '99999d', clock: 'business', calendar: 'one-day-a-week' },
        },
      },
    }),
    'responseSla.milestones.close-99999d.within',
  );
  add(
    'amendSla nurture status longer than any Salesforce picklist value',
    amendSlaUpdate,
    () => ({
      ...config,
      version: nextVersion,
      campaign: {
        ...(config.campaign as object),
        crm: { ...((config.campaign as { crm: object }).crm as object), nurtureStatus: 'N'.repeat(100_000) },
      },
    }),
    'campaign.crm.nurtureStatus',
  );
  add(
    'amendSla tier named __proto__',
    amendSlaUpdate,
    () => ({
      ...config,
      version: nextVersion,
      responseSla: {
        ...(config.responseSla as object),
        tiers: JSON.parse('{"__proto__":{"firstTouch":"1h","clock":"wall"}}'),
      },
    }),
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

/** What the workflow answered to one case; `noAnswer`: only transport errors until the case gave up. */
type Answer = { accepted: true } | { rejected: WorkflowUpdateFailedError } | { noAnswer: string };

/** Why `answer` is not "rejected, not retryable, naming the field, without echoing the input"; empty when it is. */
export function verdictProblems(c: Pick<HostileCase, 'names'>, answer: Answer): string[] {
  if ('accepted' in answer) return ['accepted'];
  if ('noAnswer' in answer) return [`no answer from the workflow: ${answer.noAnswer}`];
  const problems: string[] = [];
  const cause = answer.rejected.cause;
  // A bad request never becomes good by retrying: the Temporal CLI and SDKs must not be told it might.
  if (!(cause instanceof ApplicationFailure) || !cause.nonRetryable)
    problems.push(`rejection is not a non-retryable ApplicationFailure: ${String(cause)}`);
  const message = cause?.message ?? '';
  if (!message.includes(c.names)) problems.push(`message does not name ${c.names}: ${message.slice(0, 200)}`);
  if (message.length > 4000) problems.push(`message of ${message.length} characters echoes the input`);
  return problems;
}

export interface CorpusRun {
  cases: number;
  failing: { name: string; problems: string[] }[];
  /** Sends repeated after a transport error (a worker or the server down): not verdicts. */
  transportRetries: number;
  /** Epoch ms: from the first send to the last answer. */
  startedAt: number;
  endedAt: number;
}

/**
 * Sends the cases one at a time. A transport error is not an answer: the case is sent again under the same Update ID
 * (Temporal dedupes it) until the workflow answers, or `answerWithinMs` has passed and the case fails unanswered
 * (a payload that wedged the campaign would keep its Update waiting for good).
 */
export async function sendCorpus(
  handle: WorkflowHandle,
  cases: HostileCase[],
  answerWithinMs: number,
): Promise<CorpusRun> {
  const run: CorpusRun = { cases: cases.length, failing: [], transportRetries: 0, startedAt: Date.now(), endedAt: 0 };
  for (const [i, c] of cases.entries()) {
    const giveUpAt = Date.now() + answerWithinMs;
    let answer: Answer | undefined;
    while (answer === undefined) {
      let timer: NodeJS.Timeout | undefined;
      const tooLate = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`none within ${answerWithinMs / 1000} s`)),
          Math.max(0, giveUpAt - Date.now()),
        );
      });
      try {
        await Promise.race([
          handle.executeUpdate(c.update as typeof admitLeadsUpdate, {
            args: [c.payload() as never],
            updateId: `hostile-input-${i}`,
          }),
          tooLate,
        ]);
        answer = { accepted: true };
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) answer = { rejected: err };
        else if (Date.now() >= giveUpAt) answer = { noAnswer: causeChain(err) };
        else {
          run.transportRetries += 1;
          await sleep(Math.min(1_000, giveUpAt - Date.now()));
        }
      } finally {
        clearTimeout(timer);
      }
    }
    const problems = verdictProblems(c, answer);
    if (problems.length) run.failing.push({ name: c.name, problems });
  }
  run.endedAt = Date.now();
  return run;
}
