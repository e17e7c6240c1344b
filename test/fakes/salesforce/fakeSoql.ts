// Just enough SOQL for the fake Salesforce server: SELECT fields | COUNT() | MIN/MAX(field) alias,
// FROM, WHERE with AND/OR/NOT/parentheses, = != < <= > >=, [NOT] IN (...), GROUP BY, ORDER BY, LIMIT.
// String literals are decoded exactly as Salesforce does, so escaping bugs show up as wrong results.
import { DateTime } from 'luxon';

export class SoqlError extends Error {
  constructor(
    readonly errorCode: 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE' | 'INVALID_QUERY_FILTER_OPERATOR',
    message: string,
  ) {
    super(message);
  }
}

export type SoqlLiteral = string | number | boolean | null | { dateTime: number } | { date: string };

export type SoqlCondition =
  | { kind: 'and' | 'or'; parts: SoqlCondition[] }
  | { kind: 'not'; inner: SoqlCondition }
  | { kind: 'compare'; field: string; op: '=' | '!=' | '<' | '<=' | '>' | '>='; value: SoqlLiteral }
  | { kind: 'in'; field: string; values: SoqlLiteral[]; negate: boolean };

type SoqlSelectItem = { kind: 'field'; field: string } | { kind: 'min' | 'max'; field: string; alias: string };

export interface SoqlQuery {
  countOnly: boolean;
  items: SoqlSelectItem[];
  from: string;
  where: SoqlCondition | null;
  groupBy: string[];
  orderBy: { field: string; descending: boolean }[];
  limit: number | null;
}

type Token =
  | { kind: 'word'; text: string }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'dateTime'; value: number }
  | { kind: 'date'; value: string }
  | { kind: 'punct'; text: string };

const STRING_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
};
// SOQL dateTime literals are YYYY-MM-DDThh:mm:ss with Z or ±hh:mm, no fractional seconds
// (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_dateformats.htm).
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2})/;
const FRACTIONAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+/;
const DATE = /^\d{4}-\d{2}-\d{2}/;

export function tokenizeSoql(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i];
    if (/\s/.test(char)) {
      i += 1;
    } else if (char === "'") {
      let value = '';
      i += 1;
      for (;;) {
        if (i >= text.length) throw new SoqlError('MALFORMED_QUERY', 'unterminated string literal');
        const c = text[i];
        if (c === "'") break;
        if (c === '\\') {
          const decoded = STRING_ESCAPES[text[i + 1]];
          if (decoded === undefined)
            throw new SoqlError('MALFORMED_QUERY', `invalid escape sequence \\${text[i + 1] ?? ''}`);
          value += decoded;
          i += 2;
        } else {
          value += c;
          i += 1;
        }
      }
      i += 1;
      tokens.push({ kind: 'string', value });
    } else if (/\d/.test(char)) {
      const rest = text.slice(i);
      if (FRACTIONAL_DATE_TIME.test(rest))
        throw new SoqlError('MALFORMED_QUERY', `invalid dateTime literal ${rest.slice(0, 24)}: no fractional seconds`);
      const dateTime = DATE_TIME.exec(rest);
      const date = DATE.exec(rest);
      if (dateTime) {
        tokens.push({ kind: 'dateTime', value: Date.parse(dateTime[0]) });
        i += dateTime[0].length;
      } else if (date) {
        tokens.push({ kind: 'date', value: date[0] });
        i += date[0].length;
      } else {
        const number = /^\d+(?:\.\d+)?/.exec(rest)![0];
        tokens.push({ kind: 'number', value: Number(number) });
        i += number.length;
      }
    } else if (/[A-Za-z_]/.test(char)) {
      const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i))![0];
      tokens.push({ kind: 'word', text: word });
      i += word.length;
    } else {
      const punct = /^(?:!=|<=|>=|[(),=<>])/.exec(text.slice(i));
      if (!punct) throw new SoqlError('MALFORMED_QUERY', `unexpected character ${JSON.stringify(char)} at ${i}`);
      tokens.push({ kind: 'punct', text: punct[0] });
      i += punct[0].length;
    }
  }
  return tokens;
}

export function parseSoql(text: string): SoqlQuery {
  return new Parser(tokenizeSoql(text)).query();
}

class Parser {
  private position = 0;
  constructor(private readonly tokens: Token[]) {}

