// Chooses the adapters behind the AdsPlatform and Crm ports: the real ones (google-ads-api, jsforce)
// with credentials from env/files, or seeded sandboxes that follow the workflow's clock.
import { AdsOperationCounter, loadAdsOperationLimit } from '../activities/ads/operationCounter';
import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { PortResolver } from '../activities/campaignActivities';
import { loadAdsCredentials, loadAdsValidateOnly } from '../activities/ads/adsCredentials';
import { GoogleAdsPlatform } from '../activities/ads/googleAdsPlatform';
import { SandboxAdsPlatform } from '../activities/ads/sandboxAdsPlatform';
import { SalesforceCrm } from '../activities/crm/salesforceCrm';
import { SandboxCrm } from '../activities/crm/sandboxCrm';
import { withFaults } from '../activities/faults/faultInjector';
import { hashSeed } from '../activities/sandbox/seededRandom';
import type { AdsPlatform, Crm } from '../activities/ports';
import { nurtureStatusOf, type CampaignConfig } from '../sla/config';
import { ADS_CALLS, CRM_CALLS, type SandboxFaults } from './faultWiring';

export type AdapterMode = 'sandbox' | 'real';

/** Between two shares of a campaign's flight, 0 its start and 1 its end. */
interface FlightSpan {
  from: number;
  to: number;
}

export interface SandboxOptions {
  /**
   * Leads arrive with the ad clicks (as many as it takes for `conversionRate` of the clicks to qualify) and
   * conversions are the CRM's converted leads, as in production. Otherwise leads arrive at `leadsPerHour`
   * whatever the spend and conversions are counted from the clicks (the clock and load tests' world).
   */
  leadsFollowClicks?: boolean;
  /** Lead arrivals per hour per campaign when they do not follow the clicks (default 240). */
  leadsPerHour?: number;
  /** Share of leads no rep ever touches, so breaches happen (default 0.15). */
  neverTouchedShare?: number;
  /**
   * Conversion-rate multiplier by local date (YYYY-MM-DD) and instant, e.g. 0.78 for a 22% dip on day 4, or
   * for a dip between two instants of a short demo flight.
   */
  conversionRateMultiplier?: (date: string, at: Date) => number;
  /** The conversion rate times `multiplier` between two shares of each campaign's flight (e.g. 0.3 to 0.5). */
  conversionDip?: FlightSpan & { multiplier: number };
  /** How long each rep takes per first touch: a rep given leads faster than that falls behind (default: no limit). */
  repTouchEveryMs?: number;
  /** Only `share` of each rep's touch rate between two shares of each campaign's flight (staff pulled away). */
  staffingDip?: FlightSpan & { share: number };
  /** A lead first touched later than `graceMs` converts half as often for every further `halfLifeMs`. */
  speedToLead?: { graceMs: number; halfLifeMs: number };
  /** Share of ad clicks that become qualified (converted) leads in the CRM (default 0.04). */
  conversionRate?: number;
  /** Share of the leads a rep works that qualify, before the multiplier (default 0.6). */
  qualifiedShare?: number;
  /** Median time from a lead's first touch to its qualification (default 4× the fastest tier's first touch). */
  qualifyingDelayMs?: number;
  /** Average cost per click in currency units (default 2.5). */
  cpc?: number;
  /** Day-to-day CPC noise (default 0.1: ±10%). */
  cpcNoise?: number;
  /** Injected failures on the simulated Ads and CRM calls (CAMPAIGN_SLA_FAULTS, see runtime/faultWiring.ts). */
  faults?: SandboxFaults;
}

export interface SandboxPortResolver extends PortResolver {
  /** The simulated CRM of a campaign, for tests and the demo to inspect. */
  sandboxCrm(campaignId: string): SandboxCrm;
  /** The simulated Ads campaign, e.g. to make an edit "in the Ads UI". */
  sandboxAds(campaignId: string): SandboxAdsPlatform;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Four base-62 characters from the campaign and the moment its world was created: another campaign or a
 * restart (the ledger still holds the earlier world's leads) gets its own IDs, 1 in 62^4 alike per pair.
 */
function idSpaceFor(campaignId: string, createdAt: Date): string {
  const digest = createHash('sha256').update(`${campaignId}@${createdAt.toISOString()}`).digest();
  return Array.from(digest.subarray(0, 4), (byte) => BASE62[byte % 62]).join('');
}

/** campaign.proto's "yyyy-MM-dd HH:mm:ss" in the account's zone, to the second. */
const flightTime = (ms: number, timeZone: string) =>
  DateTime.fromMillis(Math.floor(ms / 1000) * 1000, { zone: timeZone }).toFormat('yyyy-MM-dd HH:mm:ss');

const localDate = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(iso),
  );

/** One simulated campaign: Ads spend pacing and a CRM whose reps are the campaign's configured reps. */
class SandboxCampaignPorts {
  private now = new Date(0);
  readonly ads: SandboxAdsPlatform;
  /** What the workflow sees of the Ads campaign: the simulation, through the fault plan if there is one. */
  readonly adsPort: AdsPlatform;
  /** The simulated CRM: leads, reps and writes. */
  readonly sim: SandboxCrm;
  /** What the workflow sees: the simulation, through the fault plan if there is one. */
  readonly crm: Crm;

