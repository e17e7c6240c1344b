// Applies db/migrations/NNNN_name.sql in order, once each, recording them in schema_migrations.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';

const MIGRATIONS_DIR = path.resolve(__dirname, '..', '..', 'db', 'migrations');

// Any fixed 64-bit number works; it just has to be the same for every worker of this app.
const MIGRATION_LOCK_KEY = '7316032261884412001';
const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export interface MigrationFile {
  version: number;
  name: string;
  fileName: string;
  sql: string;
  checksum: string;
}

export interface MigrateResult {
  /** File names applied by this run; empty when the schema was already current. */
  applied: string[];
}

export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const fileNames = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: MigrationFile[] = [];
  for (const fileName of fileNames) {
    const match = MIGRATION_FILE.exec(fileName);
    if (!match) {
      throw new Error(`Migration file ${path.join(dir, fileName)} must be named NNNN_lower_snake_name.sql`);
    }
    const version = Number(match[1]);
    const previous = migrations.at(-1);
    if (previous?.version === version) {
      throw new Error(`Migrations ${previous.fileName} and ${fileName} in ${dir} share version ${version}`);
    }
    const sql = await readFile(path.join(dir, fileName), 'utf8');
    migrations.push({ version, name: match[2], fileName, sql, checksum: sha256(sql) });
  }
  return migrations;
}

/**
 * Brings the database schema up to date. Safe to call from several workers at once: an advisory
 * lock serialises them, and each migration commits or rolls back as a whole.
 */
export async function migrate(pool: pg.Pool, opts: { dir?: string } = {}): Promise<MigrateResult> {
  const migrations = await loadMigrations(opts.dir);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await applyPending(client, migrations);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}

async function applyPending(client: pg.PoolClient, migrations: MigrationFile[]): Promise<MigrateResult> {
  await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const { rows } = await client.query<{ version: number; checksum: string }>(
    'SELECT version, checksum FROM schema_migrations',
  );
  const appliedChecksums = new Map(rows.map((r) => [r.version, r.checksum]));

  const applied: string[] = [];
  for (const migration of migrations) {
    const appliedChecksum = appliedChecksums.get(migration.version);
    if (appliedChecksum === migration.checksum) continue;
    if (appliedChecksum !== undefined) {
      throw new Error(
        `Migration ${migration.fileName} was changed after it was applied (checksum in database ${appliedChecksum}, ` +
          `file ${migration.checksum}); add a new migration instead of editing an applied one.`,
      );
    }
    await applyOne(client, migration);
    applied.push(migration.fileName);
  }
  return { applied };
}

async function applyOne(client: pg.PoolClient, migration: MigrationFile): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(migration.sql);
    await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
      migration.version,
      migration.name,
      migration.checksum,
    ]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw new Error(`Migration ${migration.fileName} failed and was rolled back: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
