// The compact continue-as-new form of a lead book: a decoded book behaves exactly like the original,
// 10,000 open leads fit well under Temporal's 2 MB payload limit, and bad carry-overs are named precisely.
import { describe, expect, it } from 'vitest';
import {
  CARRIED_CLOSED_LEAD_IDS,
  CARRIED_HISTORY_ENTRIES,
  decodeCarryOver,
  decodeLeadBook,
  encodeCarryOver,
  encodeLeadBook,
  jsonSizeBytes,
} from '../sla/carryOver';
import { parseCampaignConfig } from '../sla/config';
import {
  admitLeads,
  applyLeadEvents,
  collectDue,
  drainOutbox,
  emptyLeadBook,
  knownLead,
  nextDueAt,
  type BookContext,
  type LeadBook,
  type LeadState,
} from '../sla/leadBook';
import type { LeadEvent, NewLead } from '../sla/leadEvents';
import { seedTermsConfig } from './support/campaignConfig';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// Monday 09:00 New York, with milliseconds, so offsets must stay exact to the millisecond.
const T0 = Date.parse('2026-03-02T14:00:00.123Z');
const iso = (ms: number) => new Date(ms).toISOString();

const config = parseCampaignConfig(seedTermsConfig({ id: 'carry' }));
const ctxAt = (now: number): BookContext => ({ campaignId: 'carry', now, configs: { 1: config }, currentVersion: 1 });

const lead = (leadId: string, tier: string, ownerId: string, createdAt: number): NewLead => ({ leadId, tier, ownerId, createdAt: iso(createdAt) });
const contact = (leadId: string, eventId: string, at: number): LeadEvent => ({ type: 'contact', leadId, eventId, channel: 'call', at: iso(at) });

/** A book at T0 + 61 min holding every kind of lead state the engine produces. */
function scenarioBook(): { book: LeadBook; now: number } {
  const book = emptyLeadBook();
  admitLeads(
    book,
    [
      lead('U-std', 'standard', 'rep-a', T0),
      lead('U-std-late', 'standard', 'rep-c', T0 + 7 * MINUTE + 7),
      lead('W-hi', 'high-intent', 'rep-b', T0 + 10 * MINUTE),
      lead('B-hi', 'high-intent', 'rep-b', T0),
      lead('T-hi', 'high-intent', 'rep-a', T0),
      lead('A-std', 'standard', 'rep-c', T0),
      lead('N-std', 'standard', 'rep-a', T0),
      lead('S-std', 'standard', 'rep-a', T0),
    ],
    ctxAt(T0 + 20 * MINUTE),
  );
  applyLeadEvents(
    book,
    [
      contact('T-hi', 'T-call-1', T0 + 10 * MINUTE + 1),
      contact('T-hi', 'T-call-2', T0 + 12 * MINUTE),
      contact('A-std', 'A-call-1', T0 + 5 * MINUTE),
      { type: 'disposition', leadId: 'A-std', eventId: 'A-accept', decision: 'accept', at: iso(T0 + 6 * MINUTE) },
      { type: 'stage', leadId: 'A-std', eventId: 'A-mql', stage: 'MQL', at: iso(T0 + 8 * MINUTE) },
      { type: 'stage', leadId: 'S-std', eventId: 'S-sql', stage: 'SQL', at: iso(T0 + 9 * MINUTE) },
      contact('N-std', 'N-call-1', T0 + 3 * MINUTE),
      { type: 'disposition', leadId: 'N-std', eventId: 'N-reject', decision: 'reject', reason: 'No response', at: iso(T0 + 4 * MINUTE) },
    ],
    ctxAt(T0 + 20 * MINUTE),
  );
  // B-hi warns at 45 min, breaches at 60 and gets notify-owner (reassign is next); W-hi warns at 55.
  const now = T0 + 61 * MINUTE;
  collectDue(book, ctxAt(T0 + 46 * MINUTE));
  collectDue(book, ctxAt(now));
  drainOutbox(book);
  return { book, now };
}

const roundTrip = (book: LeadBook): LeadBook => decodeLeadBook(JSON.parse(JSON.stringify(encodeLeadBook(book))));

const trimmed = (lead: LeadState): LeadState => ({ ...lead, history: lead.history.slice(-CARRIED_HISTORY_ENTRIES) });
const leadViews = (book: LeadBook) => Object.values(book.leads).map(trimmed);

