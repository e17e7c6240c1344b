// A jsforce Connection that counts REST calls and bounds each one's wait. Every jsforce call, including each
// queryMore page fetched by autoFetch, goes through Connection#request.
import { Connection, type HttpRequest, type StreamPromise } from 'jsforce';

export class CountingConnection extends Connection {
  callsMade = 0;
  /**
   * How long one call may wait for Salesforce's answer before jsforce aborts it. Its own default is 30 minutes, and
   * the activity's heartbeat goes on meanwhile, so a call that hangs would hold its activity to its start-to-close.
   */
  requestTimeoutMs = 30_000;

  // eslint-disable-next-line @typescript-eslint/no-wrapper-object-types -- matches jsforce's signature
  override request<R = unknown>(request: string | HttpRequest, options?: Object): StreamPromise<R> {
    this.callsMade += 1;
    return super.request<R>(request, { timeout: this.requestTimeoutMs, ...(options as Record<string, unknown>) });
  }
}
