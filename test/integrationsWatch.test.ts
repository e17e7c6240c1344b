// The campaign-only worker's warning when no integrations worker polls the queue beside it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { watchIntegrationsPollers } from '../runtime/integrationsWatch';

const MINUTE = 60_000;

function world(pollersByLook: (number | Error)[]) {
  const requests: unknown[] = [];
  const lines: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
  let look = 0;
  const client = {
    workflowService: {
      describeTaskQueue: async (request: unknown) => {
        requests.push(request);
        const answer = pollersByLook[Math.min(look++, pollersByLook.length - 1)];
        if (answer instanceof Error) throw answer;
        return { pollers: Array.from({ length: answer }, (_, i) => ({ identity: `w${i}` })) };
      },
    },
  };
  const logger = {
    warn: (fields: Record<string, unknown>, msg: string) => lines.push({ level: 'warn', fields, msg }),
    info: (fields: Record<string, unknown>, msg: string) => lines.push({ level: 'info', fields, msg }),
  };
  return { client: client as never, logger: logger as never, requests, lines };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('watchIntegrationsPollers', () => {
  it('warns when nobody polls, repeats every 10 minutes while it lasts, and says when a worker is back', async () => {
    vi.useFakeTimers({ now: 0 });
    // Looks at 1, 2, … minutes: nobody for 12 looks, then a worker.
    const w = world([...Array(12).fill(0), 1]);
    const stop = watchIntegrationsPollers({ ...w, namespace: 'default', taskQueue: 'campaign-sla' });
    await vi.advanceTimersByTimeAsync(13 * MINUTE);
    stop();
    expect(w.requests[0]).toEqual({
      namespace: 'default',
      taskQueue: { name: 'campaign-sla-integrations' },
      taskQueueType: 2,
    });
    expect(w.lines.map((l) => [l.level, l.fields.unservedForMs])).toEqual([
      ['warn', 0],
      ['warn', 10 * MINUTE],
      ['info', 12 * MINUTE],
    ]);
    expect(w.lines[0].msg).toContain('CAMPAIGN_SLA_WORKER_ROLE=integrations');
    expect(w.lines[2].msg).toBe('integrations worker polling again');
  });

  it('says nothing while a worker polls, and gives no verdict when the server does not answer', async () => {
    vi.useFakeTimers({ now: 0 });
    const w = world([2, new Error('14 UNAVAILABLE: connection refused'), 1]);
    const stop = watchIntegrationsPollers({ ...w, namespace: 'default', taskQueue: 'q' });
    await vi.advanceTimersByTimeAsync(3 * MINUTE);
    stop();
    expect(w.requests).toHaveLength(3);
    expect(w.lines).toEqual([
      {
        level: 'warn',
        fields: { taskQueue: 'q-integrations', error: '14 UNAVAILABLE: connection refused' },
        msg: 'integrations queue not described',
      },
    ]);
  });

  it('stops looking once stopped', async () => {
    vi.useFakeTimers({ now: 0 });
    const w = world([0]);
    watchIntegrationsPollers({ ...w, namespace: 'default', taskQueue: 'q' })();
    await vi.advanceTimersByTimeAsync(5 * MINUTE);
    expect(w.requests).toEqual([]);
  });
});
