// The lead batch's quick check (sla/leadEvents.ts isAdmitLeadsInput) against zod's schema, the reference: it passes
// the batches clients send, and never a batch zod refuses, hostile ones included.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { admitLeadsInputSchema, isAdmitLeadsInput } from '../sla/leadEvents';
import { MAX_BATCH_ITEMS } from '../sla/inputLimits';

const id = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,84}$/),
  fc.constantFrom('constructor', '__proto__', 'toString', '00Q5e000001AbCdEAA', 'jane.doe', 'a@b.co', '555-123-4567'),
  fc.constantFrom('A'.repeat(80), 'A'.repeat(81), ''),
  fc.string({ maxLength: 90 }),
);
const createdAt = fc.oneof(
  fc.integer({ min: -70_000_000_000_000, max: 300_000_000_000_000 }).map((ms) => new Date(ms).toISOString()),
  fc.constantFrom('2026-03-02T09:00:00Z', '2026-03-02T09:00:00.000+01:00', '2026-02-30T09:00:00.000Z', 'tomorrow'),
  fc.string({ maxLength: 30 }),
);
const tier = fc.oneof(fc.string({ maxLength: 85 }), fc.constantFrom('', 't'.repeat(80), 't'.repeat(81)));
const lead = fc.record({ leadId: id, tier, ownerId: id, createdAt });
/** A lead with a field dropped, added, retyped, or named like a prototype key (as JSON.parse leaves it). */
const oddLead = fc.oneof(
  lead,
  lead.map(({ tier: _tier, ...rest }) => rest),
  lead.map((l) => ({ ...l, extra: 1 })),
  lead.map((l) => JSON.parse(JSON.stringify(l).replace('"tier"', '"__proto__":{},"tier"')) as unknown),
  lead.map((l) => ({ ...l, leadId: 42 })),
  fc.constantFrom(null, [], 'lead', 0),
);
const batch = fc.oneof(
  fc.array(lead, { minLength: 1, maxLength: 20 }).map((leads) => ({ leads })),
  fc.array(oddLead, { maxLength: 5 }).map((leads) => ({ leads })),
  fc.array(lead, { minLength: 1, maxLength: 3 }).map((leads) => ({ leads, more: [] })),
  fc.constantFrom(null, {}, { leads: {} }, { leads: 'x' }),
);

describe('isAdmitLeadsInput', () => {
  it('passes no batch that zod refuses', () => {
    fc.assert(
      fc.property(batch, (input) => {
        if (isAdmitLeadsInput(input)) expect(admitLeadsInputSchema.safeParse(input).success).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it('passes the batches clients send, up to the batch limit and not past it', () => {
    const lead = (i: number) => ({
      leadId: `00Q5e00000${String(i).padStart(8, '0')}`,
      tier: 'standard',
      ownerId: `005${i % 7}`,
      createdAt: new Date(1_772_442_000_000 + i).toISOString(),
    });
    const full = Array.from({ length: MAX_BATCH_ITEMS }, (_, i) => lead(i));
    expect(isAdmitLeadsInput({ leads: full })).toBe(true);
    expect(isAdmitLeadsInput({ leads: [...full, lead(MAX_BATCH_ITEMS)] })).toBe(false);
    expect(isAdmitLeadsInput({ leads: [] })).toBe(false);
  });
});
