// Latency and errors of every activity, per activity type (the meter of the activity's context carries
// the activity_type tag), as an activity inbound interceptor.
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { APP_METRICS, timed } from './appMetrics';

export const activityMetricsInterceptor: ActivityInterceptorsFactory = (ctx: Context) => ({
  inbound: {
    execute: (input, next) =>
      timed(ctx.metricMeter, { latency: APP_METRICS.activityLatency, errors: APP_METRICS.activityErrors }, {}, () =>
        next(input),
      ),
  },
});
