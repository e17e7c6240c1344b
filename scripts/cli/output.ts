// Human-readable tables by default, JSON with --json.
import Table from 'cli-table3';

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | boolean | null | undefined;
}

export function renderTable<T>(rows: T[], columns: Column<T>[], empty = '(none)'): string {
  if (rows.length === 0) return empty;
  const table = new Table({ head: columns.map((c) => c.header), style: { head: [], border: [] } });
  for (const row of rows) table.push(columns.map((c) => formatCell(c.value(row))));
  return table.toString();
}

/** Label/value pairs as a two-column table. */
export function renderFacts(facts: [string, string | number | boolean | null | undefined][]): string {
  const table = new Table({ style: { head: [], border: [] } });
  for (const [label, value] of facts) table.push({ [label]: formatCell(value) });
  return table.toString();
}

function formatCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(2);
  return String(value);
}

export const pct = (share: number | null | undefined) =>
  share === null || share === undefined ? null : `${(share * 100).toFixed(1)}%`;
export const money = (amount: number | null | undefined) =>
  amount === null || amount === undefined ? null : amount.toFixed(2);
