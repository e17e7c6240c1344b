// `npm run bench`: performance figures of the campaign engine on a Temporal dev server with a real
// worker and Postgres. Prints a table, writes the JSON to bench/results.json (or --out), and exits
// non-zero when the bench cannot run or any measurement fails (the other figures are still reported). `--help` lists the size flags.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CommanderError } from 'commander';
import { parseBenchOptions } from './bench/options';
import { renderBenchReport } from './bench/report';
import { runBench } from './bench/runBench';

async function main(): Promise<number> {
  let options;
  try {
    options = parseBenchOptions(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof CommanderError && err.code === 'commander.helpDisplayed') return 0;
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  const results = await runBench({
    sizes: options.sizes,
    databaseUrl: options.databaseUrl,
    productionWorker: options.productionWorker,
    log: (line) => console.error(`bench: ${line}`),
  });
  await mkdir(path.dirname(options.outFile), { recursive: true });
  await writeFile(options.outFile, `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
  console.log(renderBenchReport(results));
  console.log(`results written to ${path.relative(process.cwd(), options.outFile) || options.outFile}`);
  return results.failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
