// Wraps a port so its calls fail as the fault plan says. Only the sandbox composition uses it: the
// real adapters are never wrapped.
import { ApplicationFailure } from '@temporalio/common';
import { SeededRandom } from '../sandbox/seededRandom';
import type { FaultPlan, FaultTarget, TargetFaults } from './faultPlan';

export const INJECTED_FAULT = 'InjectedFault';

export type InjectedFaultKind = 'outage' | 'rate-limited' | 'server-error' | 'timeout';

export interface FaultCounters {
  calls: number;
  injected: Record<InjectedFaultKind, number>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Decides, call by call, what goes wrong for one target. Deterministic for a given seed and call order. */
export class FaultInjector {
  readonly counters: FaultCounters = {
    calls: 0,
    injected: { outage: 0, 'rate-limited': 0, 'server-error': 0, timeout: 0 },
  };
  private readonly random: SeededRandom;

  constructor(
    readonly target: FaultTarget,
    private readonly faults: TargetFaults,
    seed: number | string,
    private readonly startedAt = Date.now(),
    private readonly now: () => number = Date.now,
  ) {
    this.random = new SeededRandom(`${seed}:${target}`);
  }

  /** Resolves when the call may proceed; rejects with the injected failure otherwise. */
  async before(operation: string): Promise<void> {
    this.counters.calls += 1;
    const { faults } = this;
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    const elapsed = this.now() - this.startedAt;
    if (faults.outages.some((o) => elapsed >= o.fromMs && elapsed < o.toMs)) {
      throw this.failure('outage', operation, `${this.target} is down (injected outage)`);
    }
    const roll = this.random.next();
    if (roll < faults.rateLimited) {
      throw this.failure('rate-limited', operation, `${this.target} rate limited (injected 429)`, {
        nextRetryDelay: faults.retryAfterSeconds * 1000,
      });
    }
    if (roll < faults.rateLimited + faults.serverError) {
      throw this.failure('server-error', operation, `${this.target} answered 503 (injected)`);
    }
    if (roll < faults.rateLimited + faults.serverError + faults.timeout) {
      await sleep(faults.timeoutMs);
      throw this.failure('timeout', operation, `${this.target} timed out after ${faults.timeoutMs} ms (injected)`);
    }
  }

  private failure(
    kind: InjectedFaultKind,
    operation: string,
    message: string,
    extra: { nextRetryDelay?: number } = {},
  ): ApplicationFailure {
    this.counters.injected[kind] += 1;
    return ApplicationFailure.create({
      type: INJECTED_FAULT,
      message: `${message} during ${operation}`,
      details: [{ target: this.target, kind, operation }],
      ...extra,
    });
  }
}

/** A proxy whose async methods pass through the injector first; sync methods (e.g. apiUsage) are untouched. */
export function withFaults<T extends object>(port: T, injector: FaultInjector, asyncMethods: readonly (keyof T)[]): T {
  const wrapped = new Set<PropertyKey>(asyncMethods);
  return new Proxy(port, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || !wrapped.has(property)) return value;
      return async (...args: unknown[]) => {
        await injector.before(String(property));
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
}

/** One injector per target the plan names; outage windows count from the plan's startedAt when it pins one. */
export function injectorsFor(
  plan: FaultPlan | undefined,
  startedAt = plan?.startedAt ?? Date.now(),
): Partial<Record<FaultTarget, FaultInjector>> {
  if (!plan) return {};
  const injectors: Partial<Record<FaultTarget, FaultInjector>> = {};
  for (const target of ['ads', 'crm', 'ledger', 'webhook'] as const) {
    const faults = plan[target];
    if (faults) injectors[target] = new FaultInjector(target, faults, plan.seed, startedAt);
  }
  return injectors;
}

/** A fetch that fails as the webhook's fault plan says, for the notifier. */
export function faultyFetch(injector: FaultInjector, inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    try {
      await injector.before('webhook POST');
    } catch (err) {
      const kind = (err as ApplicationFailure).details?.[0] as { kind?: InjectedFaultKind } | undefined;
      if (kind?.kind === 'rate-limited') {
        return new Response('rate limited', {
          status: 429,
          headers: { 'retry-after': String(Math.round(((err as ApplicationFailure).nextRetryDelay as number) / 1000)) },
        });
      }
      if (kind?.kind === 'server-error' || kind?.kind === 'outage') return new Response('unavailable', { status: 503 });
      throw err;
    }
    return inner(input, init);
  };
}
