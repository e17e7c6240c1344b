// Entry point of the `campaign-sla` command (bin/campaign-sla). Errors end as one line on stderr
// with an exit code: 0 ok, 1 operation failed, 2 bad input or usage, 3 not found.
import { CommanderError } from 'commander';
import { CommandContext } from './cli/context';
import { describeFailure, ExitCode } from './cli/errors';
import { buildProgram } from './cli/program';

// A reader that stops early (`campaign-sla scorecard x | head -3`) closes the pipe: the rest of the output
// has nowhere to go, which is not a failure. The stream is destroyed, later writes are dropped, and the
// command ends with its own exit code.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') process.exitCode = ExitCode.failed;
  });
}
const write = (stream: NodeJS.WriteStream, text: string) => {
  if (!stream.destroyed) stream.write(text);
};

async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const ctx = new CommandContext(env);
  const io = {
    stdout: (text: string) => write(process.stdout, text),
    stderr: (text: string) => write(process.stderr, text),
    now: () => new Date(),
  };
  try {
    await buildProgram(ctx, io).parseAsync(argv, { from: 'user' });
    return ExitCode.ok;
  } catch (err) {
    // Commander has already printed its usage error (or the help text).
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.ok : ExitCode.badInput;
    const failure = describeFailure(err);
    io.stderr(`campaign-sla: ${failure.message}\n`);
    return failure.exitCode;
  } finally {
    await ctx.close();
  }
}

void runCli(process.argv.slice(2)).then((code) => {
  // A stream that failed other than by EPIPE has already set exit code 1.
  process.exitCode ??= code;
});
