import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../activities/ledger/migrate';
import { createTestDatabase, type TestDatabase } from './support/postgres';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function emptyDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase({ migrate: false });
  cleanups.push(db.drop);
  return db;
}

async function migrationDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'migrations-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  for (const [name, sql] of Object.entries(files)) await writeFile(path.join(dir, name), sql);
  return dir;
}

async function tableExists(db: TestDatabase, table: string): Promise<boolean> {
  const { rows } = await db.pool.query('SELECT to_regclass($1) IS NOT NULL AS exists', [table]);
  return rows[0].exists;
}

describe('migrate', () => {
  it('applies the ledger schema once; a second run applies nothing', async () => {
    const db = await emptyDatabase();
    const first = await migrate(db.pool);
    expect(first.applied).toEqual([
      '0001_ledger.sql',
      '0002_read_side.sql',
      '0003_alert_delivery.sql',
      '0004_event_time.sql',
      '0005_alert_digest.sql',
      '0006_conversion_uploads.sql',
      '0007_decision_attempts.sql',
      '0008_approver_tokens.sql',
      '0009_milestones.sql',
      '0010_removed_leads.sql',
      '0011_admission_indexes.sql',
      '0012_clocks_on_lead_rows.sql',
    ]);
    expect(await tableExists(db, 'clock_outcomes')).toBe(true);

    const second = await migrate(db.pool);
    expect(second.applied).toEqual([]);
    const { rows } = await db.pool.query('SELECT version, name FROM schema_migrations ORDER BY version');
    expect(rows).toEqual([
      { version: 1, name: 'ledger' },
      { version: 2, name: 'read_side' },
      { version: 3, name: 'alert_delivery' },
      { version: 4, name: 'event_time' },
      { version: 5, name: 'alert_digest' },
      { version: 6, name: 'conversion_uploads' },
      { version: 7, name: 'decision_attempts' },
      { version: 8, name: 'approver_tokens' },
      { version: 9, name: 'milestones' },
      { version: 10, name: 'removed_leads' },
      { version: 11, name: 'admission_indexes' },
      { version: 12, name: 'clocks_on_lead_rows' },
    ]);
  });

  it('serialises concurrent runs with the advisory lock', async () => {
    const db = await emptyDatabase();
    const results = await Promise.all([migrate(db.pool), migrate(db.pool), migrate(db.pool)]);
    expect(results.map((r) => r.applied.length).sort((a, b) => a - b)).toEqual([0, 0, 12]);
  });

  it('rolls back a failing migration completely and keeps earlier ones', async () => {
    const db = await emptyDatabase();
    const dir = await migrationDir({
      '0001_first.sql': 'CREATE TABLE first_table (id int);',
      '0002_broken.sql': 'CREATE TABLE half_done (id int);\nSELECT 1 / 0;',
    });
    await expect(migrate(db.pool, { dir })).rejects.toThrow(
      /0002_broken\.sql failed and was rolled back: division by zero/,
    );
    expect(await tableExists(db, 'first_table')).toBe(true);
    expect(await tableExists(db, 'half_done')).toBe(false);
    const { rows } = await db.pool.query('SELECT version FROM schema_migrations');
    expect(rows).toEqual([{ version: 1 }]);
  });

  it('refuses to run when an applied migration file was edited', async () => {
    const db = await emptyDatabase();
    const dir = await migrationDir({ '0001_first.sql': 'CREATE TABLE first_table (id int);' });
    await migrate(db.pool, { dir });
    await writeFile(path.join(dir, '0001_first.sql'), 'CREATE TABLE first_table (id bigint);');
    await expect(migrate(db.pool, { dir })).rejects.toThrow(/0001_first\.sql was changed after it was applied/);
  });

  it('rejects badly named and duplicate-version files, naming them', async () => {
    const badName = await migrationDir({ '1_first.sql': 'SELECT 1;' });
    await expect(loadMigrations(badName)).rejects.toThrow(/1_first\.sql must be named NNNN_lower_snake_name\.sql/);
    const duplicate = await migrationDir({ '0001_a.sql': 'SELECT 1;', '0001_b.sql': 'SELECT 1;' });
    await expect(loadMigrations(duplicate)).rejects.toThrow(/0001_a\.sql and 0001_b\.sql .* share version 1/);
  });
});
