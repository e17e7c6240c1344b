// How the CLI fails: one line on stderr and an exit code that says whose fault it was.
import { ScheduleNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { ConfigError } from '../../sla/config';
import { oneLine } from '../../reports/oneLine';

export { oneLine };

export const ExitCode = { ok: 0, failed: 1, badInput: 2, notFound: 3 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error whose message is already fit for the user, with the exit code it deserves. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const badInput = (message: string) => new CliError(message, ExitCode.badInput);
export const notFound = (message: string) => new CliError(message, ExitCode.notFound);

/** Maps anything thrown by a command to the line to print and the exit code. */
export function describeFailure(err: unknown): { message: string; exitCode: ExitCode } {
  if (err instanceof CliError) return { message: oneLine(err.message), exitCode: err.exitCode };
  if (err instanceof ConfigError) return { message: oneLine(err.message), exitCode: ExitCode.badInput };
  if (err instanceof WorkflowNotFoundError) {
    return { message: `workflow ${err.workflowId} not found`, exitCode: ExitCode.notFound };
  }
  if (err instanceof ScheduleNotFoundError) return { message: oneLine(err.message), exitCode: ExitCode.notFound };
  // A rejected Update carries the workflow validator's message (unknown approver, unknown tier, ...).
  if (err instanceof WorkflowUpdateFailedError) {
    const reason = err.cause instanceof Error ? err.cause.message : err.message;
    return { message: oneLine(`rejected by the campaign workflow: ${reason}`), exitCode: ExitCode.badInput };
  }
  return { message: oneLine(err instanceof Error ? err.message : String(err)), exitCode: ExitCode.failed };
}
