// `npm run chaos [-- --quick]`: the chaos suite. Kills workers, restarts the Temporal server, injects API
// faults and outages while a campaign takes leads, then checks the ledger and the workflow exactly
// against what was fed. Exit code 0 only when nothing was lost, duplicated or contradicted.
import { causeChain } from './chaos/checks';
import { printSummary, writeSummary } from './chaos/report';
import { runChaos } from './chaos/run';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--quick');
  if (unknown.length) {
    console.error(`usage: npm run chaos [-- --quick]  (unknown: ${unknown.join(' ')})`);
    return 2;
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
