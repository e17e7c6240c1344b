// The one ID rule: what it admits (CRM IDs of every shape we meet, prototype-named keys) and what it
// refuses (emails, phone numbers, names, free text, oversized values), without echoing the value.
import { describe, expect, it } from 'vitest';
import { idProblem, MAX_ID_LENGTH, quoteInput } from '../sla/ids';
import { payloadSizeProblem } from '../sla/inputLimits';

describe('idProblem', () => {
  it.each([
    '00Q5e00000AbCdE', // Salesforce 15
    '00Q5e00000AbCdEAAZ', // Salesforce 18
    '51', // HubSpot numeric
    '5551234567', // digits only: a numeric CRM ID, not refused as a phone
    'demo-rep-3',
    'L-000123',
    'campaign-sla:c-1:L-1',
    'constructor',
    'toString',
    'hasOwnProperty',
    'a'.repeat(MAX_ID_LENGTH),
  ])('admits %s', (id) => {
    expect(idProblem(id)).toBeNull();
  });

  it.each([
    ['', 'must not be empty'],
    ['a'.repeat(MAX_ID_LENGTH + 1), `must be at most ${MAX_ID_LENGTH} characters (got 81)`],
    ['jane@example.com', 'must be an ID, not an email address'],
    ['+1 (555) 123-4567', 'must be an ID (letters, digits, . _ : -), not a name or free text'],
    ['+15551234567', 'must be an ID (letters, digits, . _ : -), not a name or free text'],
    ['555-123-4567', 'must be an ID, not a phone number'],
    ['555.123.4567', 'must be an ID, not a phone number'],
    ['Jane Doe', 'must be an ID (letters, digits, . _ : -), not a name or free text'],
    ['jane.doe', 'must be an ID, not a person’s name'],
    ['__proto__', 'must be an ID (letters, digits, . _ : -), not a name or free text'],
    ['L-1\nL-2', 'must be an ID (letters, digits, . _ : -), not a name or free text'],
    ['L-☃', 'must be an ID (letters, digits, . _ : -), not a name or free text'],
  ])('refuses %j: %s', (id, problem) => {
    expect(idProblem(id)).toBe(problem);
  });

  it('never echoes a huge value', () => {
    expect(idProblem('x'.repeat(1_000_000))).toBe(`must be at most ${MAX_ID_LENGTH} characters (got 1000000)`);
    expect(quoteInput('y'.repeat(1_000_000))).toBe(JSON.stringify(`${'y'.repeat(60)}…`));
  });
});

describe('payload bounds', () => {
  it('names the size and the limit', () => {
    expect(payloadSizeProblem({ a: 'x'.repeat(100) }, 50)).toBe(
      'a: a value of 100 characters; (input): 108 bytes exceeds the limit of 50 bytes per request; split it',
    );
    expect(payloadSizeProblem({ items: Array.from({ length: 20 }, (_, i) => `id-${i}`) }, 50)).toBe(
      '(input): 161 bytes exceeds the limit of 50 bytes per request; split it',
    );
    expect(payloadSizeProblem({ a: 1 }, 50)).toBeNull();
  });
});
