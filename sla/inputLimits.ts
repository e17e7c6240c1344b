// Bounds on what one Update may carry. Temporal refuses payloads over 2 MB (and warns from 512 KB); a
// validator that lets such an Update through makes every workflow task fail until it is dropped, so
// requests are bounded well below, and the error says by how much.
import { formatIssuePath } from './config/errors';

export const MAX_BATCH_ITEMS = 2000;
const MAX_UPDATE_BYTES = 512 * 1024;

// Printable ASCII: JSON.stringify escapes the control characters; anything else takes the counting loop.
const NON_ASCII = /[^\u0020-\u007e]/;

/** Size of a value as UTF-8 JSON, as Temporal's JSON payload converter would store it. */
export function jsonSizeBytes(value: unknown): number {
  return utf8Length(JSON.stringify(value));
}

function utf8Length(json: string): number {
  // Most JSON here is ASCII (IDs, timestamps, numbers): one native scan answers for the whole string.
  if (!NON_ASCII.test(json)) return json.length;
  let bytes = 0;
  for (let i = 0; i < json.length; i++) {
    const code = json.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4; // a surrogate pair is one 4-byte code point
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** The path of the longest string in a value, e.g. `leads[0].leadId`: what made a request too large. */
function longestStringPath(value: unknown): { path: string; length: number } | null {
  let best: { path: string; length: number } | null = null;
  const visit = (node: unknown, path: string, depth: number) => {
    if (typeof node === 'string') {
      if (!best || node.length > best.length) best = { path: path || '(input)', length: node.length };
    } else if (Array.isArray(node) && depth < 8) {
      node.forEach((item, i) => visit(item, `${path}[${i}]`, depth + 1));
    } else if (node !== null && typeof node === 'object' && depth < 8) {
      for (const key of Object.keys(node))
        visit((node as Record<string, unknown>)[key], path ? `${path}.${key}` : key, depth + 1);
    }
  };
  visit(value, '', 0);
  return best;
}

/**
 * A problem line when the request is too large (its size, the limit and its largest value) or holds text the ledger
 * cannot store (where); null otherwise. Both read one JSON encoding of the request.
 */
export function requestProblem(value: unknown, limit = MAX_UPDATE_BYTES): string | null {
  const json = JSON.stringify(value) as string | undefined;
  if (json === undefined) return null;
  const bytes = utf8Length(json);
  if (bytes > limit) {
    const longest = longestStringPath(value);
    const culprit =
      longest && longest.length > limit / 4 ? `${longest.path}: a value of ${longest.length} characters; ` : '';
    return `${culprit}(input): ${bytes} bytes exceeds the limit of ${limit} bytes per request; split it`;
  }
  if (!json.includes('\\u') || !UNSTORABLE_ESCAPE.test(json)) return null;
  const path = unstorableTextPath(value);
  return `${path?.length ? formatIssuePath(path) : '(input)'}: ${UNSTORABLE_MESSAGE}`;
}

// Postgres text cannot hold NUL, and its JSON refuses an unpaired UTF-16 surrogate: a request carrying either would
// fail every ledger write it reaches, and those writes are retried until they succeed.
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const isUnstorable = (text: string) => text.includes('\u0000') || UNPAIRED_SURROGATE.test(text);
// JSON.stringify writes both as escapes (\u0000, \udXXX; a surrogate pair stays as it is). An escape follows an even
// run of backslashes (none, or escaped backslashes); after an odd run the text itself spells "\u0000".
const UNSTORABLE_ESCAPE_SOURCE = String.raw`(?<!\\)((?:\\\\)*)\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})`;
const UNSTORABLE_ESCAPE = new RegExp(UNSTORABLE_ESCAPE_SOURCE);
const UNSTORABLE_ESCAPES = new RegExp(UNSTORABLE_ESCAPE_SOURCE, 'g');
const UNSTORABLE_MESSAGE =
  'holds a NUL character or an unpaired UTF-16 surrogate, which the ledger cannot store (Postgres text and JSON refuse both)';

/**
 * JSON for a Postgres jsonb value, with every NUL and unpaired surrogate (jsonb refuses both) written as U+FFFD.
 * For what reaches the ledger from outside systems (their error messages, their names), where refusing the text
 * would fail the write on every retry.
 */
export function storableJson(value: unknown): string {
  const json = JSON.stringify(value);
  return json.includes('\\u') ? json.replace(UNSTORABLE_ESCAPES, '$1\\ufffd') : json;
}

/** The path of the first key or string, depth first, holding text the ledger cannot store; null when there is none. */
export function unstorableTextPath(value: unknown): (string | number)[] | null {
  const visit = (node: unknown, path: (string | number)[]): (string | number)[] | null => {
    if (typeof node === 'string') return isUnstorable(node) ? path : null;
    if (node === null || typeof node !== 'object' || path.length > 32) return null;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const found = visit(node[i], [...path, i]);
        if (found) return found;
      }
      return null;
    }
    for (const key of Object.keys(node)) {
      if (isUnstorable(key)) return [...path, key];
      const found = visit((node as Record<string, unknown>)[key], [...path, key]);
      if (found) return found;
    }
    return null;
  };
  return visit(value, []);
}

/** The config's form of the same rule (sla/config), as a path and a message. */
export function unstorableTextIssue(value: unknown): { path: (string | number)[]; message: string } | null {
  const path = unstorableTextPath(value);
  return path ? { path, message: UNSTORABLE_MESSAGE } : null;
}
