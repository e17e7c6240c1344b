// The `campaign-sla` command line: thin commander wiring over the command functions.
import { Command, InvalidArgumentError, Option } from 'commander';
import { backfillQuarter, describeQuarterlySchedule, installQuarterlySchedule } from '../../runtime/schedule';
import { approveCommand } from '../../reports/approveCommand';
import { decisionAttempts, recordDecisionAttempt } from '../../reports/decisionAudit';
import { issueApproverToken, listApproverTokens, revokeApproverTokens } from '../../reports/approverTokens';
import { redactUrl } from '../../runtime/postgres';
import { buildScorecard, scorecardCsv, scorecardMarkdown } from '../../reports/scorecard';
import { listCampaigns } from '../../reports/workflowReads';
import { formatDuration } from '../../sla/duration';
import { amendCampaign, campaignStatus, parseHealth, startCampaign } from './campaigns';
import { CommandContext } from './context';
import { contactEvent, dispositionEvent, importLeads, leadStatus, readLeadFile, recordLeadEvent } from './leads';
import { readCampaignFile } from './campaignFiles';
import { decideProposal, listProposals } from './proposals';
import { breaches, parseSince, quarterReport, unknownInLedger, withLedger } from './ledgerReports';
import { renderLead, renderReport } from './reportOutput';
import { money, pct, renderFacts, renderTable } from './output';
import { badInput, notFound, oneLine } from './errors';
import { idSchema } from '../../sla/config/fields';
import { quoteInput } from '../../sla/ids';
import { checkCrmCommand, repairCommand, replayCommand, setupNamespace } from './operations';

export interface ProgramIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  now: () => Date;
}

type JsonFlag = { json?: boolean };

