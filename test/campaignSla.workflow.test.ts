// The seeds' lead-response scenarios on the time-skipping test server: real worker, real ledger,
// sandbox Ads/CRM. Each test runs its own campaign workflow.
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { campaignSla } from '../workflows/campaignSla';
import {
  admitLeadsUpdate,
  campaignWorkflowId,
  leadQuery,
  recordLeadEventsUpdate,
  slaStateQuery,
} from '../workflows/messages';
import { salesforceId } from '../activities/crm/salesforceIds';
import { seedTermsConfig } from './support/campaignConfig';
import { terminateWhenIdle, useCampaignHarness } from './support/temporal';

const TASK_QUEUE = 'campaign-sla-workflow-test';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const h = useCampaignHarness({ server: 'time-skipping', taskQueue: TASK_QUEUE });

async function startCampaign(config: Record<string, unknown>): Promise<WorkflowHandle<typeof campaignSla>> {
  const id = (config.campaign as { id: string }).id;
  return h.env.client.workflow.start(campaignSla, {
    taskQueue: TASK_QUEUE,
    workflowId: campaignWorkflowId(id),
    args: [{ config, publishSearchAttributes: false }],
  });
}

const now = async () => (await h.env.currentTimeMs()) as number;
const iso = (ms: number) => new Date(ms).toISOString();

async function rows<T>(sql: string, params: unknown[]): Promise<T[]> {
  return (await h.db.pool.query(sql, params)).rows as T[];
}

