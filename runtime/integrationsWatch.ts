// A campaign-only worker's look at the queue beside it: when no integrations worker polls it, the campaigns'
// calls to Salesforce and Google Ads wait unserved (the clocks run on, escalations and polls do not), which
// nothing else would say. Logged when it starts and when it ends, and repeated while it lasts.
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { integrationsTaskQueue } from '../workflows/messages';

/** temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY */
const ACTIVITY_TASK_QUEUE = 2;

export interface IntegrationsWatchOptions {
  client: Pick<Client, 'workflowService'>;
  namespace: string;
  /** The campaign's task queue; the integrations queue is derived from it. */
  taskQueue: string;
  logger: Pick<Logger, 'warn' | 'info'>;
  /** Between looks (default 1 minute); the first look waits one interval, so a worker starting beside it is seen. */
  everyMs?: number;
  /** While nobody polls, the warning is repeated this often (default 10 minutes). */
  repeatMs?: number;
  now?: () => number;
}

/** Starts the watch; the returned function stops it. */
export function watchIntegrationsPollers(options: IntegrationsWatchOptions): () => void {
  const { client, namespace, logger } = options;
  const everyMs = options.everyMs ?? 60_000;
  const repeatMs = options.repeatMs ?? 600_000;
  const now = options.now ?? Date.now;
  const taskQueue = integrationsTaskQueue(options.taskQueue);
  let missingSince: number | undefined;
  let warnedAt = -Infinity;
  const look = async () => {
    let pollers: number;
    try {
      const described = await client.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: taskQueue },
        taskQueueType: ACTIVITY_TASK_QUEUE,
      });
      pollers = described.pollers?.length ?? 0;
    } catch (err) {
      // The server unreachable is the worker's own problem, reported by its readiness; no verdict here.
      logger.warn(
        { taskQueue, error: err instanceof Error ? err.message : String(err) },
        'integrations queue not described',
      );
      return;
    }
    const at = now();
    if (pollers > 0) {
      if (missingSince !== undefined)
        logger.info({ taskQueue, pollers, unservedForMs: at - missingSince }, 'integrations worker polling again');
      missingSince = undefined;
      warnedAt = -Infinity;
      return;
    }
    missingSince ??= at;
    if (at - warnedAt < repeatMs) return;
    warnedAt = at;
    logger.warn(
      { taskQueue, unservedForMs: at - missingSince },
      'no integrations worker polls the queue: calls to Salesforce and Google Ads wait (start one with CAMPAIGN_SLA_WORKER_ROLE=integrations)',
    );
  };
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(look);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