describe('carry-over round trip', () => {
  it('covers the lead states it claims to: untouched, touched, warned, escalating, accepted, staged, nurtured', () => {
    const { book } = scenarioBook();
    const b = book.leads;
    expect(b['U-std'].clocks.firstTouch?.warnedAt).toBeUndefined();
    expect(b['T-hi'].clocks.firstTouch?.metAt).toBe(T0 + 10 * MINUTE + 1);
    expect(b['T-hi'].clocks.acceptance?.startedAt).toBe(T0 + 10 * MINUTE + 1);
    expect(b['W-hi'].clocks.firstTouch).toMatchObject({ warnedAt: T0 + 55 * MINUTE, deadline: T0 + 70 * MINUTE });
    expect(b['W-hi'].clocks.firstTouch?.breachedAt).toBeUndefined();
    expect(b['B-hi'].clocks.firstTouch).toMatchObject({ breachedAt: T0 + HOUR, nextStep: 1, nextStepAt: T0 + 75 * MINUTE });
    expect(b['A-std']).toMatchObject({ status: 'accepted', stage: 'MQL' });
    expect(b['S-std'].stage).toBe('SQL');
    expect(b['N-std']).toBeUndefined();
    expect(knownLead(book, 'N-std')).toBe('closed');
  });

  it('decodes to the same leads (history trimmed), closed IDs, owner load, round-robin and next due time', () => {
    const { book } = scenarioBook();
    const decoded = roundTrip(book);
    expect(leadViews(decoded)).toEqual(leadViews(book));
    expect(Object.keys(decoded.leads)).toEqual(Object.keys(book.leads));
    expect(decoded.closedLeadIds).toEqual(book.closedLeadIds);
    expect(decoded.ownerLoad).toEqual(book.ownerLoad);
    expect(decoded.roundRobin).toEqual(book.roundRobin);
    expect(nextDueAt(decoded)).toBe(nextDueAt(book));
    expect(knownLead(decoded, 'N-std')).toBe('closed');
    expect(book.leads['A-std'].history.length).toBeGreaterThan(CARRIED_HISTORY_ENTRIES);
    expect(decoded.leads['A-std'].history).toEqual(book.leads['A-std'].history.slice(-CARRIED_HISTORY_ENTRIES));
  });

  it('behaves identically afterwards: the same effects, ledger writes and leads at every later wake-up', () => {
    const { book, now } = scenarioBook();
    const decoded = roundTrip(book);
    // Wake up as the workflow would, at the earlier next due time of either book, for twelve days: B-hi's and
    // W-hi's escalation chains, the acceptance and standard first-touch clocks, the 10-day follow-ups.
    // The original also wakes for entries gone stale (clocks met since they were queued); the rebuilt
    // queue has none of those, so its next due time may be later, never earlier, and nothing differs.
    let fired = 0;
    let wakeUps = 0;
    for (;;) {
      const original = nextDueAt(book);
      const rebuilt = nextDueAt(decoded);
      if (original === undefined) break;
      expect(rebuilt === undefined || rebuilt >= original).toBe(true);
      if (original > now + 12 * DAY) break;
      const expected = collectDue(book, ctxAt(original));
      expect(collectDue(decoded, ctxAt(original))).toEqual(expected);
      expect(drainOutbox(decoded)).toEqual(drainOutbox(book));
      expect(leadViews(decoded)).toEqual(leadViews(book));
      fired += expected.length;
      wakeUps++;
    }
    expect(nextDueAt(decoded)).toBeUndefined();
    expect(wakeUps).toBeGreaterThan(5);
    expect(fired).toBeGreaterThan(10);
    expect(decoded.ownerLoad).toEqual(book.ownerLoad);
    expect(decoded.roundRobin).toEqual(book.roundRobin);
    expect(decoded.closedLeadIds).toEqual(book.closedLeadIds);
  });

  it('keeps recent event IDs, so an event repeated after continue-as-new is still a no-op', () => {
    const { book, now } = scenarioBook();
    const decoded = roundTrip(book);
    const repeat = [contact('T-hi', 'T-call-2', T0 + 12 * MINUTE), contact('T-hi', 'T-call-3', now)];
    expect(applyLeadEvents(decoded, repeat, ctxAt(now))).toEqual(applyLeadEvents(book, repeat, ctxAt(now)));
    expect(decoded.leads['T-hi'].attempts).toBe(3);
    expect(drainOutbox(decoded)).toEqual(drainOutbox(book));
  });

  it('carries unflushed ledger writes and leaves them out when there are none', () => {
    const { book, now } = scenarioBook();
    expect(encodeLeadBook(book).outbox).toBeUndefined();
    admitLeads(book, [lead('late-arrival', 'standard', 'rep-b', now)], ctxAt(now));
    const pending = structuredClone(book.outbox);
    expect(pending.leads).toHaveLength(1);
    expect(roundTrip(book).outbox).toEqual(pending);
  });

  it('is stable: encoding a decoded book gives the same compact form', () => {
    const { book } = scenarioBook();
    const once = encodeLeadBook(book);
    expect(encodeLeadBook(roundTrip(book))).toEqual(once);
  });

  it('round-trips the rest of the workflow state as is', () => {
    const { book } = scenarioBook();
    const state = { book, quarter: '2026-Q1', breachedLeads: 1, spend: { checks: 3, history: [{ at: T0, spend: 12.5 }] } };
    const decoded = decodeCarryOver<typeof state>(JSON.parse(JSON.stringify(encodeCarryOver(state))));
    expect({ ...decoded, book: undefined }).toEqual({ ...state, book: undefined });
    expect(leadViews(decoded.book)).toEqual(leadViews(book));
  });

  it('keeps the most recent closed lead IDs only', () => {
    const book = emptyLeadBook();
    const total = CARRIED_CLOSED_LEAD_IDS + 50;
    for (let i = 0; i < total; i += 1_000) {
      const batch = Array.from({ length: Math.min(1_000, total - i) }, (_, j) => `closed-${i + j}`);
      admitLeads(book, batch.map((id) => lead(id, 'standard', 'rep-a', T0)), ctxAt(T0));
      applyLeadEvents(
        book,
        batch.map((id): LeadEvent => ({ type: 'disposition', leadId: id, eventId: `r-${id}`, decision: 'reject', reason: 'Not ICP', at: iso(T0) })),
        ctxAt(T0),
      );
    }
    expect(book.closedLeadIds).toHaveLength(total);
    const decoded = roundTrip(book);
    expect(decoded.closedLeadIds).toEqual(book.closedLeadIds.slice(-CARRIED_CLOSED_LEAD_IDS));
    expect(knownLead(decoded, `closed-${total - 1}`)).toBe('closed');
    expect(knownLead(decoded, 'closed-0')).toBe('unknown');
  });
});