export function buildProgram(ctx: CommandContext, io: ProgramIo): Command {
  const program = new Command('campaign-sla')
    .description('Run and inspect Marketing + Ops SLA campaigns on Temporal')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .addHelpText('after', '\nThe dashboard has its own entry point: npm run dashboard [-- --port 8080]')
    .exitOverride();

  /** Prints JSON with --json, else the human rendering. */
  const emit = <T>(opts: JsonFlag, data: T, human: (data: T) => string) =>
    io.stdout(`${opts.json ? JSON.stringify(data, null, 2) : human(data)}\n`);
  const withJson = (command: Command) => command.option('--json', 'print JSON instead of a table');

  withJson(
    program
      .command('start')
      .argument('<campaign.yaml>')
      .description('validate a campaign file and start its SLA workflow'),
  ).action(async (file: string, opts: JsonFlag) => {
    const campaign = await readCampaignFile(file);
    const started = await startCampaign(await ctx.client(), campaign);
    emit(opts, started, (s) => `started campaign ${s.campaignId} (workflow ${s.workflowId}, run ${s.runId})`);
  });

  withJson(
    program
      .command('list')
      .description('list campaigns from Temporal visibility')
      .option(
        '--health <health>',
        'only campaigns with this SLA health (healthy, at-risk, breaching)',
        parseOption(parseHealth),
      )
      .option('--pending-approval', 'only campaigns with a proposal waiting for approval')
      .addOption(
        new Option('--status <status>', 'running campaigns or all').choices(['running', 'all']).default('running'),
      ),
  ).action(
    async (
      opts: JsonFlag & {
        health?: ReturnType<typeof parseHealth>;
        pendingApproval?: boolean;
        status: 'running' | 'all';
      },
    ) => {
      const rows = await listCampaigns(await ctx.client(), opts);
      emit(opts, rows, (r) =>
        renderTable(
          r,
          [
            { header: 'campaign', value: (x) => x.campaignId },
            { header: 'status', value: (x) => x.status },
            { header: 'health', value: (x) => x.health },
            { header: 'open clocks', value: (x) => x.openClocks },
            { header: 'breached', value: (x) => x.breachedLeads },
            { header: 'compliance', value: (x) => pct(x.responseCompliance) },
            { header: 'burn %', value: (x) => x.budgetSpentPct },
            { header: 'velocity %', value: (x) => x.velocityPct },
            { header: 'pending approval', value: (x) => x.pendingApproval },
          ],
          'no campaigns match',
        ),
      );
    },
  );

  withJson(program.command('status').argument('<id>').description("a campaign's live SLA state")).action(
    async (id: string, opts: JsonFlag) => {
      const state = await campaignStatus(await ctx.client(), id);
      emit(
        opts,
        state,
        (s) =>
          renderFacts([
            ['campaign', s.campaignId],
            ['status', s.status],
            ['health', s.health],
            ['quarter', s.quarter],
            ['config version', s.configVersion],
            ['open leads', s.openLeads],
            ['open clocks', s.openClocks],
            ['next deadline', s.nextDeadline],
            ['breached leads', s.breachedLeads],
            ...s.compliance.targets.map((t): [string, string | null] => [
              `within ${formatDuration(t.withinMs)} (target ${pct(t.target)})`,
              pct(t.actual),
            ]),
            [
              'spend / budget',
              s.latestSnapshot ? `${money(s.latestSnapshot.spend)} / ${money(s.latestSnapshot.budget)}` : null,
            ],
            [
              'conversions / forecast',
              s.latestSnapshot ? `${s.latestSnapshot.conversions} / ${s.latestSnapshot.forecast.toFixed(1)}` : null,
            ],
            [
              'CPL (band)',
              s.latestSnapshot
                ? `${money(s.latestSnapshot.cpl) ?? '-'} (${money(s.latestSnapshot.cplBand.low)}-${money(s.latestSnapshot.cplBand.high)})`
                : null,
            ],
            [
              'first-touch clocks',
              `${s.compliance.leads} started = ${s.compliance.met} met + ${s.compliance.breached} breached + ${s.compliance.pending} pending + ${s.compliance.closedUntouched} closed untouched`,
            ],
            // Workers of earlier releases answer without milestones.
            ...(s.milestones ?? []).map((m): [string, string] => [
              `milestone ${m.name}`,
              `${m.started} started = ${m.met} met + ${m.breached} breached + ${m.stopped} stopped + ${m.pending} pending` +
                ` (${m.pausedNow} paused now); on time ${pct(m.share)}; stopped ${formatDuration(Math.round(m.pausedMs / 60_000) * 60_000)}`,
            ]),
            ['pending proposals', s.proposals.filter((p) => p.status === 'pending').length],
            ['routes waiting for the CRM', s.routing.pendingRoutes],
            [
              'out of rotation',
              s.routing.outOfRotation.map((r) => `${r.repId} until ${r.until}`).join(', ') || 'nobody',
            ],
            ['deactivated in the CRM', s.routing.inactiveReps.join(', ') || 'nobody'],
            [
              'CRM API (org, rolling 24 h)',
              s.crmApiUsage
                ? `${s.crmApiUsage.used} of ${s.crmApiUsage.max} calls, as of ${s.crmApiUsage.at}`
                : 'no poll yet',
            ],
            [
              'Google Ads API (worker, rolling 24 h)',
              s.adsApiUsage
                ? `${s.adsApiUsage.used} operations${s.adsApiUsage.limit === null ? '' : ` of ${s.adsApiUsage.limit}`}, as of ${s.adsApiUsage.at}`
                : 'no check yet',
            ],
          ]) +
          '\n\nBy rep (each outcome to the rep who held the lead when it was decided):\n' +
          renderTable(Object.entries(s.compliance.byOwner), [
            { header: 'rep', value: ([rep]) => rep },
            { header: 'started', value: ([, f]) => f.leads },
            { header: 'met', value: ([, f]) => f.met },
            { header: 'breached', value: ([, f]) => f.breached },
            { header: 'pending', value: ([, f]) => f.pending },
            { header: 'closed untouched', value: ([, f]) => f.closedUntouched },
            { header: 'rescues', value: ([, f]) => f.rescues },
            ...s.compliance.targets.map((t, i) => ({
              header: `within ${formatDuration(t.withinMs)}`,
              value: ([, f]: [string, (typeof s.compliance.byOwner)[string]]) => pct(f.targets[i]?.actual ?? null),
            })),
          ]),
      );
    },
  );

  const leads = program.command('leads').description('lead intake');
  withJson(
    leads.command('add').argument('<id>').argument('<file>', 'CSV (leadId,tier,ownerId,createdAt) or JSON array'),
  ).action(async (id: string, file: string, opts: JsonFlag) => {
    const leadRows = await readLeadFile(file);
    const summary = await importLeads(await ctx.client(), id, leadRows, (sent, total) => {
      if (total > 500) io.stderr(`sent ${sent}/${total} leads\n`);
    });
    emit(
      opts,
      summary,
      (s) =>
        `${s.leads} leads: ${s.admitted} admitted, ${s.duplicates} duplicates (${s.batches} batch${s.batches === 1 ? '' : 'es'})`,
    );
  });

  withJson(
    program
      .command('touch')
      .argument('<id>')
      .argument('<leadId>')
      .description('record a contact attempt')
      .requiredOption('--channel <channel>', 'call, email, sms, meeting, social or other')
      .option('--at <iso>', 'when it happened (default now)')
      .option('--event-id <id>', 'idempotency key (default: a hash of the inputs)'),
  ).action(async (id: string, leadId: string, opts: JsonFlag & { channel: string; at?: string; eventId?: string }) => {
    const event = contactEvent(id, leadId, opts.channel, { at: opts.at, eventId: opts.eventId, now: io.now() });
    const outcome = await recordLeadEvent(await ctx.client(), id, event);
    emit(opts, outcome, (o) => `lead ${o.leadId}: contact ${o.result} (event ${o.eventId}, status ${o.status})`);
  });

  withJson(
    program
      .command('disposition')
      .argument('<id>')
      .argument('<leadId>')
      .argument('<decision>', 'accept or reject')
      .description("record Ops' accept/reject decision on a lead")
      .option('--reason <reason>', 'disposition reason, e.g. "Not ICP"')
      .option('--at <iso>', 'when it was decided (default now)')
      .option('--event-id <id>', 'idempotency key (default: a hash of the inputs)'),
  ).action(
    async (
      id: string,
      leadId: string,
      decision: string,
      opts: JsonFlag & { reason?: string; at?: string; eventId?: string },
    ) => {
      const event = dispositionEvent(id, leadId, decision, opts.reason, {
        at: opts.at,
        eventId: opts.eventId,
        now: io.now(),
      });
      const outcome = await recordLeadEvent(await ctx.client(), id, event);
      emit(opts, outcome, (o) => `lead ${o.leadId}: ${decision} ${o.result} (event ${o.eventId}, status ${o.status})`);
    },
  );

  withJson(
    program.command('lead').argument('<id>').argument('<leadId>').description("an open lead's clocks and history"),
  ).action(async (id: string, leadId: string, opts: JsonFlag) => {
    emit(opts, await leadStatus(await ctx.client(), id, leadId), renderLead);
  });

  withJson(program.command('proposals').argument('<id>').description('budget proposals of a campaign')).action(
    async (id: string, opts: JsonFlag) => {
      const proposals = await listProposals(await ctx.client(), id);
      emit(opts, proposals, (rows) =>
        [
          renderTable(
            rows,
            [
              { header: 'proposal', value: (p) => p.proposalId },
              { header: 'status', value: (p) => p.status },
              { header: 'action', value: (p) => p.action },
              { header: 'target budget', value: (p) => money(p.targetBudget) },
              { header: 'reason', value: (p) => p.reason },
              { header: 'expires', value: (p) => p.expiresAt },
              { header: 'decided by', value: (p) => p.decidedBy },
            ],
            'no proposals',
          ),
          ...rows.filter((p) => p.status === 'pending').map((p) => `approve: ${approveCommand(id, p.proposalId)}`),
        ].join('\n'),
      );
    },
  );

  for (const decision of ['approve', 'reject'] as const) {
    withJson(
      program
        .command(decision)
        .argument('<id>')
        .argument('<proposalId>')
        .description(`${decision} a budget proposal (approvers are listed in the campaign's approvals.approvers)`)
        .requiredOption('--as <approver>', 'your approver ID')
        .requiredOption('--reason <reason>', 'why (recorded in the ledger)'),
    ).action(async (id: string, proposalId: string, opts: JsonFlag & { as: string; reason: string }) => {
      const { pool, url } = ctx.ledger();
      const proposal = await decideProposal(
        await ctx.client(),
        id,
        { proposalId, decision, approver: opts.as, reason: opts.reason },
        // No ledger, no audit row: the decision itself is the workflow's, so it stands, but the operator is told.
        (attempt) =>
          recordDecisionAttempt(pool, attempt).catch((err: unknown) =>
            console.error(
              `campaign-sla: this ${attempt.outcome} attempt is not in the audit (ledger at ${redactUrl(url)}: ${(err as Error).message})`,
            ),
          ),
      );
      emit(opts, proposal, (p) => `proposal ${p.proposalId}: ${p.status}${p.outcome ? ` — ${p.outcome}` : ''}`);
    });
  }

  withJson(
    program
      .command('amend')
      .argument('<id>')
      .argument('<campaign.yaml>')
      .description('amend the SLA (applies to new leads)'),
  ).action(async (id: string, file: string, opts: JsonFlag) => {
    const campaign = await readCampaignFile(file);
    const outcome = await amendCampaign(await ctx.client(), id, campaign);
    emit(opts, outcome, (o) => `campaign ${id} now on config version ${o.configVersion} (applies to ${o.appliesTo})`);
  });

  withJson(
    program
      .command('report')
      .argument('<id>')
      .description(
        "a quarter's report from the ledger: the stored one of a closed quarter, or the current quarter to date",
      )
      .option('--quarter <quarter>', 'e.g. 2027-Q1 (default: the current quarter in the campaign time zone)')
      .option('--quarter-to-date', 'the current quarter so far, computed from the ledger'),
  ).action(async (id: string, opts: JsonFlag & { quarter?: string; quarterToDate?: boolean }) => {
    const { pool, url } = ctx.ledger();
    const report = await withLedger(pool, url, (q) =>
      quarterReport(q, id, { quarter: opts.quarter, toDate: opts.quarterToDate, now: io.now() }),
    );
    emit(opts, report, renderReport);
  });

  withJson(
    program
      .command('decisions')
      .argument('<id>')
      .description('every attempt to decide a proposal, accepted or refused, with its channel and why (the audit)'),
  ).action(async (id: string, opts: JsonFlag) => {
    const { pool, url } = ctx.ledger();
    const rows = await withLedger(pool, url, () => decisionAttempts(pool, id));
    emit(opts, rows, (r) =>
      renderTable(
        r,
        [
          { header: 'at', value: (a) => a.at },
          { header: 'proposal', value: (a) => a.proposalId },
          { header: 'decision', value: (a) => a.decision },
          { header: 'by', value: (a) => a.approver },
          { header: 'channel', value: (a) => a.channel },
          { header: 'outcome', value: (a) => a.outcome },
          { header: 'detail', value: (a) => a.detail },
        ],
        'no decision attempts',
      ),
    );
  });

  const token = program
    .command('token')
    .description('approver tokens for the dashboard login (DASHBOARD_AUTH=tokens); only their hashes are stored');
  token
    .command('issue')
    .argument('<approver>')
    .description("issue a token for an approver ID (one listed in a campaign's approvals.approvers); shown once")
    .action(async (approver: string) => {
      if (!idSchema.safeParse(approver).success) throw badInput(`approver: ${quoteInput(approver)} is not an ID`);
      const { pool, url } = ctx.ledger();
      const issued = await withLedger(pool, url, () => issueApproverToken(pool, approver));
      io.stdout(`${issued}\n`);
      io.stderr(
        `campaign-sla: token for ${approver} issued; it is not shown again (revoke: campaign-sla token revoke ${approver})\n`,
      );
    });
  token
    .command('revoke')
    .argument('<approver>')
    .description('revoke every token of an approver')
    .action(async (approver: string) => {
      const { pool, url } = ctx.ledger();
      const revoked = await withLedger(pool, url, () => revokeApproverTokens(pool, approver));
      if (revoked === 0) throw notFound(`no live token for approver ${quoteInput(approver)}`);
      io.stdout(`revoked ${revoked} token${revoked === 1 ? '' : 's'} of ${approver}\n`);
    });
  withJson(token.command('list').description('issued tokens: approver, hash prefix, issued and revoked times')).action(
    async (opts: JsonFlag) => {
      const { pool, url } = ctx.ledger();
      const rows = await withLedger(pool, url, () => listApproverTokens(pool));
      emit(opts, rows, (r) =>
        renderTable(
          r,
          [
            { header: 'approver', value: (t) => t.approver },
            { header: 'hash', value: (t) => t.hashPrefix },
            { header: 'issued', value: (t) => t.issuedAt },
            { header: 'revoked', value: (t) => t.revokedAt },
          ],
          'no tokens issued',
        ),
      );
    },
  );

  withJson(
    program
      .command('breaches')
      .argument('<id>')
      .description('breached clocks from the ledger')
      .option('--since <since>', 'ISO time or look-back like 24h'),
  ).action(async (id: string, opts: JsonFlag & { since?: string }) => {
    const since = opts.since === undefined ? undefined : parseSince(opts.since, io.now());
    const { pool, url } = ctx.ledger();
    const rows = await withLedger(pool, url, (q) => breaches(q, id, since));
    emit(opts, rows, (r) =>
      renderTable(
        r,
        [
          { header: 'breached at', value: (b) => b.breachedAt },
          { header: 'lead', value: (b) => b.leadId },
          { header: 'clock', value: (b) => b.clock },
          { header: 'tier', value: (b) => b.tier },
          { header: 'owner', value: (b) => b.ownerId },
          { header: 'escalation', value: (b) => b.steps.map((s) => s.step).join(' > ') },
        ],
        'no breaches',
      ),
    );
  });

  withJson(
    program
      .command('scorecard')
      .argument('<id>')
      .description('weekly SLA scorecard (CSV or markdown) from the ledger')
      .option('--week <date>', 'any day of the week, YYYY-MM-DD (default this week)')
      .addOption(new Option('--format <format>', 'output format').choices(['csv', 'md']).default('md')),
  ).action(async (id: string, opts: JsonFlag & { week?: string; format: 'csv' | 'md' }) => {
    const { pool, url } = ctx.ledger();
    const card = await withLedger(pool, url, (q) =>
      buildScorecard(q, id, { week: opts.week, now: io.now() }).catch((err: Error) => {
        throw err.message.startsWith('--week') ? badInput(err.message) : err;
      }),
    );
    if (!card) throw unknownInLedger(id);
    emit(opts, card, (c) => (opts.format === 'csv' ? scorecardCsv(c) : scorecardMarkdown(c)).trimEnd());
  });

  const schedule = program.command('schedule').description('the quarterly reset Schedule');
  withJson(
    schedule
      .command('install')
      .description('create or update the schedule (idempotent)')
      .option('--timezone <zone>', 'IANA zone of quarter boundaries', 'UTC')
      .option('--paused', 'install paused'),
  ).action(async (opts: JsonFlag & { timezone: string; paused?: boolean }) => {
    const client = await ctx.client();
    const result = await installQuarterlySchedule(client, { timezone: opts.timezone, paused: opts.paused }).catch(
      (err: Error) => {
        throw err.message.startsWith('timezone:') ? badInput(err.message) : err;
      },
    );
    emit(
      opts,
      result,
      (r) =>
        `${r.created ? 'created' : 'updated'} schedule ${r.summary.scheduleId}; next fires: ${r.summary.nextFireTimes.slice(0, 2).join(', ')}`,
    );
  });
  withJson(schedule.command('describe').description('next fire times, recent runs and spec')).action(
    async (opts: JsonFlag) => {
      const summary = await describeQuarterlySchedule(await ctx.client());
      emit(opts, summary, (s) =>
        renderFacts([
          ['schedule', s.scheduleId],
          ['time zone', s.timezone],
          ['overlap', s.overlap],
          ['catch-up window', formatDuration(s.catchupWindowMs)],
          ['paused', s.paused],
          ['next fire times', s.nextFireTimes.slice(0, 4).join('\n')],
          ['actions taken', s.actionsTaken],
          ['recent runs', s.recentActions.map((a) => `${a.scheduledAt} ${a.workflowId}`).join('\n') || null],
        ]),
      );
    },
  );
  withJson(
    schedule
      .command('backfill')
      .argument('<quarter>', 'the quarter to close, e.g. 2027-Q1')
      .description('re-run the reset that closes a quarter'),
  ).action(async (quarter: string, opts: JsonFlag) => {
    const client = await ctx.client();
    const result = await backfillQuarter(client, quarter).catch((err: Error) => {
      throw err.message.startsWith('invalid quarter') ? badInput(err.message) : err;
    });
    emit(opts, result, (r) => `backfilled the reset closing ${r.quarter} (fire time ${r.firesAt})`);
  });

  withJson(
    program
      .command('setup-namespace')
      .description('admin, once per cluster: create the namespace if missing and the search attributes')
      .option('--retention <duration>', 'retention of closed workflows in a namespace created here', '30d'),
  ).action(async (opts: JsonFlag & { retention: string }) => {
    const setup = await setupNamespace(await ctx.client(), opts.retention);
    emit(opts, setup, (s) =>
      [
        `namespace ${s.namespace}: ${s.namespaceCreated ? 'created' : 'exists'}`,
        ...s.searchAttributes.map(
          (a) =>
            `search attribute ${a.name} (${a.type}): ${s.searchAttributesAdded.includes(a.name) ? 'added' : 'ready'}`,
        ),
      ].join('\n'),
    );
  });

  withJson(
    program
      .command('check-crm')
      .description(
        'admin: check the Salesforce org (SALESFORCE_* settings) for the fields the adapter reads and writes, as a worker does at start; exit 1 naming each fix',
      ),
  ).action(async (opts: JsonFlag) => {
    const check = await checkCrmCommand(process.env);
    emit(opts, check, (c) => `the Salesforce org is set up for campaign-sla (${c.described.join(' and ')} described)`);
  });

  withJson(
    program
      .command('replay')
      .description(
        'replay running and recent workflows (campaigns, quarterly resets) against the workflow code to deploy; exit 1 on nondeterminism',
      )
      .option('--since <duration|time>', 'also workflows closed since then', '7d')
      .option('--query <visibility query>', 'replay these workflows instead (Temporal visibility query)')
      .option('--bundle <path>', 'the prebuilt bundle to check (npm run build: dist/workflow-bundle.js)'),
  ).action(async (opts: JsonFlag & { since: string; query?: string; bundle?: string }) => {
    const report = await replayCommand(await ctx.client(), opts, parseSince(opts.since, io.now()), (line) =>
      io.stderr(`${line}\n`),
    );
    emit(opts, report, (r) => {
      const types = Object.entries(r.workflowTypes).map(([type, count]) => `${type} ${count}`);
      return `replayed ${r.replayed} histories${types.length ? ` (${types.join(', ')})` : ''} against ${r.bundle}: deterministic`;
    });
  });

  withJson(
    program
      .command('repair')
      .argument('<id>')
      .description(
        'find the first workflow task a stuck campaign no longer replays (TMPRL1100) and print the reset; --apply resets the campaign to it',
      )
      .option(
        '--apply',
        'reset the campaign to that task (its Updates and signals after it are applied again); only a run its workers fail',
      )
      .option('--force', "with --apply: reset even though the workers complete the run's tasks")
      .option(
        '--bundle <path>',
        'the workflow code to replay (default: dist/workflow-bundle.js, what the workers run)',
      ),
  ).action(async (campaignId: string, opts: JsonFlag & { apply?: boolean; force?: boolean; bundle?: string }) => {
    const outcome = await repairCommand(await ctx.client(), campaignId, opts);
    emit(opts, outcome, (o) => {
      const task = o.nondeterministic;
      if (!task) return `campaign ${o.campaignId} (run ${o.runId}) replays against ${o.bundle}: nothing to repair`;
      const found = `campaign ${o.campaignId} (run ${o.runId}): the workflow task completed at event ${task.completedEventId} (${task.completedAt}, after ${task.tasksBefore} tasks that replay) no longer replays against ${o.bundle}: ${oneLine(task.message)}`;
      if (o.resetRunId) return `${found}\nreset to it: new run ${o.resetRunId}`;
      if (!o.failing)
        return `${found}\nbut its workers complete its workflow tasks: that bundle is not the code they run, and the campaign needs no reset`;
      return `${found}\nto reset to it: campaign-sla repair ${o.campaignId} --apply, or\n  ${o.resetCommand}`;
    });
  });

  return program;
}

/** Adapts a validator that throws into commander's option parser, so bad values are usage errors. */
function parseOption<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}
