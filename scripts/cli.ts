// Entry point of the `campaign-sla` command (bin/campaign-sla). Errors end as one line on stderr
// with an exit code: 0 ok, 1 operation failed, 2 bad input or usage, 3 not found.
import { CommanderError } from 'commander';
import { CommandContext } from './cli/context';
import { describeFailure, ExitCode } from './cli/errors';
import { buildProgram } from './cli/program';

async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const ctx = new CommandContext(env);
  const io = {
    stdout: (text: string) => process.stdout.write(text),
    stderr: (text: string) => process.stderr.write(text),
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
  process.exitCode = code;
});