  query(): SoqlQuery {
    this.keyword('SELECT');
    let countOnly = false;
    const items: SoqlSelectItem[] = [];
    if (this.peekKeyword('COUNT')) {
      this.position += 1;
      this.punct('(');
      this.punct(')');
      countOnly = true;
    } else {
      do items.push(this.selectItem(items.length));
      while (this.acceptPunct(','));
    }
    this.keyword('FROM');
    const from = this.word();
    const where = this.acceptKeyword('WHERE') ? this.orCondition() : null;
    const groupBy: string[] = [];
    if (this.acceptKeyword('GROUP')) {
      this.keyword('BY');
      do groupBy.push(this.word());
      while (this.acceptPunct(','));
    }
    const orderBy: SoqlQuery['orderBy'] = [];
    if (this.acceptKeyword('ORDER')) {
      this.keyword('BY');
      do {
        const field = this.word();
        const descending = this.acceptKeyword('DESC');
        if (!descending) this.acceptKeyword('ASC');
        orderBy.push({ field, descending });
      } while (this.acceptPunct(','));
    }
    let limit: number | null = null;
    if (this.acceptKeyword('LIMIT')) {
      const token = this.next();
      if (token?.kind !== 'number') throw new SoqlError('MALFORMED_QUERY', 'LIMIT needs a number');
      limit = token.value;
    }
    if (this.position !== this.tokens.length)
      throw new SoqlError(
        'MALFORMED_QUERY',
        `unexpected token after query: ${JSON.stringify(this.tokens[this.position])}`,
      );
    return { countOnly, items, from, where, groupBy, orderBy, limit };
  }

  private selectItem(index: number): SoqlSelectItem {
    const word = this.word();
    const aggregate = word.toUpperCase();
    if ((aggregate === 'MIN' || aggregate === 'MAX') && this.acceptPunct('(')) {
      const field = this.word();
      this.punct(')');
      const next = this.tokens[this.position];
      const alias = next?.kind === 'word' && !isKeyword(next.text) ? this.word() : `expr${index}`;
      return { kind: aggregate === 'MIN' ? 'min' : 'max', field, alias };
    }
    return { kind: 'field', field: word };
  }

  private orCondition(): SoqlCondition {
    const parts = [this.andCondition()];
    while (this.acceptKeyword('OR')) parts.push(this.andCondition());
    return parts.length === 1 ? parts[0] : { kind: 'or', parts };
  }

  private andCondition(): SoqlCondition {
    const parts = [this.unaryCondition()];
    while (this.acceptKeyword('AND')) parts.push(this.unaryCondition());
    return parts.length === 1 ? parts[0] : { kind: 'and', parts };
  }

  private unaryCondition(): SoqlCondition {
    if (this.acceptKeyword('NOT')) return { kind: 'not', inner: this.unaryCondition() };
    if (this.acceptPunct('(')) {
      const inner = this.orCondition();
      this.punct(')');
      return inner;
    }
    const field = this.word();
    const negate = this.acceptKeyword('NOT');
    if (this.acceptKeyword('IN')) {
      this.punct('(');
      const values: SoqlLiteral[] = [];
      do values.push(this.literal());
      while (this.acceptPunct(','));
      this.punct(')');
      return { kind: 'in', field, values, negate };
    }
    if (negate) throw new SoqlError('MALFORMED_QUERY', 'NOT must be followed by IN here');
    const token = this.next();
    if (token?.kind !== 'punct' || !['=', '!=', '<', '<=', '>', '>='].includes(token.text)) {
      throw new SoqlError('MALFORMED_QUERY', `expected a comparison after ${field}`);
    }
    return { kind: 'compare', field, op: token.text as '=', value: this.literal() };
  }

  private literal(): SoqlLiteral {
    const token = this.next();
    switch (token?.kind) {
      case 'string':
      case 'number':
        return token.value;
      case 'dateTime':
        return { dateTime: token.value };
      case 'date':
        return { date: token.value };
      case 'word': {
        const word = token.text.toLowerCase();
        if (word === 'true' || word === 'false') return word === 'true';
        if (word === 'null') return null;
      }
    }
    throw new SoqlError('MALFORMED_QUERY', `expected a literal value, got ${JSON.stringify(token)}`);
  }

  private next(): Token | undefined {
    return this.tokens[this.position++];
  }

  private word(): string {
    const token = this.next();
    if (token?.kind !== 'word') throw new SoqlError('MALFORMED_QUERY', `expected a name, got ${JSON.stringify(token)}`);
    return token.text;
  }

  private peekKeyword(keyword: string): boolean {
    const token = this.tokens[this.position];
    return token?.kind === 'word' && token.text.toUpperCase() === keyword;
  }

