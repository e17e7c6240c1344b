// The chaos run's results: one table of figures (expected, actual, ok / FAIL / info), the breach-detection
// lag per fault window, what was done to the system, and the same as JSON in .artifacts/chaos-summary.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Table from 'cli-table3';
import type { Figure, LagRow } from './checks';
import type { Scenario } from './scenarios';

const SUMMARY_FILE = path.resolve(__dirname, '..', '..', '.artifacts', 'chaos-summary.json');

export interface ChaosSummary {
  mode: Scenario['mode'];
  campaignId: string;
  startedAt: string;
  durationS: number;
  passed: boolean;
  disruptions: { kind: string; at: string; downMs: number }[];
  outages: { name: string; target: string; from: string; to: string; note?: string }[];
  apiFaults: Scenario['apiFaults'];
  workerStarts: number;
  transportRetries: number;
  figures: Figure[];
  breachDetectionLag: LagRow[];
  logs: string;
}

const seconds = (value: number | null) => (value === null ? '–' : `${(value / 1000).toFixed(2)} s`);

export function printSummary(summary: ChaosSummary, out: (line: string) => void = console.log): void {
  out('');
  out(
    `chaos ${summary.mode}: campaign ${summary.campaignId}, ${summary.durationS.toFixed(0)} s, ${summary.workerStarts} worker processes, ${summary.transportRetries} Update retries`,
  );
  for (const d of summary.disruptions) out(`  ${d.at}  ${d.kind} (down ${seconds(d.downMs)})`);
  for (const o of summary.outages) out(`  ${o.from} → ${o.to}  ${o.name}${o.note ? ` — ${o.note}` : ''}`);
  const f = summary.apiFaults;
  out(
    `  whole run: API faults on sandbox Ads, sandbox CRM and webhook — ${f.rateLimited * 100}% 429, ${f.serverError * 100}% 5xx, ${f.timeout * 100}% ${f.timeoutMs / 1000} s timeouts`,
  );

  printFigures(summary.figures, out);

  const lag = new Table({
    head: ['breach detection lag (breach alert claimed − deadline)', 'breaches', 'alerted', 'p50', 'p99', 'max'],
  });
  for (const row of summary.breachDetectionLag)
    lag.push([row.window, row.breaches, row.alerted, seconds(row.p50Ms), seconds(row.p99Ms), seconds(row.maxMs)]);
  out(lag.toString());

  printFailing(summary.figures, out);
  out(
    `${summary.passed ? 'PASSED' : 'FAILED'} — summary in ${path.relative(process.cwd(), SUMMARY_FILE)}, process logs in ${summary.logs}`,
  );
}

/** The figures' table; also what `npm run chaos -- --sdk-query-race` prints alone. */
export function printFigures(figures: Figure[], out: (line: string) => void = console.log): void {
  const table = new Table({
    head: ['', 'check', 'expected', 'actual', 'result'],
    wordWrap: true,
    colWidths: [24, 64, 10, 10, 8],
  });
  for (const fig of figures) {
    table.push([
      fig.section,
      fig.name,
      fig.expected ?? '',
      fig.actual,
      fig.ok === null ? 'info' : fig.ok ? 'ok' : 'FAIL',
    ]);
  }
  out(table.toString());
}

export function printFailing(figures: Figure[], out: (line: string) => void = console.log): void {
  const failing = figures.filter((fig) => fig.ok === false);
  if (failing.length) {
    out('FAILED:');
    for (const fig of failing) {
      out(`  ${fig.section} — ${fig.name}: expected ${fig.expected}, got ${fig.actual}`);
      for (const example of fig.examples) out(`      e.g. ${example}`);
    }
  }
}

export function writeSummary(summary: ChaosSummary): void {
  mkdirSync(path.dirname(SUMMARY_FILE), { recursive: true });
  writeFileSync(SUMMARY_FILE, `${JSON.stringify(summary, null, 2)}\n`);
}
