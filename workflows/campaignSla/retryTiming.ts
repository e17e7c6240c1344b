// When an outside call's follow-up (the next escalation step, a retry of a step or of an intake route) is due: timed
// from the call's dispatch, which happens in a workflow task with a command and so replays at the same time, instead
// of from the task that hears the result. A replay from scratch merges a task that made no command into the next one
// (temporalio/sdk-core find_end_index_of_next_wft_seq; temporalio/sdk-rust issue 1606), so that task's time can read
// later on replay than it did live: a follow-up due between the two fired live and not on replay, a nondeterminism
// error that wedged a campaign (chaos run of 2026-12-06).
import { patched } from '@temporalio/workflow';

/** Runs recorded before this keep timing follow-ups from the result's task. */
const FOLLOW_UPS_FROM_DISPATCH = 'follow-ups-from-dispatch';

export function followUpsFromDispatch(): boolean {
  return patched(FOLLOW_UPS_FROM_DISPATCH);
}
