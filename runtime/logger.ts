import pino from 'pino';

/** Structured JSON logs on stdout; LOG_LEVEL tunes verbosity. */
export const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'campaign-sla' } });
