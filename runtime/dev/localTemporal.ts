// The Temporal side of `npm start`: the cluster named by TEMPORAL_ADDRESS / an env-config profile, or
// else the local dev server from the project's tools with its Web UI and our search attributes registered.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { allSearchAttributeKeys } from '../../workflows/messages';
import { registerSearchAttributes } from '../searchAttributes';
import { configuredClusterAddress, connectToCluster, type TemporalRuntime } from '../temporal';
import { devServerExecutable } from './temporalBinaries';
import { assertPortFree } from './tcpPorts';

interface LocalServerOptions {
  port?: number;
  uiPort?: number;
  /** SQLite file so workflows survive restarts; omit for an in-memory server. */
  dbFile?: string;
}

const projectRoot = path.resolve(__dirname, '..', '..');

async function startLocalTemporal(options: LocalServerOptions = {}): Promise<TemporalRuntime> {
  const port = options.port ?? Number(process.env.TEMPORAL_PORT ?? 7233);
  const uiPort = options.uiPort ?? Number(process.env.TEMPORAL_UI_PORT ?? 8233);
  await assertPortFree(port, 'TEMPORAL_PORT', 'Temporal dev server gRPC');
  await assertPortFree(uiPort, 'TEMPORAL_UI_PORT', 'Temporal Web UI');
  if (options.dbFile) mkdirSync(path.dirname(options.dbFile), { recursive: true });
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: devServerExecutable(),
      ip: '127.0.0.1',
      port,
      ui: true,
      uiPort,
      dbFilename: options.dbFile,
      searchAttributes: allSearchAttributeKeys,
      extraArgs: ['--log-level', 'error'],
    },
  });
  return {
    client: env.client,
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    address: `127.0.0.1:${port}`,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    shutdown: () => env.teardown(),
  };
}

/**
 * The configured cluster if there is one (a developer's own cluster: the missing search attributes are
 * registered, as `campaign-sla setup-namespace` would), else a local dev server persisting to TEMPORAL_DB_FILE.
 */
export async function startTemporal(env: NodeJS.ProcessEnv = process.env): Promise<TemporalRuntime> {
  const address = configuredClusterAddress(env);
  if (address) {
    const cluster = await connectToCluster(address, env);
    try {
      await registerSearchAttributes(cluster.client, cluster.namespace);
    } catch (err) {
      await cluster.shutdown();
      throw err;
    }
    return cluster;
  }
  return startLocalTemporal({ dbFile: env.TEMPORAL_DB_FILE ?? path.join(projectRoot, '.data', 'temporal.db') });
}
