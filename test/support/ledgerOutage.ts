// A Postgres outage for one of the ledger's writes: the call fails as a dropped connection does while `down()` holds;
// every other method passes through.
import type { PgLedger } from '../../activities/ledger/pgLedger';
import type { Ledger } from '../../activities/ports';

export function refusingWrite(ledger: PgLedger, method: keyof Ledger, down: () => boolean): Ledger {
  return new Proxy(ledger, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const bound = (value as (...args: unknown[]) => unknown).bind(target);
      if (prop !== method) return bound;
      return async (...args: unknown[]) => {
        if (down()) throw new Error('Connection terminated unexpectedly');
        return bound(...args);
      };
    },
  });
}
