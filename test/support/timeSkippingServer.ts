// The time-skipping test server with the project's binary, free of vitest so scripts (record-histories) use it too.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { testServerExecutable } from '../../runtime/dev/temporalBinaries';

/**
 * The time-skipping server (grpc-java) permits a keepalive ping every 5 minutes; the client's default of 30 s got its
 * connection closed for "excess pings" in the middle of the seed story, which then ran in real time (87 s alone,
 * 272 s to 10 minutes when it happened). createTimeSkipping takes no connection options, so this calls the factory
 * it wraps, with pings the server accepts.
 */
const testServerChannelArgs = { 'grpc.keepalive_time_ms': 6 * 60_000 };
type EnvironmentFactory = {
  create(opts: {
    server: { type: 'time-skipping'; executable: ReturnType<typeof testServerExecutable> };
    supportsTimeSkipping: true;
    connectionOptions: { channelArgs: Record<string, number> };
  }): Promise<TestWorkflowEnvironment>;
};

/** The time-skipping server with the project's binary, on the Runtime already installed. */
export function timeSkippingServer(): Promise<TestWorkflowEnvironment> {
  return (TestWorkflowEnvironment as unknown as EnvironmentFactory).create({
    server: { type: 'time-skipping', executable: testServerExecutable() },
    supportsTimeSkipping: true,
    connectionOptions: { channelArgs: testServerChannelArgs },
  });
}
