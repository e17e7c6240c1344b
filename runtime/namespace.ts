// Creates the namespace campaign-sla runs in when it is missing (self-hosted clusters; Temporal Cloud
// namespaces are created in Cloud). Part of the admin step `campaign-sla setup-namespace`.
import { isGrpcServiceError, type Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';

// gRPC status codes (grpc/grpc doc/statuscodes.md).
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;

async function namespaceExists(client: Client, namespace: string): Promise<boolean> {
  try {
    await client.workflowService.describeNamespace({ namespace });
    return true;
  } catch (err) {
    if (isGrpcServiceError(err) && err.code === NOT_FOUND) return false;
    throw err;
  }
}

/** The frontend's namespace cache lags a registration: operator calls see the namespace some seconds later. */
async function operatorSeesNamespace(client: Client, namespace: string): Promise<boolean> {
  try {
    await client.connection.operatorService.listSearchAttributes({ namespace });
    return true;
  } catch (err) {
    if (isGrpcServiceError(err) && err.code === NOT_FOUND) return false;
    throw err;
  }
}

/** Returns true when it created the namespace; waits (up to 30 s) until the new namespace is usable. */
export async function ensureNamespace(client: Client, namespace: string, retentionMs: number): Promise<boolean> {
  if (await namespaceExists(client, namespace)) return false;
  try {
    await client.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs(retentionMs),
    });
  } catch (err) {
    // Another admin created it meanwhile: that is the outcome we want.
    if (!(isGrpcServiceError(err) && err.code === ALREADY_EXISTS)) throw err;
  }
  const deadline = Date.now() + 30_000;
  while (!(await operatorSeesNamespace(client, namespace))) {
    if (Date.now() > deadline) throw new Error(`namespace ${namespace} was registered but is not usable after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return true;
}
