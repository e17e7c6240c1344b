// Connections a command needs, opened on first use and closed when the command ends.
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { connectClient, ledgerDatabaseUrl, openLedgerPool, type ConnectedClient } from '../../runtime/client';

export class CommandContext {
  private temporal?: Promise<ConnectedClient>;
  private pool?: pg.Pool;

  constructor(readonly env: NodeJS.ProcessEnv = process.env) {}

  async client(): Promise<Client> {
    this.temporal ??= connectClient(this.env);
    return (await this.temporal).client;
  }

  ledger(): { pool: pg.Pool; url: string } {
    this.pool ??= openLedgerPool(this.env);
    return { pool: this.pool, url: ledgerDatabaseUrl(this.env) };
  }

  async close(): Promise<void> {
    const temporal = await this.temporal?.catch(() => undefined);
    await Promise.all([temporal?.close(), this.pool?.end()]);
  }
}
