// Connects to an existing Temporal cluster (TEMPORAL_ADDRESS or a Temporal CLI env-config profile). The
// search attributes are runtime/searchAttributes.ts's business: verified by the worker, registered by admins.
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig, loadClientConfigProfile } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';

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

/** Connects to the cluster at `address` (settings from env-config). */
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
