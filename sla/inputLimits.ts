// Bounds on what one Update may carry. Temporal refuses payloads over 2 MB (and warns from 512 KB); a
// validator that lets such an Update through makes every workflow task fail until it is dropped, so
// requests are bounded well below, and the error says by how much.
export const MAX_BATCH_ITEMS = 2000;
export const MAX_UPDATE_BYTES = 512 * 1024;

/** Size of a value as UTF-8 JSON, as Temporal's JSON payload converter would store it. */
export function jsonSizeBytes(value: unknown): number {
  const json = JSON.stringify(value);
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

/** A problem line when the request is too large, naming its size and the limit; null otherwise. */
export function payloadSizeProblem(value: unknown, limit = MAX_UPDATE_BYTES): string | null {
  const bytes = jsonSizeBytes(value);
  return bytes > limit ? `(input): ${bytes} bytes exceeds the limit of ${limit} bytes per request; split it` : null;
}
