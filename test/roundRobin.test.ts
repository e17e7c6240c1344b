import { describe, expect, it } from 'vitest';
import { initialRoundRobinState, pickNextRep, type RoundRobinPool, type RoundRobinState } from '../sla/roundRobin';

function rep(id: string, weight = 1, extra: { capacity?: number; outOfOffice?: boolean } = {}) {
  return { id, weight, capacity: extra.capacity ?? 40, outOfOffice: extra.outOfOffice ?? false };
}

/** Picks `n` times, carrying the state through a JSON round trip each time as continue-as-new would. */
function picks(pool: RoundRobinPool, n: number, load: Record<string, number> = {}, state = initialRoundRobinState()) {
  const ids: string[] = [];
  let current: RoundRobinState = state;
  for (let i = 0; i < n; i++) {
    const result = pickNextRep(pool, current, { load, poolName: 'inbound' });
    if (result.repId === null) throw new Error(result.reason);
    ids.push(result.repId);
    current = JSON.parse(JSON.stringify(result.state)) as RoundRobinState;
  }
  return { ids, state: current };
}

describe('pickNextRep', () => {
  it('rotates evenly through equal weights', () => {
    expect(picks({ reps: [rep('a'), rep('b'), rep('c')] }, 6).ids).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('gives a weight-2 rep two of every three picks, interleaved (smooth WRR)', () => {
    // Hand-run of nginx SWRR: scores (a,b) 2,1 -> a; 1,2 -> b; 3,0 -> a; repeats.
    expect(picks({ reps: [rep('a', 2), rep('b', 1)] }, 6).ids).toEqual(['a', 'b', 'a', 'a', 'b', 'a']);
  });

  it('spreads 5:1:1 without bursts', () => {
    // nginx's documented sequence for weights 5, 1, 1.
    expect(picks({ reps: [rep('a', 5), rep('b', 1), rep('c', 1)] }, 7).ids).toEqual([
      'a',
      'a',
      'b',
      'a',
      'c',
      'a',
      'a',
    ]);
  });

  it('keeps the weight shares over many picks', () => {
    const { ids } = picks({ reps: [rep('a', 3), rep('b', 2), rep('c', 1)] }, 600);
    const counts = Object.fromEntries(['a', 'b', 'c'].map((id) => [id, ids.filter((x) => x === id).length]));
    expect(counts).toEqual({ a: 300, b: 200, c: 100 });
  });

  it('skips the current owner, out-of-office reps and reps at capacity', () => {
    const pool = { reps: [rep('a'), rep('b', 1, { outOfOffice: true }), rep('c', 1, { capacity: 2 }), rep('d')] };
    const result = pickNextRep(pool, initialRoundRobinState(), {
      excludeRepId: 'a',
      load: { c: 2, d: 39 },
      poolName: 'inbound',
    });
    expect(result.repId).toBe('d');
  });

  it('explains why nobody is eligible, rep by rep', () => {
    const pool = { reps: [rep('rep-a'), rep('rep-b', 1, { outOfOffice: true }), rep('rep-c')] };
    const result = pickNextRep(pool, initialRoundRobinState(), {
      excludeRepId: 'rep-a',
      load: { 'rep-c': 40 },
      poolName: 'inbound',
    });
    expect(result).toEqual({
      repId: null,
      reason:
        'no rep in pool "inbound" can take the lead: ' +
        'rep-a (current owner), rep-b (out of office), rep-c (at capacity 40/40)',
    });
  });

  it('reports an empty pool', () => {
    expect(pickNextRep({ reps: [] }, initialRoundRobinState(), { load: {}, poolName: 'x' })).toEqual({
      repId: null,
      reason: 'pool "x" has no reps',
    });
  });

  it('treats weight 0 as out of rotation', () => {
    const pool = { reps: [rep('a', 0), rep('b')] };
    expect(picks(pool, 3).ids).toEqual(['b', 'b', 'b']);
    const none = pickNextRep({ reps: [rep('a', 0)] }, initialRoundRobinState(), { load: {}, poolName: 'p' });
    expect(none).toMatchObject({ repId: null, reason: expect.stringContaining('a (weight 0)') });
  });

  it('leaves a skipped rep its score so it resumes its share', () => {
    const pool = { reps: [rep('a'), rep('b')] };
    const first = picks(pool, 1); // a
    // b is full for two picks: a takes them; then b comes back and is picked next.
    const whileFull = picks(pool, 2, { b: 40 }, first.state);
    expect(whileFull.ids).toEqual(['a', 'a']);
    expect(picks(pool, 2, {}, whileFull.state).ids).toEqual(['b', 'a']);
  });

  it('drops reps that left the pool from the state', () => {
    const { state } = picks({ reps: [rep('a'), rep('b')] }, 3);
    const result = pickNextRep({ reps: [rep('b'), rep('c')] }, state, { load: {}, poolName: 'p' });
    expect(result.repId).not.toBeNull();
    if (result.repId !== null) expect(Object.keys(result.state.scores).sort()).toEqual(['b', 'c']);
  });

  it('does not modify the state it is given', () => {
    const state = { scores: { a: 1, b: -1 } };
    pickNextRep({ reps: [rep('a'), rep('b')] }, state, { load: {}, poolName: 'p' });
    expect(state).toEqual({ scores: { a: 1, b: -1 } });
  });

  it('rejects a negative weight, naming the rep', () => {
    expect(() => pickNextRep({ reps: [rep('a', -1)] }, initialRoundRobinState(), { load: {}, poolName: 'p' })).toThrow(
      'pool "p" reps[0] (a).weight must be a finite number >= 0, got -1',
    );
  });
});