  private acceptKeyword(keyword: string): boolean {
    if (!this.peekKeyword(keyword)) return false;
    this.position += 1;
    return true;
  }

  private keyword(keyword: string): void {
    if (!this.acceptKeyword(keyword)) throw new SoqlError('MALFORMED_QUERY', `expected ${keyword}`);
  }

  private acceptPunct(text: string): boolean {
    const token = this.tokens[this.position];
    if (token?.kind !== 'punct' || token.text !== text) return false;
    this.position += 1;
    return true;
  }

  private punct(text: string): void {
    if (!this.acceptPunct(text)) throw new SoqlError('MALFORMED_QUERY', `expected "${text}"`);
  }
}

const KEYWORDS = new Set(['FROM', 'WHERE', 'GROUP', 'ORDER', 'LIMIT', 'AND', 'OR', 'NOT', 'IN', 'BY', 'ASC', 'DESC']);
function isKeyword(word: string): boolean {
  return KEYWORDS.has(word.toUpperCase());
}

// ---- evaluation ----

export type FakeRecord = Record<string, unknown>;

/** Milliseconds for Salesforce-style date-time text (2026-01-05T14:03:00.000+0000), else null. */
function dateTimeMillis(value: unknown): number | null {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return null;
  const parsed = DateTime.fromISO(value, { setZone: true });
  return parsed.isValid ? parsed.toMillis() : null;
}

/** Reads a field for a condition; ID fields come back as their case-sensitive 15-character form. */
export type FieldReader = (record: FakeRecord, name: string) => unknown;

export function evaluateCondition(condition: SoqlCondition, record: FakeRecord, field: FieldReader): boolean {
  switch (condition.kind) {
    case 'and':
      return condition.parts.every((part) => evaluateCondition(part, record, field));
    case 'or':
      return condition.parts.some((part) => evaluateCondition(part, record, field));
    case 'not':
      return !evaluateCondition(condition.inner, record, field);
    case 'in': {
      const value = field(record, condition.field);
      const found = condition.values.some((literal) => compareToLiteral(value, literal) === 0);
      return condition.negate ? !found : found;
    }
    case 'compare': {
      const value = field(record, condition.field);
      if (condition.value === null) {
        const isNull = value === null || value === undefined;
        if (condition.op === '=') return isNull;
        if (condition.op === '!=') return !isNull;
        throw new SoqlError('MALFORMED_QUERY', 'null can only be compared with = or !=');
      }
      if (value === null || value === undefined) return condition.op === '!=';
      const order = compareToLiteral(value, condition.value);
      if (order === null) return condition.op === '!=';
      switch (condition.op) {
        case '=':
          return order === 0;
        case '!=':
          return order !== 0;
        case '<':
          return order < 0;
        case '<=':
          return order <= 0;
        case '>':
          return order > 0;
        case '>=':
          return order >= 0;
      }
    }
  }
}

// Returns <0, 0, >0, or null when the value cannot be compared with the literal.
function compareToLiteral(value: unknown, literal: SoqlLiteral): number | null {
  if (literal === null) return value === null || value === undefined ? 0 : null;
  if (typeof literal === 'object' && 'dateTime' in literal) {
    const millis = dateTimeMillis(value);
    return millis === null ? null : millis - literal.dateTime;
  }
  if (typeof literal === 'object') return typeof value === 'string' ? compareText(value, literal.date) : null;
  if (typeof literal === 'number') return typeof value === 'number' ? value - literal : null;
  if (typeof literal === 'boolean') return value === literal ? 0 : typeof value === 'boolean' ? 1 : null;
  return typeof value === 'string' ? compareText(value, literal) : null;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** ORDER BY comparison: nulls first, date-times by instant, numbers by value, text case-insensitively. */
export function compareValues(a: unknown, b: unknown): number {
  const aNull = a === null || a === undefined;
  const bNull = b === null || b === undefined;
  if (aNull || bNull) return aNull && bNull ? 0 : aNull ? -1 : 1;
  const aMillis = dateTimeMillis(a);
  const bMillis = dateTimeMillis(b);
  if (aMillis !== null && bMillis !== null) return aMillis - bMillis;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  // English locales sort by the UTF-8 values of the uppercase characters, IDs too (soql_sosl, ORDER BY:
  // https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_orderby.htm);
  // values equal but for case come in no documented order: the fake breaks the tie by the exact text.
  return compareText(String(a).toUpperCase(), String(b).toUpperCase()) || compareText(String(a), String(b));
}
