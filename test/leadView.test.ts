// The `lead` query's view: every time in ISO 8601, like every other read model, though the book keeps epoch ms.
import { describe, expect, it } from 'vitest';
import type { LeadState } from '../sla/leadBook';
import { toLeadView } from '../sla/leadView';
import { HOUR, iso, MINUTE, MONDAY_10AM } from './support/leadBook';

const t = (minutes: number) => MONDAY_10AM + minutes * MINUTE;

/** A reassigned, breached lead with every optional field of the book set. */
const lead: LeadState = {
  leadId: 'L-1',
  tier: 'high-intent',
  ownerId: 'rep-b',
  createdAt: t(0),
  configVersion: 2,
  status: 'open',
  stage: 'SQL',
  attempts: 1,
  firstTouchAt: t(90),
  reassignments: 1,
  owners: [
    { ownerId: 'rep-a', from: t(0) },
    { ownerId: 'rep-b', from: t(75) },
  ],
  clocks: {
    firstTouch: {
      startedAt: t(0),
      warnAt: t(45),
      deadline: t(60),
      warnedAt: t(45),
      metAt: t(90),
      breachedAt: t(60),
      stoppedAt: t(100),
      nextStep: 2,
      nextStepAt: t(120),
      stepInFlight: 1,
      stepAttempts: 3,
      breachedOwnerId: 'rep-a',
      breachRetractedAt: t(91),
    },
  },
  eventIds: ['e-1'],
  history: [{ at: t(90), what: 'contact call' }],
};

/** Paths of numbers large enough to be epoch milliseconds (after 1973). */
function epochMillis(value: unknown, path = '$'): string[] {
  if (typeof value === 'number') return value > 1e11 ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => epochMillis(v, `${path}[${i}]`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => epochMillis(v, `${path}.${k}`));
  return [];
}

describe('toLeadView', () => {
  it('holds no epoch milliseconds anywhere: owner spans, clocks and history are ISO times', () => {
    const view = toLeadView(lead);
    expect(epochMillis(view)).toEqual([]);
    expect(view.owners).toEqual([
      { ownerId: 'rep-a', from: iso(t(0)) },
      { ownerId: 'rep-b', from: iso(t(75)) },
    ]);
    expect(view.clocks.firstTouch).toMatchObject({
      deadline: iso(MONDAY_10AM + HOUR),
      nextStepAt: iso(t(120)),
      nextStep: 2,
      stepInFlight: 1,
      stepAttempts: 3,
    });
    expect(view).toMatchObject({ createdAt: iso(t(0)), firstTouchAt: iso(t(90)), closed: false });
    expect(view.history).toEqual([{ at: iso(t(90)), what: 'contact call' }]);
    expect(view).not.toHaveProperty('eventIds');
  });

  it('leaves out owner spans for a lead that never changed owner', () => {
    const { owners: _owners, ...unassigned } = lead;
    expect(toLeadView(unassigned)).not.toHaveProperty('owners');
  });
});
