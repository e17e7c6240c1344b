// One run of the campaign workflow: its input and result, and the context its parts share — the carried
// state plus what lives only for this run (effect queues, the wake flag, publishing and size guards).
import type { FollowUpTask } from '../../sla/followUpTask';
import type { Alert } from '../../sla/alerts';
import type { CompactCarryOver, PackedCarryOverMarker } from '../../sla/carryOver';
import { noteDisposition, noteFirstTouch, noteRetired } from '../../sla/campaignCompliance';
import type { CampaignConfig } from '../../sla/config';
import type { BookContext, EscalationEffect, EventObservers, LeadState } from '../../sla/leadBook';
import { Mutex } from 'async-mutex';
import type { Delivery } from './deliveries';
import { newDecisionClock, type DecisionClock } from './decisionTime';
import type { CampaignCarryOver } from './state';
import type { WakeUpTimers } from './wakeUp';

export interface CampaignSlaInput {
  /** The campaign file's content as written (durations as strings); validated inside the workflow. */
  config: unknown;
  /**
   * Set when a previous run continued as new: the marker of its packed state (the workflow's second argument), or
   * in runs from earlier releases the state itself in compact form.
   */
  carryOver?: CompactCarryOver<CampaignCarryOver> | PackedCarryOverMarker;
  /**
   * Publish typed search attributes (default true). Only for namespaces where they are not registered
   * yet, such as the time-skipping test server, which cannot register custom attributes.
   */
  publishSearchAttributes?: boolean;
}

export interface CampaignSlaResult {
  campaignId: string;
  endedAt: string;
  breachedLeads: number;
  closedQuarters: string[];
}

export interface CampaignRun {
  readonly input: CampaignSlaInput;
  readonly campaignId: string;
  readonly state: CampaignCarryOver;
  /** Feed lead events into the campaign's compliance figures. */
  readonly complianceObservers: EventObservers;
  /** Clock alerts and escalation steps fired but not yet handed to an activity. */
  readonly pendingAlerts: Alert[];
  readonly pendingEscalations: (EscalationEffect & { at: string })[];
  /** Follow-up Tasks the follow-up clocks' warnings call for, not yet handed to an activity. */
  readonly pendingFollowUpTasks: FollowUpTask[];
  /** Leads whose intake route is being written to the CRM right now (the routes themselves are in state). */
  readonly routesInFlight: Set<string>;
  /** Activities in flight. The loop starts them and goes on; their results are applied when they complete. */
  readonly inFlight: { count: number; crmPoll: boolean; velocityCheck: boolean; ledgerWrite: boolean; expiry: boolean };
  /** Serializes every change to spend, proposal and quarter state across the loop and the Update handlers. */
  readonly spendLock: Mutex;
  /** Escalation steps failing since the last success: ops hear once per episode (and at most once an hour). */
  stepFailures: { failing: number };
  /** When the current run of failed velocity checks began (null: the last check succeeded). */
  velocityFailingSince: number | null;
  /** Set when the run is due to continue as new: no new polls, checks or steps start; in-flight work drains. */
  draining: boolean;
  /** Update handlers running that await an activity or the spend lock (the others return within their task). */
  awaitingHandlers: number;
  /** Steps were released while draining: a run that goes on after all rebuilds its due queue to plan them. */
  stepsReleased: boolean;
  /**
   * When this drain began, drains that gave up, and when the next may begin (patch bounded-hand-over-wait); whether
   * a drain cancels deliveries in flight and carries them (patch hand-over-carries-deliveries), the waits of this one
   * that cancelled some, and whether alerts were among them; whether alerts flow during a drain until it cancels one
   * (patch alerts-flow-while-draining).
   */
  handOver: {
    drainingSince: number;
    gaveUp: number;
    nextDrainAt: number;
    carriesDeliveries: boolean;
    cancellingWaits: number;
    alertsCancelled: boolean;
    alertsFlowWhileDraining: boolean;
  };
  /** Alert and ledger-row deliveries in flight, which a drain may cancel (deliveries.ts). */
  readonly deliveries: Set<Delivery>;
  /** The run was recorded before patch wall-clock-dst: its calendars keep their old window placement (dstRule.ts). */
  legacyDst: boolean;
  /** The contract's Lead statuses the org's picklist lacks, as last told to ops (not carried over). */
  statusMappingProblems?: string;
  updatesThisRun: number;
  /** Set by handlers so the main loop stops waiting and looks at the state again. */
  wake: boolean;
  /** Wake-up timers running: never cancelled, so a wake-up by anything else leaves them be. */
  readonly wakeUpTimers: WakeUpTimers;
  ended: boolean;
  /**
   * When this run last started a ledger write (not carried over: a new run's first write starts at once), and whether
   * the hand-over waits for the rows to be written (its carry-over was too large with them).
   */
  /** foldsAdmissionClocks: patch admission-clocks-on-lead-rows, asked once as the loop starts. */
  ledgerWrites: { lastAt: number; flushBeforeHandOver: boolean; foldsAdmissionClocks: boolean };
  /**
   * Search attributes and current details: when last published, whether a publish was skipped since, and whether
   * publishes are timed by the tasks that upsert (patch publish-timed-by-upserts).
   */
  summary: { lastAt: number; dirty: boolean; lastAttributes: string; timedByUpserts: boolean };
  /** Open-lead count at which the carry-over last proved too large, and whether ops were told. */
  carryOverGuard: { tooLargeAt: number; reported: boolean };
  config(): CampaignConfig;
  /** The config version a lead was admitted under: its clocks keep those terms. */
  leadConfig(lead: LeadState): CampaignConfig;
  ctx(): BookContext;
  /** The time the loop decides by (decisionTime.ts). */
  decisionClock: DecisionClock;
  windowStart(): number;
  windowEnd(): number;
}

