// Bounds on what one Update may carry. Temporal refuses payloads over 2 MB (and warns from 512 KB); a
// validator that lets such an Update through makes every workflow task fail until it is dropped, so
// requests are bounded well below, and the error says by how much.
export const MAX_BATCH_ITEMS = 2000;
const MAX_UPDATE_BYTES = 512 * 1024;

// Printable ASCII: JSON.stringify escapes the control characters; anything else takes the counting loop.
const NON_ASCII = /[^\u0020-\u007e]/;

/** Size of a value as UTF-8 JSON, as Temporal's JSON payload converter would store it. */
export function jsonSizeBytes(value: unknown): number {
  const json = JSON.stringify(value);
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

/** A problem line when the request is too large, naming its size, the limit and its largest value; null otherwise. */
export function payloadSizeProblem(value: unknown, limit = MAX_UPDATE_BYTES): string | null {
  const bytes = jsonSizeBytes(value);
  if (bytes <= limit) return null;
  const longest = longestStringPath(value);
  const culprit =
    longest && longest.length > limit / 4 ? `${longest.path}: a value of ${longest.length} characters; ` : '';
  return `${culprit}(input): ${bytes} bytes exceeds the limit of ${limit} bytes per request; split it`;
}
