// The worker's own Prometheus metrics (beside the SDK's temporal_* ones), all on the endpoint of
// METRICS_BIND_ADDRESS. They are created on the activity's metric meter, which already carries the
// activity_type, namespace and task_queue tags. README "Metrics" lists them.
import type { MetricMeter } from '@temporalio/common';

export const APP_METRICS = {
  activityLatency: 'campaign_sla_activity_latency',
  activityErrors: 'campaign_sla_activity_errors',
  portCallLatency: 'campaign_sla_port_call_latency',
  portCallErrors: 'campaign_sla_port_call_errors',
  crmApiUsed: 'campaign_sla_crm_api_used',
  crmApiMax: 'campaign_sla_crm_api_max',
  alertsDelivered: 'campaign_sla_alerts_delivered',
  alertsDeduped: 'campaign_sla_alerts_deduped',
  alertsFailed: 'campaign_sla_alerts_failed',
} as const;

/** The type of a failure as Prometheus tags it: the ApplicationFailure type, else the error class. */
function errorType(err: unknown): string {
  if (err && typeof err === 'object') {
    const type = (err as { type?: unknown }).type;
    if (typeof type === 'string' && type) return type;
    if (err instanceof Error) return err.name;
  }
  return 'unknown';
}

/** Times `call`, recording its latency (ms) with outcome ok/error, and counts its failures by type. */
export async function timed<T>(
  meter: MetricMeter,
  names: { latency: string; errors: string },
  tags: Record<string, string>,
  call: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    const result = await call();
    meter.createHistogram(names.latency, 'int', 'ms').record(Math.round(performance.now() - started), {
      ...tags,
      outcome: 'ok',
    });
    return result;
  } catch (err) {
    meter.createHistogram(names.latency, 'int', 'ms').record(Math.round(performance.now() - started), {
      ...tags,
      outcome: 'error',
    });
    meter.createCounter(names.errors).add(1, { ...tags, error_type: errorType(err) });
    throw err;
  }
}
