// Workflow tracing end to end: with tracing on, the worker runs the traced bundle and a new campaign run's spans
// (its Updates, the activities it starts and runs) reach an OTLP/HTTP collector; with tracing off, a new run goes
// without OpenTelemetry's interceptors and says so in its history (patch marker untraced-run), and no span leaves.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, stopTracing, tracingStarted } from '../runtime/tracing';
import { campaignSla } from '../workflows/campaignSla';
import { admitLeadsUpdate, campaignWorkflowId, slaStateQuery } from '../workflows/messages';
import { seedTermsConfig } from './support/campaignConfig';
import { createTestDatabase, type TestDatabase } from './support/postgres';
import { devServerEnv, terminateWhenIdle, testWorker } from './support/temporal';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let collector: Server;
/** What the collector received: OTLP/HTTP export bodies, whose span names are plain text. */
const exported: string[] = [];

beforeAll(async () => {
  [env, db] = await Promise.all([devServerEnv(), createTestDatabase()]);
  // OTLP/HTTP as opentelemetry-proto's docs/specification.md has it: spans are POSTed to /v1/traces, and full
  // success is a 200 whose body is an empty ExportTraceServiceResponse in the request's own encoding.
  collector = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/v1/traces') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      exported.push(Buffer.concat(chunks).toString('latin1'));
      const json = req.headers['content-type'] === 'application/json';
      res
        .writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' })
        .end(json ? '{}' : Buffer.alloc(0));
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await stopTracing();
  delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  await new Promise((resolve) => collector?.close(resolve));
  await env?.teardown();
  await db?.drop();
});

/** Runs one campaign on a worker started now (so with tracing as it stands), admits a lead and returns its history. */
async function campaignRun(id: string) {
  const taskQueue = `tracing-${id}`;
  const { worker } = await testWorker(env, db, { taskQueue });
  return worker.runUntil(async () => {
    const now = Date.now();
    const handle = await env.client.workflow.start(campaignSla, {
      taskQueue,
      workflowId: campaignWorkflowId(id),
      args: [
        {
          config: seedTermsConfig({ id, window: { start: iso(now - DAY), end: iso(now + 30 * DAY) } }),
          publishSearchAttributes: false,
        },
      ],
    });
    await handle.executeUpdate(admitLeadsUpdate, {
      args: [{ leads: [{ leadId: `${id}-L1`, tier: 'high-intent', ownerId: 'rep-a', createdAt: iso(now) }] }],
    });
    await expect.poll(async () => (await handle.query(slaStateQuery)).openLeads, { timeout: 20_000 }).toBe(1);
    await terminateWhenIdle(handle, 'tracing test done');
    const events = (await handle.fetchHistory()).events ?? [];
    const markers = events.flatMap((e) => {
      const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
      return data ? [Buffer.from(data).toString()] : [];
    });
    return { untracedMarker: markers.some((m) => m.includes('"untraced-run"')) };
  });
}

describe('workflow tracing (dev server)', () => {
  it('sends no spans and records the untraced-run marker when tracing is off', async () => {
    expect(tracingStarted()).toBe(false);
    const run = await campaignRun('untraced');
    expect(run.untracedMarker).toBe(true);
    expect(exported).toEqual([]);
  });

  it("exports a new run's workflow, Update and activity spans over OTLP when tracing is on", async () => {
    // The exporter reads its endpoint from the process environment (OTLP's own variable), as the worker's does.
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    expect(startTracing('campaign-sla-test')).toBe(true);
    const run = await campaignRun('traced');
    expect(run.untracedMarker).toBe(false);
    await stopTracing();
    const spans = exported.join('\n');
    // The run's own span ends with the run (this one is terminated); its children end, and leave, as they finish.
    for (const name of [
      'ValidateUpdate:admitLeads',
      'HandleUpdate:admitLeads',
      'StartActivity:recordLeadActivity',
      'RunActivity:recordLeadActivity',
    ])
      expect(spans, name).toContain(name);
  });
});
