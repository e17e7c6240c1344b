// Properties of the lead book over arbitrary inputs: IDs drawn from ordinary IDs and every prototype key,
// events in any order, at any time (late, early, duplicated), steps that fail or succeed. Whatever arrives,
// nothing throws, every admitted lead is open or closed exactly once, owner load matches the open leads,
// and the carry-over round-trips the book.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLeadBook, encodeLeadBook } from '../sla/carryOver';
import { getOwn } from '../sla/dict';
import { idProblem } from '../sla/ids';
import {
  admitLeads,
  applyLeadEvents,
  collectDue,
  completeEscalationStep,
  emptyLeadBook,
  knownLead,
  validateAdmission,
  validateLeadEvents,
  type LeadBook,
} from '../sla/leadBook';
import type { LeadEvent, NewLead } from '../sla/leadEvents';
import { bookContext, HOUR, MINUTE, MONDAY_10AM, iso, seedConfig } from './support/leadBook';

const PROTOTYPE_KEYS = [
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'prototype',
  '__proto__',
  'isPrototypeOf',
];
const config = seedConfig();
const owners = ['rep-a', 'rep-b', 'rep-c', 'constructor', 'toString'];

const idArb = fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), fc.stringMatching(/^L-[0-9]{1,3}$/));
const leadArb = fc.record({
  leadId: idArb,
  ownerId: fc.constantFrom(...owners),
  tier: fc.constantFrom('high-intent', 'standard'),
  offsetMs: fc.integer({ min: 0, max: 2 * HOUR }),
});
const stepArb = fc.record({
  kind: fc.constantFrom('contact', 'accept', 'reject', 'stage', 'wake', 'step-ok', 'step-fail'),
  leadIndex: fc.nat(),
  eventId: fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), fc.stringMatching(/^e-[0-9]{1,2}$/)),
  atMs: fc.integer({ min: -HOUR, max: 30 * HOUR }),
  advanceMs: fc.integer({ min: 0, max: 3 * HOUR }),
});

function eventFor(kind: string, leadId: string, eventId: string, at: number): LeadEvent {
  const base = { leadId, eventId, at: iso(at) };
  if (kind === 'contact') return { type: 'contact', channel: 'call', ...base };
  if (kind === 'accept') return { type: 'disposition', decision: 'accept', ...base };
  if (kind === 'reject') return { type: 'disposition', decision: 'reject', reason: 'Not ICP', ...base };
  return { type: 'stage', stage: 'MQL', ...base };
}

function checkInvariants(book: LeadBook, admitted: Set<string>): void {
  for (const leadId of admitted) {
    const known = knownLead(book, leadId);
    // A lead is open or closed; the carry-over keeps the last closed IDs, so none is ever unknown here.
    expect(known === 'open' || known === 'closed').toBe(true);
  }
  const open = Object.values(book.leads);
  for (const lead of open) expect(admitted.has(lead.leadId)).toBe(true);
  const load = Object.values(book.ownerLoad).reduce((sum, n) => sum + n, 0);
  expect(load).toBe(open.length);
}

describe('lead book properties', () => {
  it('never throws and keeps its counts whatever IDs, event orders, times and step outcomes arrive', () => {
    fc.assert(
      fc.property(
        fc.array(leadArb, { minLength: 1, maxLength: 12 }),
        fc.array(stepArb, { maxLength: 40 }),
        (leads, steps) => {
          const book = emptyLeadBook();
          const admitted = new Set<string>();
          let now = MONDAY_10AM + 2 * HOUR;
          const inputs: NewLead[] = leads
            .filter((l) => idProblem(l.leadId) === null)
            .map((l) => ({
              leadId: l.leadId,
              ownerId: l.ownerId,
              tier: l.tier,
              createdAt: iso(MONDAY_10AM + l.offsetMs),
            }));
          if (validateAdmission(inputs, bookContext(config, now)).length === 0) {
            for (const outcome of admitLeads(book, inputs, bookContext(config, now))) {
              if (outcome.result === 'admitted') admitted.add(outcome.leadId);
            }
          }
          // Every distinct valid ID is admitted exactly once, prototype keys included.
          expect(admitted).toEqual(new Set(inputs.map((l) => l.leadId)));
          const ids = [...admitted];
          const inFlight: ReturnType<typeof collectDue> = [];
          for (const step of steps) {
            if (step.kind === 'wake') {
              now += step.advanceMs;
              inFlight.push(...collectDue(book, bookContext(config, now)).filter((e) => e.type === 'escalation'));
            } else if (step.kind === 'step-ok' || step.kind === 'step-fail') {
              const effect = inFlight.shift();
              if (effect?.type === 'escalation') {
                const ref = { leadId: effect.leadId, clock: effect.clock, stepIndex: effect.stepIndex };
                const result =
                  step.kind === 'step-ok' ? { ...ref, ok: true as const } : { ...ref, ok: false as const, error: 'x' };
                completeEscalationStep(book, bookContext(config, now), result, effect);
              }
            } else if (ids.length) {
              const leadId = ids[step.leadIndex % ids.length];
              const at = Math.min(now, MONDAY_10AM + 2 * HOUR + step.atMs);
              const events = [eventFor(step.kind, leadId, step.eventId, at)];
              if (
                idProblem(step.eventId) === null &&
                validateLeadEvents(book, events, bookContext(config, now)).length === 0
              ) {
                applyLeadEvents(book, events, bookContext(config, now));
              }
            }
            checkInvariants(book, admitted);
          }
          // Any reachable book survives continue-as-new unchanged in what it decides.
          const decoded = decodeLeadBook(JSON.parse(JSON.stringify(encodeLeadBook(book))));
          expect(Object.keys(decoded.leads).sort()).toEqual(Object.keys(book.leads).sort());
          expect({ ...decoded.ownerLoad }).toEqual({ ...book.ownerLoad });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a touch before the deadline reported within the allowed lateness leaves no breach, whenever it arrives', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: HOUR }), fc.integer({ min: 0, max: 10 * MINUTE }), (touchOffset, delay) => {
        const book = emptyLeadBook();
        const created = MONDAY_10AM;
        admitLeads(
          book,
          [{ leadId: 'constructor', ownerId: 'rep-a', tier: 'high-intent', createdAt: iso(created) }],
          bookContext(config, created),
        );
        const touchAt = created + touchOffset; // at or before the 1 h deadline
        const learnedAt = Math.max(touchAt, created + HOUR) + delay; // after the breach may have fired
        collectDue(book, bookContext(config, learnedAt));
        applyLeadEvents(book, [eventFor('contact', 'constructor', 'e-1', touchAt)], bookContext(config, learnedAt));
        const clock = getOwn(book.leads, 'constructor')?.clocks.firstTouch;
        expect(clock?.metAt).toBe(touchAt);
        expect(clock?.breachedAt).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });
});
