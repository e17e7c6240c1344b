// Bounds on what one Update may carry. Temporal refuses payloads over 2 MB (and warns from 512 KB); a
// validator that lets such an Update through makes every workflow task fail until it is dropped, so
// requests are bounded well below, and the error says by how much.
import { jsonSizeBytes } from './carryOver';

export const MAX_BATCH_ITEMS = 2000;
export const MAX_UPDATE_BYTES = 512 * 1024;

/** A problem line when the request is too large, naming its size and the limit; null otherwise. */
export function payloadSizeProblem(value: unknown, limit = MAX_UPDATE_BYTES): string | null {
  const bytes = jsonSizeBytes(value);
  return bytes > limit ? `(input): ${bytes} bytes exceeds the limit of ${limit} bytes per request; split it` : null;
}
