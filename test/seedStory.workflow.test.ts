// `npm start`'s story, on the time-skipping server: examples/seed-story.yaml (the seed's $75k, 10-day push
// with one minute for one day) through the real worker, ledger and sandbox, read the way npm start reads it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isGrpcDeadlineError, type Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { campaignSla } from '../workflows/campaignSla';
import { MAX_HISTORY_BEFORE_CONTINUE } from '../workflows/campaignSla/continueAsNew';
import { campaignWorkflowId, decideProposalUpdate, slaStateQuery } from '../workflows/messages';
import type { CampaignStateView } from '../sla/views';
import { readDemoScenario } from '../runtime/dev/demoScenario';
import { narrateCampaign, type Narration } from '../reports/storyNarration';
import { createTestDatabase } from './support/postgres';
import { testWorker, timeSkippingEnv } from './support/temporal';

const SECOND = 1_000;
/** History length from which a run may hand over within the next few workflow tasks. */
const HAND_OVER_NEAR = MAX_HISTORY_BEFORE_CONTINUE - 100;
const file = path.join(__dirname, '..', 'examples', 'seed-story.yaml');

describe('the seed story npm start tells', () => {
  it('paces $75k, cuts 30% on the day-4 dip without waiting, restores on approval and ends within budget', async () => {
    const [env, db] = await Promise.all([timeSkippingEnv(), createTestDatabase()]);
    try {
      const startAt = new Date(Math.ceil(Number(await env.currentTimeMs()) / 60_000) * 60_000 + 60_000);
      const scenario = readDemoScenario(readFileSync(file, 'utf8'), 'seed-story.yaml', startAt, {});
      const flight = scenario.flightMs as number;
      const taskQueue = 'seed-story';
      const handle = await testWorker(env, db, { taskQueue, sandbox: scenario.sandbox });
      const lines: string[] = [];
      const states: CampaignStateView[] = [];
      await handle.worker.runUntil(async () => {
        // Started 2.5 s into its flight, as npm start starts it right after setting the flight: the checks then
        // fall between the dip's edges rather than on them.
        await env.sleep(startAt.getTime() + 2_500 - Number(await env.currentTimeMs()));
        const wf = await env.client.workflow.start(campaignSla, {
          taskQueue,
          workflowId: campaignWorkflowId('seed-story'),
          args: [{ config: scenario.raw, publishSearchAttributes: false }],
        });
        const connection = env.client.connection as Connection;
        const givenUpAfter10s = <T>(call: () => Promise<T>): Promise<T | undefined> =>
          connection.withDeadline(Date.now() + 10 * SECOND, call).catch((err: unknown) => {
            if (isGrpcDeadlineError(err)) return undefined;
            throw err;
          });
        let narration: Narration | undefined;
        let ended: string;
        for (;;) {
          await env.sleep(5 * SECOND);
          const description = await wf.describe();
          if (description.status.name !== 'RUNNING') {
            ended = description.status.name;
            break;
          }
          // A query that arrives while a workflow task is out waits for it, and the time-skipping server stops
          // skipping time until the query is answered. When that task continued as new, the worker's answer is
          // refused ("workflow execution already completed"): the query is never answered and the rest of the
          // flight ran in real time (4 minutes instead of 80 s, 2 runs in 6). So no query goes to a run about to
          // hand over, and a query that races the run's completion is given up after 10 s: the loop looks at the
          // run again.
          if (description.historyLength > HAND_OVER_NEAR) continue;
          const state = await givenUpAfter10s(() => wf.query(slaStateQuery));
          if (!state) continue;
          states.push(state);
          const told = narrateCampaign(narration, state, {
            window: { start: startAt.getTime(), end: startAt.getTime() + flight },
            dayMs: flight / 10,
            currency: 'USD',
            approver: 'ops-lead-1',
            now: Number(await env.currentTimeMs()),
          });
          narration = told.narration;
          lines.push(...told.lines);
          const restore = state.proposals.find((p) => p.status === 'pending' && p.action === 'restore');
          if (restore) {
            // Ops approve from another terminal, as the console suggests, a few "hours" later.
            await env.sleep(10 * SECOND);
            // An Update that reaches a run about to hand over was never completed by the time-skipping server (the
            // test hung for 15 minutes in CI, once in two local runs, with the run at 1,842 events before the sleep).
            // So the same guard as for queries, and an approval given up after 10 s: the loop reads the state
            // again, and approves again while the restore is still pending.
            if ((await wf.describe()).historyLength > HAND_OVER_NEAR) continue;
            await givenUpAfter10s(() =>
              wf.executeUpdate(decideProposalUpdate, {
                args: [
                  {
                    proposalId: restore.proposalId,
                    decision: 'approve',
                    approver: 'ops-lead-1',
                    reason: 'conversion rate back to baseline',
                  },
                ],
              }),
            );
          }
        }
        // Read from describe, not result(): awaiting a result unlocks time skipping (see terminateWhenIdle).
        expect(ended).toBe('COMPLETED');
      });
      console.log(lines.map((line) => `[story] ${line}`).join('\n'));
      const story = lines.join('\n');
      const last = states[states.length - 1];
      const share = (iso: string) => (Date.parse(iso) - startAt.getTime()) / flight;
      const [cut, restore, ...others] = last.proposals;
      expect(cut).toMatchObject({ action: 'reduce', rule: 'conversion-rate-drop#1', status: 'applied' });
      expect(cut.decidedBy).toBe('auto-approve');
      expect(share(cut.createdAt)).toBeGreaterThan(0.3);
      expect(share(cut.createdAt)).toBeLessThan(0.5);
      expect(restore).toMatchObject({ action: 'restore', status: 'applied' });
      expect(share(restore.createdAt)).toBeGreaterThan(0.5);
      expect(others).toEqual([]);
      const snapshot = last.latestSnapshot!;
      expect(snapshot.spend).toBeLessThanOrEqual(75_000);
      expect(snapshot.spend).toBeGreaterThan(75_000 * 0.9);
      expect(snapshot.cpl).toBeLessThanOrEqual(65);
      // The seed's outcome is 98% of the lead target, counted in the CRM (converted leads by ConvertedDate). The
      // sandbox's clicks vary with when each check lands: runs gave 1,129 to 1,165 (94–97%); a missed recovery
      // stays near the cut's pace, well under 92%.
      expect(snapshot.conversions).toBeGreaterThan(1200 * 0.92);
      const crm = handle.ports.sandboxCrm('seed-story');
      // Leads came with the clicks: about one for every 16 (a click in 21 qualifies, three in four worked leads do).
      const leads = await crm.fetchNewLeads(scenario.config.campaign.crm.campaignId, null);
      expect(leads.leads.length).toBeGreaterThan(((snapshot.spend / 2.5) * 0.047) / 0.75);
      expect(story).toMatch(/auto-approved/);
      expect(story).toMatch(/waits for approval/);
      expect(story).toMatch(/The flight is over\. .*\(within budget\)/);
      // Ops capacity: half the team away on days 4 and 5 lets first touches queue; fewer leads after the cut and
      // the team back clear the queue by day 7.
      const onTimeThatDay = new Map(
        lines.flatMap((line) => {
          const day = /^Day (\d+): .*first touches (\d+)% that day, \d+% so far within 20 s/.exec(line);
          return day ? [[Number(day[1]), Number(day[2])] as const] : [];
        }),
      );
      const before = onTimeThatDay.get(3)!;
      expect(Math.min(onTimeThatDay.get(4)!, onTimeThatDay.get(5)!), story).toBeLessThan(before - 15);
      expect(onTimeThatDay.get(7)!, story).toBeGreaterThan(Math.min(onTimeThatDay.get(4)!, onTimeThatDay.get(5)!) + 15);
      // Early days read CPL over the ceiling; the lines say what the rules judged across the conversion lag.
      expect(story).toMatch(/the rules set conversions against the forecast and spend of 20 s earlier/);
      expect(lines.filter((line) => line.startsWith('Google Ads check: the flight runs 10m;'))).toHaveLength(1);
    } finally {
      await env.teardown();
      await db.drop();
    }
  }, 900_000);
});
