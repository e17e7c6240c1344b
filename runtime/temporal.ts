// Connects to an existing Temporal cluster (TEMPORAL_ADDRESS or a Temporal CLI env-config profile) and
// registers the campaign search attributes there.
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig, loadClientConfigProfile } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';
import { allSearchAttributeKeys } from '../workflows/messages';

/** What the campaign worker and its activities need of a Temporal connection. */
export interface TemporalConnection {
  client: Client;
  connection: NativeConnection;
  namespace: string;
}

export interface TemporalRuntime extends TemporalConnection {
  /** Set when this process started the local dev server. */
  uiUrl?: string;
  address: string;
  shutdown(): Promise<void>;
}

/** An address from TEMPORAL_ADDRESS or a Temporal CLI env-config profile means "use that cluster". */
export function configuredClusterAddress(env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    return loadClientConfigProfile({ profile: env.TEMPORAL_PROFILE }).address;
  } catch (err) {
    throw new Error(`Temporal env-config could not be read: ${(err as Error).message}`, { cause: err });
  }
}

/** Connects to the cluster at `address` (settings from env-config) and registers our search attributes. */
export async function connectToCluster(
  address: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TemporalRuntime> {
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
  const runtime: TemporalRuntime = {
    client,
    connection,
    namespace,
    address,
    async shutdown() {
      await connection.close();
      await clientConnection.close();
    },
  };
  try {
    await registerSearchAttributes(client, namespace);
  } catch (err) {
    await runtime.shutdown();
    throw err;
  }
  return runtime;
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