export function createRun(input: CampaignSlaInput, campaignId: string, state: CampaignCarryOver): CampaignRun {
  const config = () => state.configs[state.currentVersion];
  const leadConfig = (lead: LeadState) => state.configs[lead.configVersion] ?? config();
  return {
    input,
    campaignId,
    state,
    complianceObservers: {
      onFirstTouch: noteFirstTouch(state.compliance, (lead) => leadConfig(lead)),
      onDisposition: noteDisposition(state.compliance, (lead) => leadConfig(lead)),
      onRetired: noteRetired(state.compliance, (lead) => leadConfig(lead)),
    },
    pendingAlerts: [],
    pendingEscalations: [],
    routesInFlight: new Set(),
    pendingFollowUpTasks: [],
    inFlight: { count: 0, crmPoll: false, velocityCheck: false, ledgerWrite: false, expiry: false },
    spendLock: new Mutex(),
    stepFailures: { failing: 0 },
    velocityFailingSince: null,
    draining: false,
    awaitingHandlers: 0,
    legacyDst: false,
    stepsReleased: false,
    handOver: {
      drainingSince: 0,
      gaveUp: 0,
      nextDrainAt: 0,
      carriesDeliveries: false,
      cancellingWaits: 0,
      alertsCancelled: false,
      alertsFlowWhileDraining: false,
    },
    deliveries: new Set(),
    updatesThisRun: 0,
    wake: false,
    wakeUpTimers: new Set(),
    ended: false,
    ledgerWrites: { lastAt: 0, flushBeforeHandOver: false, foldsAdmissionClocks: false },
    summary: { lastAt: 0, dirty: false, lastAttributes: '', timedByUpserts: false },
    carryOverGuard: { tooLargeAt: Infinity, reported: false },
    config,
    leadConfig,
    ctx: () => ({
      campaignId,
      now: Date.now(),
      configs: state.configs,
      currentVersion: state.currentVersion,
    }),
    decisionClock: newDecisionClock(),
    windowStart: () => Date.parse(config().campaign.window.start),
    windowEnd: () => Date.parse(config().campaign.window.end),
  };
}
