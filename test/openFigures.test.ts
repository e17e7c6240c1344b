// The open leads' SLA figures and the open-clock count are kept per change (sla/openFigures,
// sla/leadBook openClockCount) instead of recounted over every open lead on each summary. These properties ask
// for them at the instants where an open lead's outcome turns (a millisecond either side of each deadline and of
// each tracked threshold in the tier's own time, across nights, weekends and the DST switch), with warnings,
// breaches, touches and owner changes in between, and compare them with the same figures counted from scratch.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { admitLeads, applyLeadEvents, collectDue, emptyLeadBook, tierTime, type LeadBook } from '../sla/leadBook';
import { changeOwner } from '../sla/leadBook/escalation';
import { bookContext, contact, DAY, HOUR, MONDAY_10AM, newLead, seedConfig } from './support/leadBook';
import { keptOpenFigures, recountedOpenSummary, recountOpenClocks } from './support/openFigures';

const holderConfig = seedConfig();
const firstOwnerConfig = seedConfig({ responseSla: { attribution: 'first-owner' } });
const OWNERS = ['rep-a', 'rep-b', 'constructor', 'outsider'];

/** Every instant at which an open lead's figures may turn, a millisecond either side. */
function turningPoints(book: LeadBook, config: typeof holderConfig): number[] {
  const time = tierTime(config);
  const points: number[] = [];
  for (const lead of Object.values(book.leads)) {
    const clock = lead.clocks.firstTouch!;
    const edges = [clock.deadline, clock.warnAt];
    for (const t of config.responseSla.compliance) {
      edges.push(
        time.reach(lead.tier, clock.startedAt, t.within),
        time.reach(lead.tier, clock.startedAt, t.within + 1),
      );
    }
    for (const edge of edges) points.push(edge - 1, edge, edge + 1);
  }
  return points;
}

const leadArb = fc.record({
  offset: fc.integer({ min: 0, max: 9 * DAY }), // from Monday 10:00 over nine days: nights, a weekend, DST on 8 March
  tier: fc.constantFrom('high-intent', 'standard'),
  owner: fc.constantFrom(...OWNERS),
});

const stepArb = fc.oneof(
  fc.record({ kind: fc.constant('turn' as const), pick: fc.nat(), collect: fc.boolean() }),
  fc.record({ kind: fc.constant('random' as const), at: fc.integer({ min: 0, max: 30 * DAY }), collect: fc.boolean() }),
  fc.record({ kind: fc.constant('touch' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('reassign' as const), pick: fc.nat(), owner: fc.constantFrom(...OWNERS) }),
);

describe('open figures kept per change', () => {
  for (const [attribution, config] of [
    ['holder', holderConfig],
    ['first-owner', firstOwnerConfig],
  ] as const) {
    it(`equal the figures counted from scratch at every turning instant (attribution: ${attribution})`, () => {
      fc.assert(
        fc.property(
          fc.array(leadArb, { minLength: 1, maxLength: 8 }),
          fc.array(stepArb, { minLength: 1, maxLength: 40 }),
          fc.integer({ min: 0, max: 2 * DAY }),
          (leads, steps, sinceOffset) => {
            const book = emptyLeadBook();
            const admittedAt = MONDAY_10AM + 9 * DAY;
            admitLeads(
              book,
              leads.map((l, i) => newLead(`L-${i}`, MONDAY_10AM + l.offset, l.tier, l.owner)),
              bookContext(config, admittedAt),
            );
            // Leads created before `since` belong to the previous quarter's figures.
            const since = MONDAY_10AM + sinceOffset;
            const kept = keptOpenFigures(config, since);
            const turns = [...new Set(turningPoints(book, config))].sort((a, b) => a - b);
            let now = admittedAt;
            let eventSeq = 0;
            const leadIds = () => Object.keys(book.leads);
            for (const step of steps) {
              if (step.kind === 'turn' || step.kind === 'random') {
                const later = step.kind === 'turn' ? turns.filter((t) => t > now) : [];
                const target = step.kind === 'turn' ? later[step.pick % Math.max(1, later.length)] : now + step.at;
                if (target === undefined) continue;
                now = target;
                if (step.collect) collectDue(book, bookContext(config, now));
              } else if (step.kind === 'touch') {
                const ids = leadIds();
                if (ids.length === 0) continue;
                const leadId = ids[step.pick % ids.length];
                const at = Math.min(now, book.leads[leadId].createdAt + (step.pick % (30 * HOUR)));
                applyLeadEvents(book, [contact(leadId, `e-${eventSeq++}`, at)], bookContext(config, now));
              } else {
                const ids = leadIds();
                if (ids.length === 0) continue;
                const lead = book.leads[ids[step.pick % ids.length]];
                if (lead.ownerId !== step.owner) changeOwner(book, lead, step.owner, now);
              }
              expect(kept.openClocks(book)).toBe(recountOpenClocks(book));
              expect(kept.summary(book, now)).toEqual(recountedOpenSummary(book, config, since, now));
            }
          },
        ),
        { numRuns: 150 },
      );
    });
  }

  it('start again, exactly, when asked about an earlier instant', () => {
    const book = emptyLeadBook();
    admitLeads(book, [newLead('L-1', MONDAY_10AM, 'standard')], bookContext(holderConfig, MONDAY_10AM));
    const kept = keptOpenFigures(holderConfig, 0);
    const late = MONDAY_10AM + 5 * DAY;
    expect(kept.summary(book, late).targets.map((t) => t.missed)).toEqual([1, 1]);
    // A caller that asks about the past (a report, a test) gets the past, not the cached present.
    expect(kept.summary(book, MONDAY_10AM + 1)).toEqual(recountedOpenSummary(book, holderConfig, 0, MONDAY_10AM + 1));
    expect(kept.summary(book, MONDAY_10AM + 1).targets.map((t) => t.pending)).toEqual([1, 1]);
  });
});
