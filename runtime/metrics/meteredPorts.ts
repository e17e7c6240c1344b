// Decorators that measure the outside world as the activities see it: every Ads and CRM call (latency
// and errors per port and method), the CRM's API budget after each call, and alert deliveries. They read
// the meter of the activity that makes the call; outside an activity they measure nothing.
import { Context } from '@temporalio/activity';
import { noopMetricMeter, type MetricMeter } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { PortResolver } from '../../activities/campaignActivities';
import type { Crm, Notifier } from '../../activities/ports';
import type { Alert } from '../../sla/alerts';
import { APP_METRICS, timed } from './appMetrics';

export type MeterSource = () => MetricMeter;

/** The current activity's meter, or a no-op one outside an activity. */
const activityMeter: MeterSource = () => {
  try {
    return Context.current().metricMeter;
  } catch {
    return noopMetricMeter;
  }
};

function meteredPort<T extends object>(port: T, name: 'ads' | 'crm', meter: MeterSource, after?: () => void): T {
  return new Proxy(port, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
        // Synchronous methods (apiUsage) are not calls to the vendor.
        if (!(result instanceof Promise)) return result;
        const tags = { port: name, method: String(property) };
        const names = { latency: APP_METRICS.portCallLatency, errors: APP_METRICS.portCallErrors };
        return timed(meter(), names, tags, () => result).finally(after);
      };
    },
  });
}

/**
 * The worker's own meter (the process's runtime, without the activity's activity_type tag) while an activity runs,
 * a no-op one outside. The API budget is the org's: recorded on the activity's meter, each activity type that calls
 * the CRM kept a series of its own per campaign, with different values.
 */
const budgetMeter: MeterSource = () => {
  try {
    Context.current();
  } catch {
    return noopMetricMeter;
  }
  return Runtime.instance().metricMeter;
};

/** One series per campaign: the org's latest usage as that campaign's CRM connection last saw it. */
function recordApiUsage(crm: Crm, campaignId: string, meter: MeterSource): void {
  const usage = crm.apiUsage();
  const tagged = meter().withTags({ campaign_id: campaignId });
  tagged.createGauge(APP_METRICS.crmApiUsed, 'int', '', 'CRM API calls used in the current 24 h').set(usage.used);
  tagged.createGauge(APP_METRICS.crmApiMax, 'int', '', 'CRM API calls allowed per 24 h').set(usage.max);
}

/** `meter` times the calls (tagged with the activity); `budget` takes the CRM API budget, one series per campaign. */
export function meteredPorts(
  ports: PortResolver,
  meter: MeterSource = activityMeter,
  budget: MeterSource = budgetMeter,
): PortResolver {
  return {
    ads: async (...args) => meteredPort(await ports.ads(...args), 'ads', meter),
    crm: async (campaignId, at) => {
      const crm = await ports.crm(campaignId, at);
      return meteredPort(crm, 'crm', meter, () => recordApiUsage(crm, campaignId, budget));
    },
  };
}

export function meteredNotifier(notifier: Notifier, meter: MeterSource = activityMeter): Notifier {
  return {
    async notify(alert) {
      const tags = { severity: alert.severity };
      try {
        const result = await notifier.notify(alert);
        const name = result.deduped ? APP_METRICS.alertsDeduped : APP_METRICS.alertsDelivered;
        meter().createCounter(name).add(1, tags);
        return result;
      } catch (err) {
        meter().createCounter(APP_METRICS.alertsFailed).add(1, tags);
        throw err;
      }
    },
    async notifyBatch(alerts) {
      const outcome = await notifier.notifyBatch(alerts);
      const count = (name: string, counted: readonly Alert[]) => {
        for (const alert of counted) meter().createCounter(name).add(1, { severity: alert.severity });
      };
      count(APP_METRICS.alertsDelivered, outcome.delivered);
      count(APP_METRICS.alertsDeduped, outcome.deduped);
      count(
        APP_METRICS.alertsFailed,
        outcome.failed.map((f) => f.alert),
      );
      return outcome;
    },
  };
}
