// Connects to a Temporal cluster (TEMPORAL_ADDRESS or an env-config profile), or starts the local
// dev server from the project's tools with its Web UI and our search attributes registered.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig, loadClientConfigProfile } from '@temporalio/envconfig';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import { allSearchAttributeKeys } from '../workflows/messages';
import { devServerExecutable } from './temporalBinaries';
import { assertPortFree } from './ports';

export interface TemporalRuntime {
  client: Client;
  connection: NativeConnection;
  namespace: string;
  /** Set when this process started the local dev server. */
  uiUrl?: string;
  address: string;
  shutdown(): Promise<void>;
}

export interface LocalServerOptions {
  port?: number;
  uiPort?: number;
  /** SQLite file so workflows survive restarts; omit for an in-memory server. */
  dbFile?: string;
}

const projectRoot = path.resolve(__dirname, '..');

/** An address from TEMPORAL_ADDRESS or a Temporal CLI env-config profile means "use that cluster". */
export function configuredClusterAddress(env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    return loadClientConfigProfile({ profile: env.TEMPORAL_PROFILE }).address;
  } catch (err) {
    throw new Error(`Temporal env-config could not be read: ${(err as Error).message}`, { cause: err });
  }
}

async function connectToCluster(address: string, env: NodeJS.ProcessEnv): Promise<TemporalRuntime> {
  const config = loadClientConnectConfig({ profile: env.TEMPORAL_PROFILE });
  const namespace = config.namespace ?? 'default';
  const timeout = AbortSignal.timeout(10_000);
  const connect = NativeConnection.connect(config.connectionOptions);
  const connection = await Promise.race([
    connect,
    new Promise<never>((_, reject) =>
      timeout.addEventListener('abort', () =>
        reject(new Error(`Temporal at ${address} did not answer within 10 s (TEMPORAL_ADDRESS / profile)`)),
      ),
    ),
  ]);
  const clientConnection = await Connection.connect(config.connectionOptions);
  const client = new Client({ connection: clientConnection, namespace });
  return {
    client,
    connection,
    namespace,
    address,
    async shutdown() {
      await connection.close();
      await clientConnection.close();
    },
  };
}

export async function startLocalTemporal(options: LocalServerOptions = {}): Promise<TemporalRuntime> {
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

/** Registers our search attributes on a cluster that lacks them (idempotent). */
export async function registerSearchAttributes(client: Client, namespace: string): Promise<void> {
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
  const missing = allSearchAttributeKeys.filter((key) => !customAttributes?.[key.name]);
  if (missing.length === 0) return;
  // temporal.api.enums.v1.IndexedValueType
  const typeIndex = { TEXT: 1, KEYWORD: 2, INT: 3, DOUBLE: 4, BOOL: 5, DATETIME: 6, KEYWORD_LIST: 7 } as const;
  await client.connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      missing.map((key) => [key.name, typeIndex[key.type as keyof typeof typeIndex]]),
    ),
  });
}

export async function startTemporal(env: NodeJS.ProcessEnv = process.env): Promise<TemporalRuntime> {
  const address = configuredClusterAddress(env);
  if (address) {
    const runtime = await connectToCluster(address, env);
    await registerSearchAttributes(runtime.client, runtime.namespace);
    return runtime;
  }
  return startLocalTemporal({ dbFile: env.TEMPORAL_DB_FILE ?? path.join(projectRoot, '.data', 'temporal.db') });
}
