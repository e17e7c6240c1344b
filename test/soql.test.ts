import { describe, expect, it } from 'vitest';
import { parseSoql, tokenizeSoql } from './fakes/salesforce/fakeSoql';
import {
  assertFieldApiName,
  assertSalesforceId,
  batchIdsForInClause,
  escapeSoqlString,
  soqlDateTime,
  soqlIdList,
  soqlString,
  soqlStringList,
} from '../activities/crm/soql';

describe('SOQL string literals', () => {
  it('escapes backslash, quotes and control characters', () => {
    expect(escapeSoqlString(`a\\b'c"d\ne\rf\tg\bh\fi`)).toBe(String.raw`a\\b\'c\"d\ne\rf\tg\bh\fi`);
    expect(soqlString("' OR Name != '")).toBe(String.raw`'\' OR Name != \''`);
  });

  it('round-trips through a SOQL tokenizer as exactly one literal', () => {
    for (const value of ["' OR Name != '", "\\'", 'x\\', 'line\nbreak', "'; DELETE FROM Lead --", "'''", 'naïve ☕']) {
      const tokens = tokenizeSoql(`Status = ${soqlString(value)}`);
      expect(tokens).toEqual([
        { kind: 'word', text: 'Status' },
        { kind: 'punct', text: '=' },
        { kind: 'string', value },
      ]);
    }
  });

  it('builds IN lists and refuses empty ones', () => {
    expect(soqlStringList(['Qualified', "O'Brien"], 'statuses')).toBe(String.raw`('Qualified', 'O\'Brien')`);
    expect(() => soqlStringList([], 'statuses')).toThrow('statuses must not be empty');
  });
});

describe('Salesforce IDs and field names', () => {
  it('accepts 15 and 18 character IDs and names the bad one', () => {
    expect(assertSalesforceId('00Q000000000001', 'leadId')).toBe('00Q000000000001');
    expect(assertSalesforceId('00Q000000000001AAA', 'leadId')).toBe('00Q000000000001AAA');
    expect(() => assertSalesforceId("00Q000000000001' OR '1'='1", 'leadId')).toThrow(
      /^leadId must be a 15 or 18 character Salesforce ID/,
    );
    expect(() => assertSalesforceId('00Q0000000000012', 'leadId')).toThrow(/leadId/);
    expect(() => soqlIdList(['00Q000000000001AAA', 'nope'], 'leadIds')).toThrow(/leadIds\[1\]/);
  });

  it('accepts field API names only', () => {
    expect(assertFieldApiName('Lead_Tier__c', 'tier')).toBe('Lead_Tier__c');
    expect(() => assertFieldApiName('Tier__c FROM User --', 'tier')).toThrow(
      /tier must be a Salesforce field API name/,
    );
  });
});

describe('SOQL date-times', () => {
  it('formats UTC at whole seconds and rounds fractional bounds up', () => {
    expect(soqlDateTime('2026-01-05T10:00:00.000+02:00', 'from')).toBe('2026-01-05T08:00:00Z');
    expect(soqlDateTime('2026-01-05T08:00:00.001Z', 'from')).toBe('2026-01-05T08:00:01Z');
    expect(() => soqlDateTime('2026-13-01', 'from')).toThrow(/from must be an ISO-8601 date-time/);
  });
});

describe('IN clause batching', () => {
  const ids = Array.from({ length: 450 }, (_, i) => `00Q${String(i).padStart(15, '0')}`);

  it('caps batches by count', () => {
    expect(batchIdsForInClause(ids, 200, 100_000).map((b) => b.length)).toEqual([200, 200, 50]);
    expect(batchIdsForInClause(ids, 200, 100_000).flat()).toEqual(ids);
  });

  it('caps batches by clause length', () => {
    const batches = batchIdsForInClause(ids, 200, 1_000);
    for (const batch of batches) expect(soqlIdList(batch, 'ids').length).toBeLessThanOrEqual(1_000);
    expect(batches.flat()).toEqual(ids);
  });
});

describe('the fake server SOQL parser', () => {
  it('parses the adapter query shapes', () => {
    const query = parseSoql(
      "SELECT WhoId, MIN(CreatedDate) firstAt FROM Task WHERE WhoId IN ('00Q000000000001AAA') AND (IsClosed = true OR NOT Type = null) GROUP BY WhoId ORDER BY WhoId DESC LIMIT 5",
    );
    expect(query).toMatchObject({
      from: 'Task',
      items: [
        { kind: 'field', field: 'WhoId' },
        { kind: 'min', field: 'CreatedDate', alias: 'firstAt' },
      ],
      groupBy: ['WhoId'],
      orderBy: [{ field: 'WhoId', descending: true }],
      limit: 5,
    });
    expect(() => parseSoql("SELECT Id FROM Lead WHERE Status = 'unterminated")).toThrow(/unterminated/);
    expect(() => parseSoql(String.raw`SELECT Id FROM Lead WHERE Status = 'bad \q escape'`)).toThrow(/invalid escape/);
  });
});
