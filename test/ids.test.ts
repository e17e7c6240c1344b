// The one ID rule: what it admits (CRM IDs of every shape we meet, prototype-named keys) and what it
// refuses (emails, phone numbers, names, free text, oversized values), without echoing the value.
import { describe, expect, it } from 'vitest';
import { idProblem, MAX_ID_LENGTH, quoteInput } from '../sla/ids';
import fc from 'fast-check';
import { requestProblem, storableJson, unstorableTextPath } from '../sla/inputLimits';
import { parseCampaignConfig } from '../sla/config';
import { seedTermsConfig } from './support/campaignConfig';

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
    expect(requestProblem({ a: 'x'.repeat(100) }, 50)).toBe(
      'a: a value of 100 characters; (input): 108 bytes exceeds the limit of 50 bytes per request; split it',
    );
    expect(requestProblem({ items: Array.from({ length: 20 }, (_, i) => `id-${i}`) }, 50)).toBe(
      '(input): 161 bytes exceeds the limit of 50 bytes per request; split it',
    );
    expect(requestProblem({ a: 1 }, 50)).toBeNull();
  });
});

describe('text the ledger cannot store', () => {
  const UNSTORABLE = 'holds a NUL character or an unpaired UTF-16 surrogate, which the ledger cannot store';

  it('refuses a NUL or an unpaired surrogate in any value or key, naming where', () => {
    expect(requestProblem({ reason: 'ok\u0000' })).toBe(`reason: ${UNSTORABLE} (Postgres text and JSON refuse both)`);
    expect(requestProblem({ events: [{ a: 'x' }, { status: 'lone \ud800 high' }] })).toContain(
      `events[1].status: ${UNSTORABLE}`,
    );
    expect(requestProblem({ events: [{ status: 'lone \udc00 low' }] })).toContain(`events[0].status: ${UNSTORABLE}`);
    expect(requestProblem({ nested: { ['k\u0000']: 1 } })).toContain(`nested.k\u0000: ${UNSTORABLE}`);
    expect(requestProblem('\u0000')).toContain(`(input): ${UNSTORABLE}`);
  });

  it('takes surrogate pairs, other control characters and text that spells an escape', () => {
    for (const text of ['emoji 😀 and 𝄞', 'tab\tnewline\n\u0001', '\\u0000 spelled out', '\\\\ud800', 'é ü ß 中文']) {
      expect(requestProblem({ reason: text }), JSON.stringify(text)).toBeNull();
    }
  });

  it('agrees with a check of every string, whatever UTF-16 the values hold (property)', () => {
    const unstorable = (text: string) =>
      text.includes('\u0000') || /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
    // Near misses weighted in: backslashes and "u0000" spelled out, halves of pairs that may or may not meet.
    const edge = fc.constantFrom(
      'a',
      '\\',
      'u',
      '0',
      'd',
      '8',
      'c',
      '\u0000',
      '\ud800',
      '\udbff',
      '\udc00',
      '\udfff',
      '😀',
    );
    const text = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: edge, maxLength: 8 }));
    fc.assert(
      fc.property(fc.dictionary(text, fc.array(text, { maxLength: 3 })), (value) => {
        const expected = Object.entries(value).some(([key, texts]) => unstorable(key) || texts.some(unstorable));
        expect(requestProblem(value) !== null).toBe(expected);
        expect(unstorableTextPath(value) !== null).toBe(expected);
        // The ledger's jsonb form of it: storable, and the very JSON when nothing needed replacing.
        const stored = storableJson(value);
        expect(unstorableTextPath(JSON.parse(stored))).toBeNull();
        if (!expected) expect(stored).toBe(JSON.stringify(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses such text in a campaign config, which the ledger records before the campaign starts', () => {
    const config = seedTermsConfig({ id: 'unstorable' }) as { campaign: Record<string, unknown> };
    config.campaign.name = 'Spring\u0000';
    expect(() => parseCampaignConfig(config)).toThrow(`campaign.name: ${UNSTORABLE}`);
  });
});
