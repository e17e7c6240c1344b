// Where the Temporal CLI (dev server) and the time-skipping test server binaries are found.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';

type DevServerExecutable = NonNullable<
  NonNullable<Parameters<typeof TestWorkflowEnvironment.createLocal>[0]>['server']
>['executable'];
type TestServerExecutable = NonNullable<
  NonNullable<Parameters<typeof TestWorkflowEnvironment.createTimeSkipping>[0]>['server']
>['executable'];

const SETUP_COMMAND = 'npm run setup';
const projectRoot = path.resolve(__dirname, '..', '..');
const toolsBin = path.join(projectRoot, '.tools', 'venv', 'bin');

interface BinarySpec {
  envVar: string;
  fileName: string;
}

const temporalCli: BinarySpec = { envVar: 'TEMPORAL_CLI_PATH', fileName: 'temporal' };
const temporalTestServer: BinarySpec = { envVar: 'TEMPORAL_TEST_SERVER_PATH', fileName: 'temporal-test-server' };

class MissingBinaryError extends Error {}

/**
 * Resolution order: env var, the project's .tools venv, PATH. Returns undefined when none has it,
 * so the caller can fall back to the SDK's cached download (works only with internet access).
 */
function resolveBinary(spec: BinarySpec, env: NodeJS.ProcessEnv): string | undefined {
  const fromEnv = env[spec.envVar];
  if (fromEnv) {
    if (!existsSync(fromEnv)) {
      throw new MissingBinaryError(`${spec.envVar}=${fromEnv} does not exist. Unset it or run \`${SETUP_COMMAND}\`.`);
    }
    return fromEnv;
  }
  const local = path.join(toolsBin, spec.fileName);
  if (existsSync(local)) return local;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, spec.fileName);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function allowSdkDownload(env: NodeJS.ProcessEnv): boolean {
  return env.TEMPORAL_ALLOW_DOWNLOAD === 'true';
}

function missingMessage(spec: BinarySpec): string {
  return (
    `${spec.fileName} binary not found (looked at $${spec.envVar}, ${toolsBin}, PATH). ` +
    `Run \`${SETUP_COMMAND}\` to install it, or set TEMPORAL_ALLOW_DOWNLOAD=true on a machine with internet access.`
  );
}

export function devServerExecutable(env: NodeJS.ProcessEnv = process.env): DevServerExecutable {
  const found = resolveBinary(temporalCli, env);
  if (found) return { type: 'existing-path', path: found };
  if (allowSdkDownload(env)) return { type: 'cached-download' };
  throw new MissingBinaryError(missingMessage(temporalCli));
}

export function testServerExecutable(env: NodeJS.ProcessEnv = process.env): TestServerExecutable {
  const found = resolveBinary(temporalTestServer, env);
  if (found) return { type: 'existing-path', path: found };
  if (allowSdkDownload(env)) return { type: 'cached-download' };
  throw new MissingBinaryError(missingMessage(temporalTestServer));
}