  constructor(campaignId: string, config: CampaignConfig, at: Date, options: SandboxOptions) {
    this.now = at;
    const clock = () => this.now;
    const { campaign } = config;
    const scripted = options.conversionRateMultiplier ?? (() => 1);
    const flightStart = Date.parse(campaign.window.start);
    const flightMs = Date.parse(campaign.window.end) - flightStart;
    // A scripted change between two shares of the flight: `during` inside it, 1 outside.
    const between = (span: FlightSpan | undefined, during: number) => (at: Date) => {
      const share = (at.getTime() - flightStart) / flightMs;
      return span !== undefined && share >= span.from && share < span.to ? during : 1;
    };
    const dipAt = between(options.conversionDip, options.conversionDip?.multiplier ?? 1);
    const multiplier = (date: string, at: Date) => scripted(date, at) * dipAt(at);
    this.ads = new SandboxAdsPlatform({
      ref: { customerId: campaign.ads.customerId, campaignId: campaign.ads.campaignId },
      budgetMicros: Math.round(campaign.totalBudget * 1e6),
      windowStart: localDate(campaign.window.start, campaign.timezone),
      windowEnd: localDate(new Date(Date.parse(campaign.window.end) - 1).toISOString(), campaign.timezone),
      // The flight starts and ends when the contract's window does, so spend accrues from its start instant.
      startDateTime: flightTime(Date.parse(campaign.window.start), campaign.timezone),
      endDateTime: flightTime(Date.parse(campaign.window.end) - 1_000, campaign.timezone),
      timeZone: campaign.timezone,
      currencyCode: campaign.currency,
      seed: hashSeed(campaignId),
      now: clock,
      conversionRateMultiplier: (instant) => multiplier(localDate(instant.toISOString(), campaign.timezone), instant),
      conversionRate: options.conversionRate ?? 0.04,
      cpcMicros: Math.round((options.cpc ?? 2.5) * 1e6),
      cpcNoise: options.cpcNoise,
      validateOnly: config.ads.dryRun,
    });
    const faults = options.faults ?? {};
    this.adsPort = faults.ads ? withFaults<AdsPlatform>(this.ads, faults.ads, ADS_CALLS) : this.ads;
    const neverTouched = options.neverTouchedShare ?? 0.15;
    const qualifiedShare = options.qualifiedShare ?? 0.6;
    // Leads per click such that conversionRate of the clicks qualify: only worked leads qualify.
    const leadsPerClick = (options.conversionRate ?? 0.04) / (qualifiedShare * Math.max(0.05, 1 - neverTouched));
    const fastest = Math.min(...Object.values(config.responseSla.tiers).map((tier) => tier.firstTouch)) / 60_000;
    const reps = Object.values(config.responseSla.pools)
      .flatMap((pool) => pool.reps)
      .filter((rep) => !rep.outOfOffice);
    // Fastest tier first: it gets the high-intent share. Key order is not kept by the ledger's JSONB.
    const { acceptance, followUp } = config.responseSla;
    const tiers = Object.entries(config.responseSla.tiers)
      .sort(([a, x], [b, y]) => x.firstTouch - y.firstTouch || (a < b ? -1 : 1))
      .map(([name]) => name);
    this.sim = new SandboxCrm(
      {
        seed: hashSeed(campaignId),
        idSpace: idSpaceFor(campaignId, at),
        campaigns: [
          {
            crmCampaignId: campaign.crm.campaignId,
            start: new Date(Math.max(at.getTime(), Date.parse(campaign.window.start))).toISOString(),
            ...(options.leadsFollowClicks ? {} : { leadsPerHour: options.leadsPerHour ?? 240 }),
            tierMix: Object.fromEntries(
              tiers.map((tier, i) => [tier, i === 0 ? 0.3 : 0.7 / Math.max(1, tiers.length - 1)]),
            ),
          },
        ],
        // Most reps answer well inside the tightest tier; every third rep is slow, so some leads breach.
        reps: [...new Map(reps.map((rep) => [rep.id, rep])).values()].map((rep, i) => ({
          ownerId: rep.id,
          medianResponseMinutes: Math.max(0.05, fastest * (i % 3 === 2 ? 1.4 : 0.35)),
          responseSpread: 0.5,
          ...(options.repTouchEveryMs === undefined ? {} : { touchesPerHour: 3_600_000 / options.repTouchEveryMs }),
        })),
        ...(options.speedToLead && {
          speedToLead: {
            graceMinutes: options.speedToLead.graceMs / 60_000,
            halfLifeMinutes: options.speedToLead.halfLifeMs / 60_000,
          },
        }),
        neverTouchedShare: neverTouched,
        conversionRate: options.leadsFollowClicks ? qualifiedShare : 0.12,
        medianConversionHours:
          options.qualifyingDelayMs === undefined ? (fastest / 60) * 4 : options.qualifyingDelayMs / 3_600_000,
        // Reps work at the contract's pace: they decide well inside the acceptance window, and follow up
        // up to the contract's depth, spaced so most of those attempts fit its window.
        medianDecisionMinutes: (acceptance.within / 60_000) * 0.4,
        // Waits on the customer, and meetings booked, at the same pace after the decision; the wait uses the
        // status the contract's milestones pause on.
        ...sandboxMilestonePace(config, (acceptance.within / 60_000) * 0.4),
        maxFollowUps: followUp.attempts,
        followUpGapHours: followUp.within / 3_600_000 / (followUp.attempts * 1.5),
        convertedStatus: campaign.crm.convertedStatuses[0],
        nurtureStatus: nurtureStatusOf(config),
      },
      {
        now: clock,
        conversionMultiplier: (createdAt) =>
          multiplier(localDate(createdAt.toISOString(), campaign.timezone), createdAt),
        // Leads come from the ad clicks, so a budget cut or a pause brings fewer of them, and conversions
        // (counted by the CRM, as in production) move with spend.
        arrivals: {
          expectedBy: (instant) => this.ads.clicksBy(instant) * leadsPerClick,
          instantOf: (expected) => this.ads.instantOfClicks(expected / leadsPerClick),
        },
        staffing: between(options.staffingDip, options.staffingDip?.share ?? 1),
      },
    );
    const crm = options.leadsFollowClicks ? this.sim : conversionsFromClicks(this.sim, this.ads, config);
    this.crm = faults.crm ? withFaults<Crm>(crm, faults.crm, CRM_CALLS) : crm;
  }

