// What a run was started with, read from its first history event: the carry-over its first argument names (a
// format-6 marker, or an earlier release's whole compact state) and each argument's encoding and size. The bench
// checks hand-overs with it; the tests read recorded and live histories with it.
import type { temporal } from '@temporalio/proto';
import type { PackedCarryOverMarker } from '../../sla/carryOver';

interface StartedWith {
  /** Absent for a first run; only `format` is typed for the compact state of formats 1 to 5. */
  carryOver?: { format: number } & Partial<PackedCarryOverMarker>;
  encodings: string[];
  bytes: number[];
}

export function startedWith(first: temporal.api.history.v1.IHistoryEvent): StartedWith {
  const payloads = first.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  const input = JSON.parse(Buffer.from(payloads[0]?.data ?? []).toString()) as Pick<StartedWith, 'carryOver'>;
  return {
    carryOver: input.carryOver,
    encodings: payloads.map((p) => Buffer.from(p.metadata?.encoding ?? []).toString()),
    bytes: payloads.map((p) => p.data?.byteLength ?? 0),
  };
}
