// A CRM and Ads outage the bench switches on for one figure. The bench worker's sandbox ports go through
// these injectors for the whole run; they refuse calls only between `begin` and the outage's end.
import { FaultInjector } from '../../activities/faults/faultInjector';
import type { TargetFaults } from '../../activities/faults/faultPlan';
import type { SandboxFaults } from '../../runtime/faultWiring';

const ALWAYS_DOWN: TargetFaults = {
  rateLimited: 0,
  retryAfterSeconds: 2,
  serverError: 0,
  timeout: 0,
  timeoutMs: 30_000,
  latencyMs: 0,
  outages: [{ fromMs: 0, toMs: Number.MAX_SAFE_INTEGER }],
};

export class BenchOutage {
  private window: { from: number; to: number } | undefined;
  readonly faults: Required<SandboxFaults>;

  constructor() {
    // Outside the window the injectors see a time before their outage starts, so every call passes.
    const sinceStart = () => (this.window && Date.now() < this.window.to ? Date.now() - this.window.from : -1);
    this.faults = {
      ads: new FaultInjector('ads', ALWAYS_DOWN, 'bench', 0, sinceStart),
      crm: new FaultInjector('crm', ALWAYS_DOWN, 'bench', 0, sinceStart),
    };
  }

  /** Takes the CRM and Ads down from now for `durationMs`; returns when they come back. */
  begin(durationMs: number): number {
    const from = Date.now();
    this.window = { from, to: from + durationMs };
    return this.window.to;
  }

  /** Calls the outage refused so far, per API. */
  refused(): { crm: number; ads: number } {
    return { crm: this.faults.crm.counters.injected.outage, ads: this.faults.ads.counters.injected.outage };
  }
}