describe('campaignSla lead clocks (time-skipping)', () => {
  it('runs a 1-hour wall-clock tier: warning at 45 min, touch stops one clock, the other breaches and escalates', async () => {
    const wf = await startCampaign(seedTermsConfig({ id: 'tier-1h' }));
    const t0 = await now();
    await wf.executeUpdate(admitLeadsUpdate, {
      args: [
        {
          leads: [
            { leadId: 'L-fast', tier: 'high-intent', ownerId: 'rep-a', createdAt: iso(t0) },
            { leadId: 'L-slow', tier: 'high-intent', ownerId: 'rep-b', createdAt: iso(t0) },
          ],
        },
      ],
    });
    const started = Date.now();
    await h.env.sleep(46 * MINUTE);
    const lead = await wf.query(leadQuery, 'L-slow');
    expect(lead?.clocks.firstTouch?.deadline).toBe(iso(t0 + HOUR));
    expect(lead?.clocks.firstTouch?.warnedAt).toBe(iso(t0 + 45 * MINUTE));

    await wf.executeUpdate(recordLeadEventsUpdate, {
      args: [
        { events: [{ type: 'contact', leadId: 'L-fast', eventId: 'call-1', channel: 'call', at: iso(await now()) }] },
      ],
    });
    // Breach at 60 min, notify-owner at once, reassign 15 min later.
    await h.env.sleep(30 * MINUTE);
    expect(Date.now() - started).toBeLessThan(10_000);

    const state = await wf.query(slaStateQuery);
    expect(state.recentBreaches.map((b) => [b.leadId, b.clock])).toContainEqual(['L-slow', 'firstTouch']);
    expect(state.recentBreaches.some((b) => b.leadId === 'L-fast' && b.clock === 'firstTouch')).toBe(false);

    // The ledger holds the met clock with its elapsed time, and the breach with its first escalation step.
    const clocks = await rows<{
      lead_id: string;
      met_at: Date | null;
      breached_at: Date | null;
      elapsed_wall_ms: string | null;
    }>(
      `SELECT lead_id, met_at, breached_at, elapsed_wall_ms FROM clocks WHERE campaign_id = $1 AND clock = 'firstTouch' ORDER BY lead_id`,
      ['tier-1h'],
    );
    expect(clocks[0]).toMatchObject({ lead_id: 'L-fast', breached_at: null });
    expect(Number(clocks[0].elapsed_wall_ms)).toBeGreaterThanOrEqual(46 * MINUTE);
    expect(clocks[1].lead_id).toBe('L-slow');
    expect(clocks[1].breached_at?.getTime()).toBe(t0 + HOUR);
    const steps = await rows<{ step: string }>(
      `SELECT step FROM escalation_steps WHERE campaign_id = $1 AND lead_id = 'L-slow' AND clock = 'firstTouch' ORDER BY step_index`,
      ['tier-1h'],
    );
    expect(steps.map((s) => s.step)).toEqual(['notify-owner', 'reassign']);
    expect(h.handle.alerts.some((a) => a.dedupeKey === 'tier-1h:L-slow:firstTouch:warning')).toBe(true);
    expect(h.handle.alerts.some((a) => a.dedupeKey === 'tier-1h:L-fast:firstTouch:breach')).toBe(false);
    await terminateWhenIdle(wf, 'test done');
  });

  it('reports the open leads each owner holds, owners named like Object.prototype members included', async () => {
    const wf = await startCampaign(seedTermsConfig({ id: 'owner-load' }));
    const t = iso(await now());
    const leads = [
      ['L-1', 'rep-a'],
      ['L-2', 'rep-a'],
      ['L-3', 'hasOwnProperty'],
      ['L-4', 'constructor'],
    ].map(([leadId, ownerId]) => ({ leadId, tier: 'standard', ownerId, createdAt: t }));
    await wf.executeUpdate(admitLeadsUpdate, { args: [{ leads }] });
    const load = (await wf.query(slaStateQuery)).openLeadsByOwner;
    expect(Object.entries(load).sort()).toEqual([
      ['constructor', 1],
      ['hasOwnProperty', 1],
      ['rep-a', 2],
    ]);
    expect(Object.getPrototypeOf(load)).toBe(Object.prototype);
    await terminateWhenIdle(wf);
  });

  it('wakes for every Update without cancelling its deadline timer, and starts one only for an earlier deadline', async () => {
    const wf = await startCampaign(seedTermsConfig({ id: 'standing-timers' }));
    const t0 = await now();
    const admit = (leadId: string, tier: string, at: number) =>
      wf.executeUpdate(admitLeadsUpdate, {
        args: [{ leads: [{ leadId, tier, ownerId: 'rep-a', createdAt: iso(at) }] }],
      });
    await admit('L-first', 'standard', t0);
    // The loop's own wake-up timers; a publish without search attributes starts one of its own ('next publish').
    const wakeUpTimers = (events: Awaited<ReturnType<typeof wf.fetchHistory>>['events']) =>
      (events ?? []).filter(
        (e) =>
          e.timerStartedEventAttributes &&
          !Buffer.from(e.userMetadata?.summary?.data ?? [])
            .toString()
            .includes('next publish'),
      ).length;
    const timersBefore = wakeUpTimers((await wf.fetchHistory()).events);
    // Twenty wake-ups whose deadlines all come after L-first's: the timer already running serves them all
    // (a timer or two may start to publish the summary, which is refreshed at most every 10 s).
    for (let i = 0; i < 20; i++) await admit(`L-later-${i}`, 'standard', await now());
    await h.env.sleep(MINUTE);
    const quiet = (await wf.fetchHistory()).events ?? [];
    expect(quiet.filter((e) => e.timerCanceledEventAttributes)).toHaveLength(0);
    expect(wakeUpTimers(quiet) - timersBefore).toBeLessThan(5);

    // A high-intent lead's 1 h deadline comes first: a timer starts for it and fires on time.
    const t1 = await now();
    await admit('L-urgent', 'high-intent', t1);
    await h.env.sleep(HOUR + MINUTE);
    const breach = (await wf.query(slaStateQuery)).recentBreaches.find((b) => b.leadId === 'L-urgent');
    expect(breach).toMatchObject({ clock: 'firstTouch', at: iso(t1 + HOUR) });
    const events = (await wf.fetchHistory()).events ?? [];
    expect(events.filter((e) => e.timerCanceledEventAttributes)).toHaveLength(0);
    await terminateWhenIdle(wf);
  });

  it('gives a Friday-evening standard lead its 24 business hours: due Wednesday 17:00 local', async () => {
    const zone = 'America/New_York';
    const current = DateTime.fromMillis(await now(), { zone });
    // Next Friday 18:00 local, at least a day ahead so the campaign is running before it.
    let friday = current.plus({ days: 1 }).set({ hour: 18, minute: 0, second: 0, millisecond: 0 });
    while (friday.weekday !== 5) friday = friday.plus({ days: 1 });
    const wf = await startCampaign({
      ...seedTermsConfig({ id: 'friday-evening' }),
      calendars: {
        default: {
          timezone: zone,
          hours: {
            mon: [['09:00', '17:00']],
            tue: [['09:00', '17:00']],
            wed: [['09:00', '17:00']],
            thu: [['09:00', '17:00']],
            fri: [['09:00', '17:00']],
          },
        },
      },
    });
    await h.env.sleep(friday.toMillis() - (await now()));
    await wf.executeUpdate(admitLeadsUpdate, {
      args: [
        { leads: [{ leadId: 'L-friday', tier: 'standard', ownerId: 'rep-a', createdAt: friday.toISO() as string }] },
      ],
    });
    // Mon 09–17, Tue 09–17, Wed 09–17 = 24 business hours.
    const wednesday17 = friday.plus({ days: 5 }).set({ hour: 17 });
    // 75% warning = 18 business hours: Mon 8 + Tue 8 + Wed 09:00–11:00.
    const wednesday11 = friday.plus({ days: 5 }).set({ hour: 11 });
    const lead = await wf.query(leadQuery, 'L-friday');
    expect(lead?.clocks.firstTouch?.deadline).toBe(iso(wednesday17.toMillis()));
    expect(lead?.clocks.firstTouch?.warnAt).toBe(iso(wednesday11.toMillis()));

    await h.env.sleep(wednesday17.toMillis() - (await now()) - MINUTE);
    let state = await wf.query(slaStateQuery);
    expect(state.recentBreaches.find((b) => b.leadId === 'L-friday' && b.clock === 'firstTouch')).toBeUndefined();
    await h.env.sleep(2 * MINUTE);
    state = await wf.query(slaStateQuery);
    expect(state.recentBreaches.find((b) => b.leadId === 'L-friday' && b.clock === 'firstTouch')?.at).toBe(
      iso(wednesday17.toMillis()),
    );
    // A call a minute after 17:00, when no business time has passed since: the breach stands, and the 24 h target
    // is missed with it (figures counted business time elapsed ≤ T before patch within-at-reach, and said within).
    const eveningCall = iso(await now());
    await wf.executeUpdate(recordLeadEventsUpdate, {
      args: [
        {
          events: [
            {
              type: 'contact',
              leadId: 'L-friday',
              eventId: 'evening-call',
              channel: 'call',
              at: eveningCall,
            },
          ],
        },
      ],
    });
    state = await wf.query(slaStateQuery);
    expect(state.compliance).toMatchObject({ breached: 1, met: 0, touched: 1 });
    expect(state.compliance.targets.find((t) => t.withinMs === 24 * HOUR)).toMatchObject({ within: 0, missed: 1 });
    await terminateWhenIdle(wf, 'test done');
  });

  it('reassigns a lead twice, round-robin in its pool, then returns it to nurture', async () => {
    const wf = await startCampaign(
      seedTermsConfig({
        id: 'reassign-twice',
        nurtureStatus: 'Recycled - Nurture',
        escalation: [
          { step: 'notify-owner', after: '0s' },
          { step: 'reassign', pool: 'inbound', after: '10m' },
          { step: 'reassign', pool: 'inbound', after: '20m' },
          { step: 'notify-manager', after: '30m' },
          { step: 'return-to-nurture', after: '40m' },
        ],
      }),
    );
    const t0 = await now();
    await wf.executeUpdate(admitLeadsUpdate, {
      args: [{ leads: [{ leadId: 'L-orphan', tier: 'high-intent', ownerId: 'rep-b', createdAt: iso(t0) }] }],
    });
    await h.env.sleep(HOUR + 45 * MINUTE);
    const steps = await rows<{ step: string; outcome: { from?: string; to?: string } }>(
      `SELECT step, outcome FROM escalation_steps WHERE campaign_id = $1 AND lead_id = 'L-orphan' AND clock = 'firstTouch' ORDER BY step_index`,
      ['reassign-twice'],
    );
    expect(steps.map((s) => s.step)).toEqual([
      'notify-owner',
      'reassign',
      'reassign',
      'notify-manager',
      'return-to-nurture',
    ]);
    // Smooth weighted round-robin over rep-a (weight 2), rep-b, rep-c; rep-d is out of office; the owner is skipped.
    expect(steps[1].outcome).toMatchObject({ from: 'rep-b', to: 'rep-a' });
    expect(steps[2].outcome.from).toBe('rep-a');
    expect(['rep-b', 'rep-c']).toContain(steps[2].outcome.to);
    expect(h.handle.ports.sandboxCrm('reassign-twice').leadStatus('L-orphan')).toBe('Recycled - Nurture');
    expect(h.handle.ports.sandboxCrm('reassign-twice').leadOwner('L-orphan')).toBe(steps[2].outcome.to);
    expect(await wf.query(leadQuery, 'L-orphan')).toBeNull();
    await terminateWhenIdle(wf, 'test done');
  });

  it('a lead merged away in the CRM: its reassignment is refused for good, so it closes once instead of retrying', async () => {
    const wf = await startCampaign(seedTermsConfig({ id: 'merged-away' }));
    const t0 = await now();
    await wf.executeUpdate(admitLeadsUpdate, {
      args: [{ leads: [{ leadId: 'L-dup', tier: 'high-intent', ownerId: 'rep-a', createdAt: iso(t0) }] }],
    });
    // Someone merges the duplicate into another lead before its breach (60 min) and reassignment (75 min).
    await h.env.sleep(5 * MINUTE);
    h.handle.ports.sandboxCrm('merged-away').removeLead('L-dup', 'L-master');
    await h.env.sleep(3 * HOUR);
    expect(await wf.query(leadQuery, 'L-dup')).toBeNull();
    const steps = await rows<{ step: string }>(
      `SELECT step FROM escalation_steps WHERE campaign_id = $1 AND lead_id = 'L-dup' ORDER BY step_index`,
      ['merged-away'],
    );
    expect(steps.map((s) => s.step)).toEqual(['notify-owner']);
    const events = await rows<{ kind: string; detail: unknown }>(
      `SELECT kind, detail FROM lead_events WHERE campaign_id = $1 AND lead_id = 'L-dup' AND kind = 'removed'`,
      ['merged-away'],
    );
    expect(events).toEqual([{ kind: 'removed', detail: { mergedInto: 'L-master' } }]);
    expect(await h.handle.ledger.openLeadIds('merged-away', 10)).toEqual([]);
    const removedAlerts = h.handle.alerts.filter((a) => a.dedupeKey === 'merged-away:lead-removed:L-dup');
    expect(removedAlerts.length).toBeGreaterThanOrEqual(1);
    expect(removedAlerts[0].text).toContain('merged into lead L-master');
    const state = await wf.query(slaStateQuery);
    expect(state.compliance).toMatchObject({ leads: 1, breached: 1, pending: 0 });
    await terminateWhenIdle(wf, 'test done');
  });

  it('a lead deleted in the CRM before its deadline, found by the poll after it: no breach, closed when it left', async () => {
    const wf = await startCampaign(seedTermsConfig({ id: 'deleted-in-crm', crmPollEvery: '5m' }));
    const t0 = await now();
    const leadId = salesforceId('00Q', 900_001);
    await wf.executeUpdate(admitLeadsUpdate, {
      args: [{ leads: [{ leadId, tier: 'high-intent', ownerId: 'rep-a', createdAt: iso(t0) }] }],
    });
    // Deleted before the 60-minute deadline; the poll that finds it may come after the deadline has fired.
    await h.env.sleep(58 * MINUTE);
    h.handle.ports.sandboxCrm('deleted-in-crm').removeLead(leadId);
    await h.env.sleep(12 * MINUTE);
    expect(await wf.query(leadQuery, leadId)).toBeNull();
    const [removed] = await rows<{ at: Date }>(
      `SELECT at FROM lead_events WHERE campaign_id = $1 AND lead_id = $2 AND kind = 'removed'`,
      ['deleted-in-crm', leadId],
    );
    // When it left the CRM (the sandbox's time at the delete), not when the poll told.
    expect(removed.at.getTime()).toBeGreaterThanOrEqual(t0);
    expect(removed.at.getTime()).toBeLessThanOrEqual(t0 + 58 * MINUTE);
    const clocks = await rows<{ breached_at: Date | null; stopped_at: Date | null }>(
      `SELECT breached_at, stopped_at FROM clocks WHERE campaign_id = $1 AND lead_id = $2 AND clock = 'firstTouch'`,
      ['deleted-in-crm', leadId],
    );
    expect(clocks).toEqual([{ breached_at: null, stopped_at: removed.at }]);
    expect(await h.handle.ledger.openLeadIds('deleted-in-crm', 100_000)).not.toContain(leadId);
    await terminateWhenIdle(wf, 'test done');
  });

  it('a reassignment whose notification fails after the CRM took it is done once; its alert goes out later', async () => {
    const wf = await startCampaign(seedTermsConfig({ id: 'reassign-notify-down' }));
    const t0 = await now();
    // Another worker holds the reassign alert's lease: the step's own notification fails after the CRM write.
    const key = 'reassign-notify-down:L-1:firstTouch:step1';
    expect(await h.handle.ledger.leaseAlert(key, {}, HOUR)).toMatchObject({ lease: 'leased' });
    await wf.executeUpdate(admitLeadsUpdate, {
      args: [{ leads: [{ leadId: 'L-1', tier: 'high-intent', ownerId: 'rep-a', createdAt: iso(t0) }] }],
    });
    // Breach at 60 min, reassign at 75 min; before, the step failed and each retry moved the lead again.
    await h.env.sleep(HOUR + 20 * MINUTE);
    const lead = await wf.query(leadQuery, 'L-1');
    expect(lead).toMatchObject({ ownerId: 'rep-b', reassignments: 1 });
    expect(h.handle.ports.sandboxCrm('reassign-notify-down').leadOwner('L-1')).toBe('rep-b');
    const changes = await rows<{ detail: { to: string } }>(
      `SELECT detail FROM lead_events WHERE campaign_id = $1 AND lead_id = 'L-1' AND kind = 'owner-change'`,
      ['reassign-notify-down'],
    );
    expect(changes.map((c) => c.detail.to)).toEqual(['rep-b']);
    const sent = () =>
      rows<{ delivered: boolean; title: string }>(
        `SELECT delivered_at IS NOT NULL AS delivered, payload->>'title' AS title FROM alerts_sent WHERE dedupe_key = $1`,
        [key],
      );
    expect(await sent()).toMatchObject([{ delivered: false }]);
    // The lease frees up: the workflow's alert outbox, retrying, delivers the step's alert.
    await h.handle.ledger.releaseAlert(key, 'test: the other worker gave up');
    await h.env.sleep(2 * MINUTE);
    expect(await sent()).toEqual([{ delivered: true, title: 'Lead L-1 reassigned to rep-b' }]);
    await terminateWhenIdle(wf, 'test done');
  });

  it('computes the 80%/95% compliance figures for a synthetic day of 500 leads', async () => {
    const wf = await startCampaign(seedTermsConfig({ id: 'day-of-500', escalation: [] }));
    const t0 = await now();
    // All high-intent on wall time so both targets are measured the same way: 400 within 1h,
    // 75 more within 24h, 25 later. Touch times are spread deterministically and avoid the 45-minute
    // warning instant: the time-skipping test server rejects ("invalid history builder state") a
    // workflow task that completes an Update in the same activation as a fired timer.
    const leads = Array.from({ length: 500 }, (_, i) => ({
      leadId: `D-${i}`,
      tier: 'high-intent',
      ownerId: ['rep-a', 'rep-b', 'rep-c'][i % 3],
      createdAt: iso(t0),
    }));
    await wf.executeUpdate(admitLeadsUpdate, { args: [{ leads }] });
    const touchAfter = (i: number) =>
      i < 400 ? (6 + (i % 5) * 10) * MINUTE : i < 475 ? (2 + (i % 3) * 8) * HOUR : (26 + (i % 2) * 10) * HOUR;
    const order = leads.map((lead, i) => ({ lead, at: t0 + touchAfter(i) })).sort((a, b) => a.at - b.at);
    let cursor = 0;
    while (cursor < order.length) {
      const until = order[cursor].at;
      const wait = until - (await now());
      if (wait > 0) await h.env.sleep(wait);
      const batch = [];
      while (cursor < order.length && order[cursor].at <= until) batch.push(order[cursor++]);
      await wf.executeUpdate(recordLeadEventsUpdate, {
        args: [
          {
            events: batch.map(({ lead, at }) => ({
              type: 'contact' as const,
              leadId: lead.leadId,
              eventId: `t-${lead.leadId}`,
              channel: 'call' as const,
              at: iso(at),
            })),
          },
        ],
      });
    }
    const state = await wf.query(slaStateQuery);
    expect(state.compliance.targets.map((t) => [t.withinMs, t.actual, t.met])).toEqual([
      [HOUR, 0.8, true],
      [24 * HOUR, 0.95, true],
    ]);
    expect(state.compliance.touched).toBe(500);
    expect(state.compliance.breaches.firstTouch).toBe(100);
    await terminateWhenIdle(wf, 'test done');
  });

  it('refuses, once and for good, to restart a campaign ID with an edited config under the same version', async () => {
    const first = await startCampaign(seedTermsConfig({ id: 'restarted' }));
    while ((await rows(`SELECT 1 FROM campaign_config_versions WHERE campaign_id = $1`, ['restarted'])).length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await terminateWhenIdle(first, 'operator restarts it');
    const edited = seedTermsConfig({ id: 'restarted', crmPollEvery: '5m' });
    const second = await startCampaign(edited);
    // Polled, not awaited with result(): that unlocks time skipping, and the server then skips ahead to the
    // closed runs' 10-year execution timeouts, past every later test's campaign window.
    while ((await second.describe()).status.name === 'RUNNING')
      await new Promise((resolve) => setTimeout(resolve, 100));
    const history = await second.fetchHistory();
    const failure = history.events?.find((e) => e.workflowExecutionFailedEventAttributes)
      ?.workflowExecutionFailedEventAttributes?.failure;
    expect(String(failure?.message)).toBe(
      'campaign restarted cannot start: config version 1 of campaign restarted is already recorded with a different config; give the edited file a higher version, or amend the running campaign',
    );
    // Failed at once: one attempt of the activity, no retry loop.
    expect(history.events?.filter((e) => e.activityTaskStartedEventAttributes).length).toBe(1);
  });

  it('rejects bad lead input precisely and keeps running with its state intact', async () => {
    const wf = await startCampaign(seedTermsConfig({ id: 'bad-input' }));
    const t0 = await now();
    await wf.executeUpdate(admitLeadsUpdate, {
      args: [{ leads: [{ leadId: 'L-1', tier: 'standard', ownerId: 'rep-a', createdAt: iso(t0) }] }],
    });
    const reject = async (promise: Promise<unknown>) => {
      const err = await promise.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      return ((err as WorkflowUpdateFailedError).cause as Error).message;
    };
    expect(
      await reject(
        wf.executeUpdate(admitLeadsUpdate, {
          args: [{ leads: [{ leadId: 'L-2', tier: 'vip', ownerId: 'rep-a', createdAt: iso(t0) }] }],
        }),
      ),
    ).toContain('leads[0].tier: unknown tier "vip"');
    expect(
      await reject(
        wf.executeUpdate(admitLeadsUpdate, {
          args: [{ leads: [{ leadId: 'L-3', tier: 'standard', ownerId: 'rep-a', createdAt: iso(t0 + 2 * HOUR) }] }],
        }),
      ),
    ).toContain('leads[0].createdAt');
    expect(
      await reject(
        wf.executeUpdate(admitLeadsUpdate, {
          args: [{ leads: [{ leadId: 'jane@example.com', tier: 'standard', ownerId: 'rep-a', createdAt: iso(t0) }] }],
        }),
      ),
    ).toContain('leads[0].leadId');
    expect(
      await reject(
        wf.executeUpdate(admitLeadsUpdate, { args: [{ leads: [{ leadId: 'L-4', tier: 'standard' }] }] } as never),
      ),
    ).toContain('leads[0].ownerId');
    expect(
      await reject(
        wf.executeUpdate(recordLeadEventsUpdate, {
          args: [{ events: [{ type: 'contact', leadId: 'nobody', eventId: 'e1', channel: 'call', at: iso(t0) }] }],
        }),
      ),
    ).toContain('unknown lead "nobody"');
    expect(
      await reject(
        wf.executeUpdate(recordLeadEventsUpdate, {
          args: [
            {
              events: [
                {
                  type: 'disposition',
                  leadId: 'L-1',
                  eventId: 'd1',
                  decision: 'reject',
                  reason: 'Too expensive',
                  at: iso(t0),
                },
              ],
            },
          ],
        }),
      ),
    ).toContain('"Too expensive" is not an allowed disposition reason');
    expect(
      await reject(
        wf.executeUpdate(recordLeadEventsUpdate, {
          args: [{ events: [{ type: 'contact', leadId: 'L-1', eventId: 'c0', channel: 'call', at: iso(t0 - HOUR) }] }],
        }),
      ),
    ).toContain('before the lead was created');
    await wf.executeUpdate(recordLeadEventsUpdate, {
      args: [{ events: [{ type: 'stage', leadId: 'L-1', eventId: 's1', stage: 'SQL', at: iso(t0) }] }],
    });
    expect(
      await reject(
        wf.executeUpdate(recordLeadEventsUpdate, {
          args: [{ events: [{ type: 'stage', leadId: 'L-1', eventId: 's2', stage: 'MQL', at: iso(t0) }] }],
        }),
      ),
    ).toContain('out of order');

    // A duplicate lead is a no-op that reports the existing state.
    const duplicate = await wf.executeUpdate(admitLeadsUpdate, {
      args: [{ leads: [{ leadId: 'L-1', tier: 'high-intent', ownerId: 'rep-b', createdAt: iso(t0) }] }],
    });
    expect(duplicate).toEqual([{ leadId: 'L-1', result: 'duplicate', status: 'open', ownerId: 'rep-a' }]);
    const lead = await wf.query(leadQuery, 'L-1');
    expect(lead).toMatchObject({ tier: 'standard', ownerId: 'rep-a', stage: 'SQL' });
    const description = await wf.describe();
    expect(description.status.name).toBe('RUNNING');
    await terminateWhenIdle(wf, 'test done');
  });
});