describe('carry-over size', () => {
  it('encodes 10,000 untouched and 1,000 touched open leads plus 5,000 closed IDs in under 1.5 MB', () => {
    const book = emptyLeadBook();
    const owners = ['rep-a', 'rep-b', 'rep-c'];
    const total = 11_000;
    for (let i = 0; i < total; i += 500) {
      const created = T0 + i * 1_000 + 137;
      admitLeads(
        book,
        Array.from({ length: 500 }, (_, j) => lead(`intake-${i + j}`, 'standard', owners[(i + j) % 3], created)),
        ctxAt(created),
      );
    }
    const touchAt = T0 + total * 1_000 + 5 * MINUTE + 3;
    const touched = Array.from({ length: 1_000 }, (_, i) => contact(`intake-${i}`, `call-intake-${i}`, touchAt));
    applyLeadEvents(book, touched, ctxAt(touchAt));
    drainOutbox(book);
    book.closedLeadIds = Array.from({ length: 20_000 }, (_, i) => `closed-lead-${i}`);

    const plainBytes = jsonSizeBytes(book);
    const compact = encodeLeadBook(book);
    const bytes = jsonSizeBytes(compact);
    const untouchedLeadBytes = jsonSizeBytes(compact.leads.slice(1_000)) / 10_000;
    expect(bytes).toBeLessThan(1.5 * 1024 * 1024);
    expect(untouchedLeadBytes).toBeLessThan(120);
    expect(plainBytes).toBeGreaterThan(5 * bytes);
    expect(roundTrip(book).leads['intake-10999']).toEqual(trimmed(book.leads['intake-10999']));
  });

  it('counts JSON size in UTF-8 bytes', () => {
    expect(jsonSizeBytes('a')).toBe(3);
    expect(jsonSizeBytes('é')).toBe(4);
    expect(jsonSizeBytes('€')).toBe(5);
    expect(jsonSizeBytes('😀')).toBe(6);
    expect(jsonSizeBytes({ k: [1, null] })).toBe('{"k":[1,null]}'.length);
  });
});

describe('carry-over validation', () => {
  const encoded = () => JSON.parse(JSON.stringify(encodeLeadBook(scenarioBook().book)));

  it('names a field of the wrong type by its path', () => {
    const bad = encoded();
    bad.leads[2][3] = 'soon';
    expect(() => decodeLeadBook(bad)).toThrow(/carryOver\.book\.leads\[2\]\[3\]: .*expected number/);
  });

  it('names a string index outside the table', () => {
    const bad = encoded();
    bad.leads[1][2] = bad.strings.length + 5;
    expect(() => decodeLeadBook(bad)).toThrow(`carryOver.book.leads[1][2]: string index ${bad.strings.length + 5} is outside the string table`);
  });

  it('names a lead carried twice', () => {
    const bad = encoded();
    bad.leads.push(bad.leads[0]);
    expect(() => decodeLeadBook(bad)).toThrow(`carryOver.book.leads[${bad.leads.length - 1}][0]: lead "U-std" appears twice`);
  });

  it('names a missing part of the book', () => {
    const bad = encoded();
    delete bad.closedLeadIds;
    expect(() => decodeLeadBook(bad)).toThrow(/carryOver\.book\.closedLeadIds: /);
  });

  it('refuses a carry-over in another format, such as the uncompacted state', () => {
    const { book } = scenarioBook();
    expect(() => decodeCarryOver({ book } as never)).toThrow('carryOver.format: expected 1, got undefined');
  });
});
