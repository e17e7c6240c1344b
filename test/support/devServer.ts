// A dev server of the project's own binary, free of vitest so scripts (record-histories) use it too.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { devServerExecutable } from '../../runtime/dev/temporalBinaries';
import { allSearchAttributeKeys } from '../../workflows/messages';

/** A dev server of its own, on the Runtime already installed; `extraArgs` e.g. a dynamic config value. */
export function devServer(extraArgs: string[] = []): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: devServerExecutable(),
      ip: '127.0.0.1',
      searchAttributes: allSearchAttributeKeys,
      extraArgs: ['--log-level', 'error', ...extraArgs],
    },
  });
}
