// `npm run chaos [-- --quick | --sdk-query-race]`: the chaos suite. Kills workers, restarts the Temporal server, injects API
// faults and outages while a campaign takes leads, then checks the ledger and the workflow exactly
// against what was fed. Exit code 0 only when nothing was lost, duplicated or contradicted. `--sdk-query-race` runs
// alone the SDK canary that full mode ends with (scripts/chaos/sdkQueryRace.ts).
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { causeChain } from './chaos/checks';
import { printFailing, printFigures, printSummary, writeSummary } from './chaos/report';
import { SDK_QUERY_RACE } from './chaos/scenarios';
import { sdkQueryRaceFigures } from './chaos/sdkQueryRace';
import { runChaos } from './chaos/run';

async function main(): Promise<number> {
  // The chaos process runs workers of its own only for the SDK query race and the replays: their warnings suffice.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--quick' && a !== '--sdk-query-race');
  if (unknown.length) {
    console.error(`usage: npm run chaos [-- --quick | --sdk-query-race]  (unknown: ${unknown.join(' ')})`);
    return 2;
  }
  if (args.includes('--sdk-query-race')) {
    const figures = await sdkQueryRaceFigures(SDK_QUERY_RACE, (line) => console.log(line));
    printFigures(figures);
    for (const figure of figures.filter((f) => f.ok === null && f.examples.length)) {
      console.log(`${figure.name}:`);
      for (const example of figure.examples) console.log(`    e.g. ${example}`);
    }
    printFailing(figures);
    return figures.every((f) => f.ok !== false) ? 0 : 1;
  }
  const summary = await runChaos(args.includes('--quick') ? 'quick' : 'full', (line) => console.log(line));
  writeSummary(summary);
  printSummary(summary);
  return summary.passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`chaos: ${causeChain(err)}`);
    process.exit(1);
  },
);