  at(at: Date): this {
    // Activities may run out of order after retries; simulated time never goes backwards.
    if (at.getTime() > this.now.getTime()) this.now = at;
    return this;
  }
}

/** The fixed-rate world: leads do not follow spend, so conversions are counted from the simulated clicks. */
function conversionsFromClicks(sim: SandboxCrm, ads: SandboxAdsPlatform, config: CampaignConfig): Crm {
  const ref = { customerId: config.campaign.ads.customerId, campaignId: config.campaign.ads.campaignId };
  const tz = config.campaign.timezone;
  return {
    fetchNewLeads: (crmCampaignId, watermark) => sim.fetchNewLeads(crmCampaignId, watermark),
    fetchAttempts: (leadIds, watermark, until) => sim.fetchAttempts(leadIds, watermark, until),
    fetchStatusChanges: (leadIds, watermark, mapping, options) =>
      sim.fetchStatusChanges(leadIds, watermark, mapping, options),
    fetchMeetingsBooked: (leadIds, watermark, until) => sim.fetchMeetingsBooked(leadIds, watermark, until),
    fetchOpportunities: (leadIds, watermark, until) => sim.fetchOpportunities(leadIds, watermark, until),
    validateLeadStatuses: (values) => sim.validateLeadStatuses(values),
    inactiveUsers: (userIds) => sim.inactiveUsers(userIds),
    fetchConversions: (query) => sim.fetchConversions(query),
    setOwner: (leadId, ownerId) => sim.setOwner(leadId, ownerId),
    createFollowUpTask: (input) => sim.createFollowUpTask(input),
    setLeadStatus: (leadId, status) => sim.setLeadStatus(leadId, status),
    removedLeads: (leadIds) => sim.removedLeads(leadIds),
    fetchRemovedLeads: (leadIds, watermark, until) => sim.fetchRemovedLeads(leadIds, watermark, until),
    apiUsage: () => sim.apiUsage(),
    fetchApiUsage: () => sim.fetchApiUsage(),
    async countConversions(query) {
      const days = await ads.getDailyMetrics(
        ref,
        localDate(query.from, tz),
        localDate(new Date(Date.parse(query.to) - 1).toISOString(), tz),
      );
      return Math.round(days.reduce((sum, day) => sum + day.conversions, 0));
    },
  };
}

function sandboxResolver(
  options: SandboxOptions,
  loadConfig: (campaignId: string) => Promise<CampaignConfig | null>,
): SandboxPortResolver {
  const campaigns = new Map<string, SandboxCampaignPorts>();
  const forCampaign = (campaignId: string, config: CampaignConfig, at: Date) => {
    let ports = campaigns.get(campaignId);
    if (!ports) {
      ports = new SandboxCampaignPorts(campaignId, config, at, options);
      campaigns.set(campaignId, ports);
    }
    return ports.at(at);
  };
  const simulated = (campaignId: string) => {
    const ports = campaigns.get(campaignId);
    if (!ports) throw new Error(`sandbox: campaign ${campaignId} has not been simulated yet`);
    return ports;
  };
  return {
    async ads(campaignId, config, at): Promise<AdsPlatform> {
      return forCampaign(campaignId, config, at).adsPort;
    },
    async crm(campaignId, at): Promise<Crm> {
      const existing = campaigns.get(campaignId);
      if (existing) return existing.at(at).crm;
      const config = await loadConfig(campaignId);
      if (!config) throw new Error(`sandbox CRM: campaign ${campaignId} has no recorded config in the ledger yet`);
      return forCampaign(campaignId, config, at).crm;
    },
    sandboxCrm: (campaignId) => simulated(campaignId).sim,
    sandboxAds: (campaignId) => simulated(campaignId).ads,
  };
}

/** Real adapters, created on first use so a sandbox-only deployment needs no credentials. */
function realResolver(env: NodeJS.ProcessEnv): PortResolver {
  const ads = new Map<boolean, GoogleAdsPlatform>();
  // One developer token, one daily operation budget, whichever platform (live or dry run) spends it.
  let operations: AdsOperationCounter | undefined;
  let crm: SalesforceCrm | undefined;
  return {
    async ads(_campaignId, config) {
      const validateOnly = loadAdsValidateOnly(env, config.ads.dryRun);
      let platform = ads.get(validateOnly);
      if (!platform) {
        operations ??= new AdsOperationCounter(loadAdsOperationLimit(env));
        platform = new GoogleAdsPlatform({ credentials: loadAdsCredentials(env), validateOnly, operations });
        ads.set(validateOnly, platform);
      }
      return platform;
    },
    async crm() {
      crm ??= SalesforceCrm.fromEnv(env);
      return crm;
    },
  };
}

export function createPortResolver(
  mode: 'sandbox',
  options: SandboxOptions | undefined,
  loadConfig: (campaignId: string) => Promise<CampaignConfig | null>,
): SandboxPortResolver;
export function createPortResolver(
  mode: AdapterMode,
  options: SandboxOptions | undefined,
  loadConfig: (campaignId: string) => Promise<CampaignConfig | null>,
): PortResolver;
export function createPortResolver(
  mode: AdapterMode,
  options: SandboxOptions | undefined,
  loadConfig: (campaignId: string) => Promise<CampaignConfig | null>,
): PortResolver {
  return mode === 'real' ? realResolver(process.env) : sandboxResolver(options ?? {}, loadConfig);
}

/**
 * For a contract with milestones, the sandbox's waits on the customer and bookings at the contract's pace, waiting
 * in the status its milestones pause on; other campaigns keep the sandbox's defaults.
 */
function sandboxMilestonePace(config: CampaignConfig, decisionMinutes: number) {
  const milestones = Object.values(config.responseSla.milestones ?? {});
  if (milestones.length === 0) return {};
  const pauseStatus = milestones.find((m) => m.pauseWhile)?.pauseWhile?.status[0];
  return {
    medianMinutesToWaiting: decisionMinutes,
    medianMinutesToBooking: decisionMinutes * 1.5,
    medianWaitingHours: (decisionMinutes * 3) / 60,
    medianMeetingLeadHours: (decisionMinutes * 4) / 60,
    ...(pauseStatus ? { waitingStatus: pauseStatus } : {}),
  };
}
