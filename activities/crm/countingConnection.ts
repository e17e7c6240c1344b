// A jsforce Connection that counts REST calls. Every jsforce call, including each queryMore
// page fetched by autoFetch, goes through Connection#request.
import { Connection, type HttpRequest, type StreamPromise } from 'jsforce';

export class CountingConnection extends Connection {
  callsMade = 0;

  // eslint-disable-next-line @typescript-eslint/no-wrapper-object-types -- matches jsforce's signature
  override request<R = unknown>(request: string | HttpRequest, options?: Object): StreamPromise<R> {
    this.callsMade += 1;
    return super.request<R>(request, options);
  }
}
