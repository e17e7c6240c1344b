// Telemetry pieces without a server: the SDK-to-pino log bridge, the metrics and health settings, the
// health endpoints, and what the metric decorators and the workflow helper report.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/common';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { PortResolver } from '../activities/campaignActivities';
import type { Crm, Notifier } from '../activities/ports';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Runtime } from '@temporalio/worker';
import { freePort } from '../runtime/dev/tcpPorts';
import { startHealthServer } from '../runtime/health';
import { createLogger } from '../runtime/logger';
import { APP_METRICS } from '../runtime/metrics/appMetrics';
import { meteredNotifier, meteredPorts } from '../runtime/metrics/meteredPorts';
import { metricsBindAddressFromEnv } from '../runtime/telemetry';
import { PinoTemporalLogger } from '../runtime/temporalLogger';
import { countBreaches, recordSlaGauges, SLA_METRICS } from '../workflows/slaMetrics';
import type { Alert } from '../sla/alerts';
import { recordingMeter } from './support/recordingMeter';

function capture(level = 'trace') {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

describe('PinoTemporalLogger', () => {
  it('writes SDK and core messages as single JSON lines at the matching level, errors included', () => {
    const { logger, lines } = capture();
    const bridge = new PinoTemporalLogger(logger);
    bridge.warn('Failing workflow task', { sdkComponent: 'core', error: new TypeError('bad\nthing'), runId: 'r1' });
    bridge.log('ERROR', 'Activity failed', { activityType: 'pollCrm' });
    bridge.debug('polling');
    expect(lines).toHaveLength(3);
    const [warn, error, debug] = lines.map((line) => JSON.parse(line));
    expect(warn).toMatchObject({
      level: 40,
      msg: 'Failing workflow task',
      sdkComponent: 'core',
      runId: 'r1',
      error: { type: 'TypeError', message: 'bad\nthing' },
    });
    expect(error).toMatchObject({ level: 50, activityType: 'pollCrm' });
    expect(debug.level).toBe(20);
  });

  it("leaves filtering to pino's level", () => {
    const { logger, lines } = capture('warn');
    const bridge = new PinoTemporalLogger(logger);
    bridge.info('Worker state changed', { state: 'RUNNING' });
    bridge.trace('noise');
    expect(lines).toEqual([]);
  });
});

describe('createLogger', () => {
  it('writes JSON unless a person watches a terminal, and LOG_FORMAT=json forces JSON there', () => {
    const stream = (logger: pino.Logger) => (logger as unknown as Record<symbol, object>)[pino.symbols.streamSym];
    const json = stream(createLogger({}, false)).constructor.name;
    expect(stream(createLogger({ LOG_FORMAT: 'json' }, true)).constructor.name).toBe(json);
    // pino-pretty's stream, not pino's own JSON destination.
    expect(stream(createLogger({}, true)).constructor.name).not.toBe(json);
    expect(createLogger({ LOG_LEVEL: 'debug' }, false).level).toBe('debug');
  });

  it('appends JSON lines to LOG_FILE, creating its folder, even in a terminal', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'log-file-'));
    try {
      const file = path.join(dir, 'nested', 'campaign-sla.log');
      createLogger({ LOG_FILE: file }, true).info({ campaignId: 'c-1' }, 'first');
      createLogger({ LOG_FILE: file }, true).warn('second');
      const lines = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(lines.map((l) => [l.msg, l.level])).toEqual([
        ['first', 30],
        ['second', 40],
      ]);
      expect(lines[0].campaignId).toBe('c-1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('metricsBindAddressFromEnv', () => {
  it('uses the fallback when unset, turns off on "off" or empty, and rejects what is not host:port', () => {
    expect(metricsBindAddressFromEnv('0.0.0.0:9464', {})).toBe('0.0.0.0:9464');
    expect(metricsBindAddressFromEnv(undefined, {})).toBeUndefined();
    expect(metricsBindAddressFromEnv('0.0.0.0:9464', { METRICS_BIND_ADDRESS: 'off' })).toBeUndefined();
    expect(metricsBindAddressFromEnv('0.0.0.0:9464', { METRICS_BIND_ADDRESS: ' ' })).toBeUndefined();
    expect(metricsBindAddressFromEnv(undefined, { METRICS_BIND_ADDRESS: '[::1]:9464' })).toBe('[::1]:9464');
    for (const bad of ['9464', 'localhost', 'host:99999', 'http://0.0.0.0:9464', 'a b:1']) {
      expect(() => metricsBindAddressFromEnv(undefined, { METRICS_BIND_ADDRESS: bad }), bad).toThrow(
        /^METRICS_BIND_ADDRESS must be host:port/,
      );
    }
  });
});

describe('health server', () => {
  it('answers /healthz always and /readyz only while every check passes, naming the failing ones', async () => {
    let workerState = 'RUNNING';
    const health = await startHealthServer('127.0.0.1:0', {
      worker: () => {
        if (workerState !== 'RUNNING') throw new Error(`worker is ${workerState}`);
      },
      postgres: () => Promise.reject(new Error('connection refused')),
    });
    try {
      expect((await fetch(`${health.url}/healthz`)).status).toBe(200);
      const notReady = await fetch(`${health.url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ status: 'not ready', failing: { postgres: 'connection refused' } });
      workerState = 'DRAINING';
      expect(await (await fetch(`${health.url}/readyz`)).json()).toMatchObject({
        failing: { worker: 'worker is DRAINING', postgres: 'connection refused' },
      });
      expect((await fetch(`${health.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${health.url}/readyz`, { method: 'POST' })).status).toBe(405);
    } finally {
      await health.close();
    }
  });

  it('gives up on a check that hangs instead of hanging the probe', { timeout: 10_000 }, async () => {
    const health = await startHealthServer('127.0.0.1:0', { postgres: () => new Promise<void>(() => {}) });
    try {
      const response = await fetch(`${health.url}/readyz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ failing: { postgres: 'no answer within 3000 ms' } });
    } finally {
      await health.close();
    }
  });

  it('refuses a bind address that is not host:port', async () => {
    await expect(startHealthServer('8081', {})).rejects.toThrow(/^HEALTH_BIND_ADDRESS must be host:port/);
  });
});

describe('metric decorators', () => {
  const usage = { used: 120, max: 15_000, callsMade: 3 };
  const crm = {
    async fetchAttempts() {
      return { items: [], watermark: null };
    },
    async setLeadStatus() {
      throw ApplicationFailure.create({ type: 'CrmRateLimited', message: 'REQUEST_LIMIT_EXCEEDED' });
    },
    apiUsage: () => usage,
  } as unknown as Crm;
  const ports: PortResolver = { ads: () => Promise.reject(new Error('unused')), crm: async () => crm };

  it('times every CRM call by method and outcome, counts failures by type, and reports the API budget', async () => {
    const meter = recordingMeter();
    const budget = recordingMeter();
    const metered = await meteredPorts(
      ports,
      () => meter,
      () => budget,
    ).crm('c-1', new Date());
    await metered.fetchAttempts(['00Q1'], null);
    await expect(metered.setLeadStatus('00Q1', 'Working')).rejects.toThrow('REQUEST_LIMIT_EXCEEDED');
    expect(metered.apiUsage()).toBe(usage);

    const latencies = meter.samples.filter((s) => s.name === APP_METRICS.portCallLatency);
    expect(latencies.map((s) => s.tags)).toEqual([
      { port: 'crm', method: 'fetchAttempts', outcome: 'ok' },
      { port: 'crm', method: 'setLeadStatus', outcome: 'error' },
    ]);
    expect(meter.samples.filter((s) => s.name === APP_METRICS.portCallErrors)).toEqual([
      {
        name: APP_METRICS.portCallErrors,
        kind: 'counter',
        value: 1,
        tags: { port: 'crm', method: 'setLeadStatus', error_type: 'CrmRateLimited' },
      },
    ]);
    // After each call, failed ones too; apiUsage itself is not a vendor call.
    const used = budget.samples.filter((s) => s.name === APP_METRICS.crmApiUsed);
    expect(used).toHaveLength(2);
    expect(used[0]).toMatchObject({ kind: 'gauge', value: 120, tags: { campaign_id: 'c-1' } });
    expect(budget.samples.find((s) => s.name === APP_METRICS.crmApiMax)?.value).toBe(15_000);
  });

  it('reports the API budget as one series per campaign, whichever activity made the call', async () => {
    // The activity's meter carries activity_type: the budget must not, or each campaign gets a series per activity.
    const samples = recordingMeter().samples;
    const budget = recordingMeter();
    for (const activityType of ['pollCrm', 'runEscalationSteps']) {
      const activity = recordingMeter(samples, { activity_type: activityType });
      const metered = await meteredPorts(
        ports,
        () => activity,
        () => budget,
      ).crm('c-1', new Date());
      await metered.fetchAttempts(['00Q1'], null);
    }
    expect(samples.filter((s) => s.name === APP_METRICS.crmApiUsed || s.name === APP_METRICS.crmApiMax)).toEqual([]);
    const series = new Set(
      budget.samples.filter((s) => s.name === APP_METRICS.crmApiUsed).map((s) => JSON.stringify(s.tags)),
    );
    expect([...series]).toEqual([JSON.stringify({ campaign_id: 'c-1' })]);
  });

  it('exports the API budget on /metrics as one series per campaign holding the latest value', async () => {
    // The real meters: the activity's (tagged with its type) and the process runtime's Prometheus exporter.
    const port = await freePort();
    Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${port}` } } } });
    let used = 100;
    const counting = {
      async fetchAttempts() {
        used += 1;
        return { items: [], watermark: null };
      },
      apiUsage: () => ({ used, max: 15_000, callsMade: used }),
    } as unknown as Crm;
    const resolver: PortResolver = { ads: () => Promise.reject(new Error('unused')), crm: async () => counting };
    for (const activityType of ['pollCrm', 'runEscalationSteps']) {
      // As the worker builds it: the runtime's meter with namespace and queue, then the activity's own tags.
      const metricMeter = Runtime.instance().metricMeter.withTags({ namespace: 'default', task_queue: 'q' });
      await new MockActivityEnvironment({ activityType }, { metricMeter }).run(async () => {
        await (await meteredPorts(resolver).crm('c-1', new Date())).fetchAttempts(['00Q1'], null);
      });
    }
    const series = async () =>
      (await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())
        .split('\n')
        .filter((line) => line.startsWith(`${APP_METRICS.crmApiUsed}{`));
    await expect.poll(series, { timeout: 10_000 }).toEqual([`${APP_METRICS.crmApiUsed}{campaign_id="c-1"} 102`]);
  });

  it('counts alerts delivered, deduped and failed by severity, and passes the failure on', async () => {
    const meter = recordingMeter();
    const outcomes = [
      { delivered: true, deduped: false },
      { delivered: false, deduped: true },
    ];
    const inner: Notifier = {
      notify: async () => {
        const next = outcomes.shift();
        if (!next) throw ApplicationFailure.create({ type: 'AlertDeliveryFailed', message: 'HTTP 503' });
        return next;
      },
      notifyBatch: async (alerts) => ({
        delivered: alerts.slice(0, 2),
        deduped: alerts.slice(2, 3),
        failed: alerts.slice(3).map((alert) => ({ alert, failure: new Error('HTTP 503') })),
      }),
    };
    const notifier = meteredNotifier(inner, () => meter);
    const alert = { dedupeKey: 'k', severity: 'critical', campaignId: 'c', title: 't', text: 'x' } satisfies Alert;
    await notifier.notify(alert);
    await notifier.notify(alert);
    await expect(notifier.notify(alert)).rejects.toThrow('HTTP 503');
    expect(meter.samples.map((s) => [s.name, s.value, s.tags.severity])).toEqual([
      [APP_METRICS.alertsDelivered, 1, 'critical'],
      [APP_METRICS.alertsDeduped, 1, 'critical'],
      [APP_METRICS.alertsFailed, 1, 'critical'],
    ]);
    meter.samples.length = 0;
    const warning = { ...alert, severity: 'warning' } satisfies Alert;
    const outcome = await notifier.notifyBatch([alert, warning, alert, warning]);
    expect(outcome.failed).toHaveLength(1);
    expect(meter.samples.map((s) => [s.name, s.value, s.tags.severity])).toEqual([
      [APP_METRICS.alertsDelivered, 1, 'critical'],
      [APP_METRICS.alertsDelivered, 1, 'warning'],
      [APP_METRICS.alertsDeduped, 1, 'critical'],
      [APP_METRICS.alertsFailed, 1, 'warning'],
    ]);
  });

  it('measures nothing outside an activity instead of failing the call', async () => {
    const metered = await meteredPorts(ports).crm('c-1', new Date());
    await expect(metered.fetchAttempts(['00Q1'], null)).resolves.toEqual({ items: [], watermark: null });
  });
});

describe('workflow SLA metrics helper', () => {
  it('sets gauges per campaign and counts breaches per clock, skipping zero counts', () => {
    const meter = recordingMeter();
    recordSlaGauges(meter, 'c-1', {
      openClocks: 42,
      escalationStepsPending: 3,
      proposalsByStatus: { pending: 1, applied: 2 },
    });
    countBreaches(meter, 'c-1', 'firstTouch', 5);
    countBreaches(meter, 'c-1', 'acceptance', 0);
    expect(meter.samples.map((s) => [s.name, s.kind, s.value, s.tags])).toEqual([
      [SLA_METRICS.openClocks, 'gauge', 42, { campaign_id: 'c-1' }],
      [SLA_METRICS.escalationStepsPending, 'gauge', 3, { campaign_id: 'c-1' }],
      [SLA_METRICS.proposals, 'gauge', 1, { campaign_id: 'c-1', status: 'pending' }],
      [SLA_METRICS.proposals, 'gauge', 2, { campaign_id: 'c-1', status: 'applied' }],
      [SLA_METRICS.breaches, 'counter', 5, { campaign_id: 'c-1', clock: 'firstTouch' }],
    ]);
  });
});
