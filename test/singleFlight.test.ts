// SingleFlight (reports/singleFlight.ts): concurrent reads of one key share one call and its outcome, failure too;
// other keys and later reads make their own.
import { describe, expect, it } from 'vitest';
import { SingleFlight } from '../reports/singleFlight';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SingleFlight', () => {
  it('shares one read among concurrent callers of a key, and reads again once it settled', async () => {
    const flight = new SingleFlight<string>();
    const pending = deferred<string>();
    let reads = 0;
    const read = () => {
      reads += 1;
      return pending.promise;
    };
    const first = flight.run('c1', read);
    const second = flight.run('c1', read);
    const other = flight.run('c2', () => Promise.resolve('other'));
    expect(reads).toBe(1);
    pending.resolve('state');
    expect(await Promise.all([first, second, other])).toEqual(['state', 'state', 'other']);
    expect(await flight.run('c1', () => Promise.resolve('fresh'))).toBe('fresh');
  });

  it('shares a failure the same way and forgets it', async () => {
    const flight = new SingleFlight<string>();
    const pending = deferred<string>();
    const first = flight.run('c1', () => pending.promise);
    const second = flight.run('c1', () => Promise.resolve('not called'));
    pending.reject(new Error('query failed'));
    await expect(first).rejects.toThrow('query failed');
    await expect(second).rejects.toThrow('query failed');
    expect(await flight.run('c1', () => Promise.resolve('after'))).toBe('after');
  });
});
