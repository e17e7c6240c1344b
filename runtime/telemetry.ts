// The process's Temporal runtime, installed once before any Worker or NativeConnection exists: SDK and
// forwarded core logs through pino (one JSON format), core's Prometheus exporter for the SDK's metrics
// and the app's own (both through Runtime.instance().metricMeter / the activity and workflow meters),
// and OpenTelemetry tracing when enabled.
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';
import { parseBindAddress } from './bindAddress';
import { PinoTemporalLogger } from './temporalLogger';
import { startTracing } from './tracing';

const METRICS_BIND_ADDRESS_ENV = 'METRICS_BIND_ADDRESS';
/** Production default: scraped from outside the container. */
export const DEFAULT_METRICS_BIND_ADDRESS = '0.0.0.0:9464';

export interface TelemetryOptions {
  logger: Logger;
  /** host:port of the /metrics endpoint; undefined: no Prometheus exporter. */
  metricsBindAddress?: string;
  /** service.name of the spans when tracing is on. */
  serviceName: string;
}

export interface InstalledTelemetry {
  metricsBindAddress?: string;
  tracing: boolean;
}

/**
 * METRICS_BIND_ADDRESS, else `fallback` (the production worker passes 0.0.0.0:9464, `npm start` none);
 * "off" or an empty value turns the endpoint off.
 */
export function metricsBindAddressFromEnv(
  fallback: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const configured = env[METRICS_BIND_ADDRESS_ENV];
  if (configured === undefined) return fallback;
  const value = configured.trim();
  if (value === '' || value === 'off') return undefined;
  parseBindAddress(value, METRICS_BIND_ADDRESS_ENV);
  return value;
}

export function installTelemetry(options: TelemetryOptions): InstalledTelemetry {
  // Core is chatty at INFO; its warnings and errors are what an operator needs unless debugging.
  const level = options.logger.level;
  const coreLevel = level === 'trace' ? 'TRACE' : level === 'debug' ? 'DEBUG' : 'WARN';
  Runtime.install({
    logger: new PinoTemporalLogger(options.logger),
    telemetryOptions: {
      // Core (Rust) lines go to the logger above instead of core's own ANSI console output.
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: coreLevel }) },
      metrics: options.metricsBindAddress ? { prometheus: { bindAddress: options.metricsBindAddress } } : undefined,
    },
  });
  return { metricsBindAddress: options.metricsBindAddress, tracing: startTracing(options.serviceName) };
}
