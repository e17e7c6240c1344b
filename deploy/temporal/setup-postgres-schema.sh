#!/bin/sh
# One-shot job (temporalio/admin-tools): creates Temporal's two databases in the shared Postgres and
# brings their schemas to the version this admin-tools image ships. Re-running is safe: existing
# databases are kept and only missing schema versions are applied.
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS (the Postgres host) is required}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${SQL_PASSWORD:?SQL_PASSWORD (the Postgres password) is required}"
DB_PORT="${DB_PORT:-5432}"
SCHEMA_ROOT=/etc/temporal/schema/postgresql/v12

sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"
}

for pair in temporal:temporal temporal_visibility:visibility; do
  database="${pair%%:*}"
  schema_dir="$SCHEMA_ROOT/${pair#*:}/versioned"
  echo "Temporal schema: database $database"
  sql_tool --db "$database" create
  sql_tool --db "$database" setup-schema -v 0.0
  sql_tool --db "$database" update-schema -d "$schema_dir"
done
echo 'Temporal schema is up to date'
