import pino from 'pino';
import pretty from 'pino-pretty';

/**
 * One log format for the whole process: JSON lines on stdout (what log shippers parse), rendered by
 * pino-pretty when a person watches a terminal. LOG_LEVEL tunes verbosity; LOG_FORMAT=json forces JSON;
 * LOG_FILE appends the JSON lines to that file instead (npm start, so its console tells only the story).
 */
export function createLogger(
  env: NodeJS.ProcessEnv = process.env,
  tty: boolean = process.stdout.isTTY === true,
): pino.Logger {
  const options = { level: env.LOG_LEVEL ?? 'info', base: { service: 'campaign-sla' } };
  if (env.LOG_FILE) return pino(options, pino.destination({ dest: env.LOG_FILE, mkdir: true, sync: true }));
  if (!tty || env.LOG_FORMAT === 'json') return pino(options);
  return pino(options, pretty({ colorize: true, sync: true, ignore: 'service,pid,hostname' }));
}

export const logger = createLogger();
