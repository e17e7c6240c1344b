// jsonSizeBytes is what every size guard (Update payloads, ledger writes, the carry-over) measures with: it must
// equal the UTF-8 length of the JSON, on its ASCII fast path and off it (astral characters, lone surrogates, DEL).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonSizeBytes } from '../sla/inputLimits';

const utf8Length = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

describe('jsonSizeBytes', () => {
  it('equals the UTF-8 length of the JSON for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(jsonSizeBytes(value)).toBe(utf8Length(value));
      }),
      { numRuns: 500 },
    );
  });

  it('counts multi-byte, astral, DEL and escaped control characters as their bytes', () => {
    for (const value of [
      { id: 'L-1', at: '2026-03-02T09:00:00.000Z' },
      'é',
      '☃',
      '😀',
      '\u007f',
      '\u0000\n\t',
      ['a', { b: 'ü😀' }],
    ])
      expect(jsonSizeBytes(value), JSON.stringify(value)).toBe(utf8Length(value));
  });
});
