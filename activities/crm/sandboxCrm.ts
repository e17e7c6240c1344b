// A simulated CRM for sandbox runs and demos: deterministic for a seed, driven by a clock passed
// in (so it follows Temporal's time-skipping test clock). Leads arrive as a Poisson process per
// campaign, at a fixed rate or following an expected-arrivals curve (the sandbox world's ad clicks); reps answer after log-normal delays (some slower, some leads never touched, so
// breaches happen) and follow up a few times; touched leads are accepted or rejected through a
// Lead status change and convert at a rate a scripted multiplier can bend (e.g. a 22% dip on day 4).
// Some accepted leads wait on the customer for a while (a status the milestone clocks pause on) and some
// book a meeting ahead. It yields the same facts as Salesforce: attempts with their Task/Event IDs and
// times, status changes with LeadHistory IDs, meetings booked (Event CreatedDate), conversions with
// ConvertedDate and their Opportunity. Writes change the world idempotently.
import { z } from 'zod';
import type {
  ContactChannel,
  Crm,
  CrmApiUsage,
  CrmAttempt,
  CrmConversion,
  CrmConversionQuery,
  CrmFollowUpTask,
  CrmLead,
  CrmMeetingBooked,
  CrmOpportunity,
  CrmOwnerResult,
  CrmRemovedLead,
  CrmPage,
  CrmStatusChange,
  LeadStatusMapping,
} from '../ports';
import { conversionDay, conversionDays } from './conversionWindow';
import { crmInvalidInput, crmRequestRejected } from './crmFailures';
import { advanceWatermark, decodeWatermark, encodeWatermark, type ChangeWatermark } from './leadWatermark';
import { salesforceId, salesforceIdKey } from './salesforceIds';
import { SeededRandom } from '../sandbox/seededRandom';

// Sandbox reps and leads admitted through the workflow carry the campaign's own IDs, not Salesforce's.
const sandboxIdText = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$/, 'must be an ID (letters, digits, . _ : -)');
const salesforceIdText = z
  .string()
  .regex(/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/, 'must be a 15 or 18 character Salesforce ID');
const isoDateTime = z.iso.datetime({ offset: true });
const share = z.number().min(0).max(1);

const sandboxCrmConfigSchema = z.object({
  seed: z.number().int(),
  campaigns: z
    .array(
      z.object({
        crmCampaignId: salesforceIdText,
        /** First possible arrival. */
        start: isoDateTime,
        /** Mean arrivals per hour (Poisson); without it, leads follow the `arrivals` hook. */
        leadsPerHour: z.number().positive().optional(),
        /** Relative weights per tier, e.g. { 'high-intent': 0.3, standard: 0.7 }. */
        tierMix: z
          .record(z.string().min(1), z.number().nonnegative())
          .refine((mix) => Object.values(mix).some((w) => w > 0), 'needs a positive weight'),
      }),
    )
    .min(1)
    // Lead numbers are (campaign index + 1) × 1,000,000 + n, and attempt IDs ten per lead, under 10^8.
    .max(9),
  /**
   * Up to four letters or digits every record ID of this world carries after its key prefix, so two
   * simulated worlds (another campaign, a restart) never issue the same ID.
   */
  idSpace: z
    .string()
    .regex(/^[A-Za-z0-9]{0,4}$/, 'must be up to 4 letters or digits')
    .default(''),
  reps: z
    .array(
      z.object({
        ownerId: sandboxIdText,
        /** Median minutes from assignment to first touch. */
        medianResponseMinutes: z.number().positive(),
        /** Log-space spread of response times; larger means a longer tail. */
        responseSpread: z.number().nonnegative().default(0.8),
        /**
         * First touches the rep can make an hour. Set, the rep works their leads one after another: a lead
         * waits until the rep is free, so a rep given more leads than this falls behind. Unset: no limit.
         */
        touchesPerHour: z.number().positive().optional(),
      }),
    )
    .min(1),
  /** Share of assignments the rep never acts on. */
  neverTouchedShare: share.default(0.05),
  channelMix: z
    .partialRecord(z.enum(['call', 'email', 'sms', 'meeting', 'social', 'other']), z.number().nonnegative())
    .refine((mix) => Object.values(mix).some((w) => (w ?? 0) > 0), 'needs a positive weight')
    .default({ call: 0.6, email: 0.3, sms: 0.1 }),
  /** Share of touched leads that convert, before the multiplier. */
  conversionRate: share,
  /**
   * Speed to lead: a lead first touched more than `graceMinutes` after it arrived converts half as often for
   * every further `halfLifeMinutes` (leads called back late rarely qualify). Unset: timing does not matter.
   */
  speedToLead: z
    .strictObject({ graceMinutes: z.number().nonnegative(), halfLifeMinutes: z.number().positive() })
    .optional(),
  /** Median hours from the first touch to conversion: a lead qualifies once a rep has worked it. */
  medianConversionHours: z.number().positive().default(48),
  /** The Lead status a conversion shows up as. */
  convertedStatus: z.string().min(1).default('Qualified'),
  /** Follow-up attempts after the first touch: up to this many, a median `followUpGapHours` apart. */
  maxFollowUps: z.number().int().nonnegative().default(3),
  followUpGapHours: z.number().positive().default(4),
  /** Share of touched, unconverted leads the rep accepts; the rest are rejected. Converting leads are accepted. */
  acceptShare: share.default(0.7),
  /** Median minutes from first touch to the accept/reject status change. */
  medianDecisionMinutes: z.number().positive().default(30),
  acceptedStatus: z.string().min(1).default('Working - Contacted'),
  rejectedStatus: z.string().min(1).default('Closed - Not Converted'),
  /** Share of accepted leads the rep puts on `waitingStatus` a while after accepting, then back to `acceptedStatus`. */
  waitingShare: share.default(0.2),
  waitingStatus: z.string().min(1).default('Waiting on customer'),
  /** A status the org holds for leads returned to nurture (the contract's nurtureStatus, in a sandbox set up for it). */
  nurtureStatus: z.string().min(1).default('Nurturing'),
  /** Median hours a lead waits on the customer (a converting lead is back before it converts). */
  medianWaitingHours: z.number().positive().default(6),
  /** Median minutes from the acceptance to the wait, and to booking a meeting. */
  medianMinutesToWaiting: z.number().positive().default(60),
  medianMinutesToBooking: z.number().positive().default(90),
  /** Share of accepted leads that book a meeting, a while after acceptance, to take place later. */
  meetingShare: share.default(0.3),
  /** Median hours from booking a meeting to its start. */
  medianMeetingLeadHours: z.number().positive().default(24),
  apiLimit: z.number().int().positive().default(15_000),
  maxFetch: z.number().int().positive().default(2_000),
});

export type SandboxCrmConfig = z.input<typeof sandboxCrmConfigSchema>;
type SandboxRep = z.output<typeof sandboxCrmConfigSchema>['reps'][number];

export interface SandboxCrmHooks {
  /** The simulated "now". */
  now: () => Date;
  /** Scales the conversion chance of a lead created at `createdAt` (1 = unchanged, 0.78 = a 22% dip). */
  conversionMultiplier?: (createdAt: Date, crmCampaignId: string) => number;
  /**
   * Expected arrivals so far, for campaigns without leadsPerHour: a non-decreasing count by an instant
   * (never past now), and the first instant it reached a level (null: not yet).
   */
  arrivals?: { expectedBy: (at: Date) => number; instantOf: (expected: number) => Date | null };
  /** The share of each rep's touchesPerHour at work at an instant (1 = everyone; 0.5 = half the team pulled away). */
  staffing?: (at: Date) => number;
}

interface SimLead {
  leadId: string;
  campaignId: string;
  tier: string;
  createdAt: number;
  ownerId: string;
  /** Earliest first touch so far; null when nobody will ever touch the lead. */
  touchAt: number | null;
  channel: ContactChannel;
  /** Number in the simulation, from which its Task, Event, LeadHistory and Opportunity IDs derive; null for port-only leads. */
  seq: number | null;
  /** Follow-up attempts after the first touch (ms, ascending). */
  followUps: { at: number; channel: ContactChannel }[];
  /** The rep's accept/reject status change after the first touch; null when never touched. */
  decision: { at: number; status: string } | null;
  /** When the lead converts (and its Opportunity is created); null when it never does. */
  convertsAt: number | null;
  /** The rep's pause on the customer after accepting: to the waiting status and back; null when none. */
  waiting: { from: number; until: number } | null;
  /** A meeting booked ahead: when its Event was created and when it starts; null when none. */
  meeting: { bookedAt: number; startsAt: number } | null;
  /** A status written through the port (e.g. back to nurture), and which write it was (for its LeadHistory Id). */
  status: { value: string; at: number } | null;
  statusWrite?: number;
}

interface SimCampaign {
  config: z.output<typeof sandboxCrmConfigSchema>['campaigns'][number];
  index: number;
  random: SeededRandom;
  /** The next arrival at a fixed rate, or the expected-arrivals level of the next one on the hook's curve. */
  nextArrival: number;
  nextLevel: number | null;
  leads: SimLead[];
  /** When each rep with a touch rate is free for their next lead. */
  repFreeAt: Map<string, number>;
}

export class SandboxCrm implements Crm {
  private readonly config: z.output<typeof sandboxCrmConfigSchema>;
  private readonly campaigns = new Map<string, SimCampaign>();
  private readonly leads = new Map<string, SimLead>();
  private readonly tasks = new Map<string, { leadId: string; ownerId: string; subject: string; dueDate: string }>();
  private readonly hooks: SandboxCrmHooks;
  private calls = 0;
  private statusWrites = 0;
  /** Leads deleted (mergedInto null) or merged into another lead, and when, as removeLead left them. */
  private readonly removed = new Map<string, { mergedInto: string | null; at: number }>();

  constructor(config: SandboxCrmConfig, hooks: SandboxCrmHooks) {
    const parsed = sandboxCrmConfigSchema.safeParse(config);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(config)'}: ${issue.message}`);
      throw new Error(`invalid sandbox CRM config: ${problems.join('; ')}`);
    }
    this.config = parsed.data;
    this.hooks = hooks;
    parsed.data.campaigns.forEach((campaign, index) => {
      if (campaign.leadsPerHour === undefined && !hooks.arrivals) {
        throw new Error(`invalid sandbox CRM config: campaigns[${index}] needs leadsPerHour or an arrivals curve`);
      }
      const random = new SeededRandom(`${parsed.data.seed}:campaign:${campaign.crmCampaignId}`);
      const start = Date.parse(campaign.start);
      this.campaigns.set(campaign.crmCampaignId, {
        config: campaign,
        index,
        random,
        nextArrival:
          campaign.leadsPerHour === undefined ? start : start + this.arrivalGap(random, campaign.leadsPerHour),
        nextLevel: null,
        leads: [],
        repFreeAt: new Map(),
      });
    });
  }
  /** An ID of this world's record: its key prefix, the world's ID space, then the number. */
  private recordId(prefix: string, n: number): string {
    return salesforceId(prefix, n, this.config.idSpace);
  }

  async fetchNewLeads(
    crmCampaignId: string,
    watermark: string | null,
  ): Promise<{ leads: CrmLead[]; watermark: string | null }> {
    this.calls += 1;
    const campaign = this.campaign(crmCampaignId);
    this.generateUntil(this.hooks.now().getTime());
    const previous = parseWatermark(watermark);
    const limit = this.config.maxFetch + (previous?.seen.length ?? 0);
    // Leads arrive in creation order, so the simulation's stamp is the creation time itself.
    const rows = campaign.leads
      .filter((lead) => previous === null || lead.createdAt >= Date.parse(previous.at))
      .slice(0, limit)
      .map((lead) => ({ key: lead.leadId, stamp: iso(lead.createdAt), lead }));
    const cutAt = rows.length === limit ? rows.at(-1)!.stamp : null;
    const { fresh, watermark: next } = advanceWatermark(previous, rows, 0, cutAt);
    return {
      leads: fresh.map(({ lead }) => ({
        leadId: lead.leadId,
        ownerId: lead.ownerId,
        tier: lead.tier,
        createdAt: iso(lead.createdAt),
        campaignId: lead.campaignId,
      })),
      watermark: next ? encodeWatermark(next) : watermark,
    };
  }

  async fetchAttempts(leadIds: string[], watermark: string | null, until?: string): Promise<CrmPage<CrmAttempt>> {
    const read = this.readChanges(leadIds, watermark, until, (lead) =>
      this.attemptsOf(lead).map((attempt) => ({ ...attempt, key: attempt.activityId })),
    );
    const items = read.fresh
      .map(({ leadId, activityId, at, channel }) => ({
        leadId,
        activityId,
        at: iso(at),
        channel,
        callDisposition: null,
      }))
      .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.activityId < b.activityId ? -1 : 1));
    return { items, watermark: read.watermark };
  }

  async fetchStatusChanges(
    leadIds: string[],
    watermark: string | null,
    mapping: LeadStatusMapping,
    options: { all?: boolean; until?: string } = {},
  ): Promise<CrmPage<CrmStatusChange>> {
    const read = this.readChanges(leadIds, watermark, options.until, (lead) =>
      this.statusHistory(lead).map((change) => ({ ...change, key: change.changeId })),
    );
    const items = read.fresh.flatMap((row): CrmStatusChange[] => {
      const outcome = Object.hasOwn(mapping, row.status) ? mapping[row.status] : undefined;
      const change = { leadId: row.leadId, changeId: row.changeId, status: row.status, at: iso(row.at) };
      return outcome ? [{ ...change, outcome }] : options.all ? [change] : [];
    });
    return { items, watermark: read.watermark };
  }

  async fetchMeetingsBooked(
    leadIds: string[],
    watermark: string | null,
    until?: string,
  ): Promise<CrmPage<CrmMeetingBooked>> {
    // Every Event on the lead, by when it was created: a meeting logged as it happens and one booked ahead.
    const read = this.readChanges(leadIds, watermark, until, (lead) =>
      this.eventsOf(lead).map((event) => ({ ...event, key: event.activityId, at: event.bookedAt })),
    );
    const items = read.fresh
      .map(({ leadId, activityId, at }) => ({ leadId, activityId, at: iso(at) }))
      .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.activityId < b.activityId ? -1 : 1));
    return { items, watermark: read.watermark };
  }

  async fetchOpportunities(
    leadIds: string[],
    watermark: string | null,
    until?: string,
  ): Promise<CrmPage<CrmOpportunity>> {
    // Every simulated conversion opens an Opportunity, created as the lead converts.
    const read = this.readChanges(leadIds, watermark, until, (lead) =>
      lead.seq !== null && this.convertedBy(lead, Number.MAX_SAFE_INTEGER)
        ? [
            {
              key: lead.leadId,
              leadId: lead.leadId,
              opportunityId: this.recordId('006', lead.seq),
              at: lead.convertsAt!,
            },
          ]
        : [],
    );
    const items = read.fresh
      .map(({ leadId, opportunityId, at }) => ({ leadId, opportunityId, at: iso(at) }))
      .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.leadId < b.leadId ? -1 : 1));
    return { items, watermark: read.watermark };
  }

  async inactiveUsers(_userIds: string[]): Promise<string[]> {
    // The sandbox's users are its simulated reps, all active (User.IsActive, Object Reference:
    // https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_user.htm).
    this.calls += 1;
    return [];
  }

  async validateLeadStatuses(values: string[]): Promise<string[]> {
    // LeadStatus rows are the Lead.Status picklist; ApiName is what the API reads and writes (Object Reference,
    // https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-leadstatus.html).
    this.calls += 1;
    const known = this.leadStatuses();
    return [...new Set(values)]
      .filter((value) => !known.includes(value))
      .map((value) => `Lead status "${value}" is not in the sandbox's LeadStatus picklist (${known.join(', ')})`);
  }

  async fetchConversions(query: CrmConversionQuery): Promise<CrmConversion[]> {
    this.calls += 1;
    const campaign = this.campaign(query.crmCampaignId);
    const [first, last] = conversionDays(query);
    const now = this.hooks.now().getTime();
    this.generateUntil(now);
    return campaign.leads.flatMap((lead): CrmConversion[] => {
      if (!this.convertedBy(lead, now)) return [];
      const convertedDate = conversionDay(lead.convertsAt!, query);
      if (convertedDate < first || convertedDate > last) return [];
      // Every simulated conversion opens an Opportunity; nine leads in ten came from a tracked ad click.
      const clickId = lead.seq! % 10 === 0 ? {} : { clickId: { kind: 'gclid' as const, value: `Sbx${lead.leadId}` } };
      return [{ leadId: lead.leadId, convertedDate, opportunityId: this.recordId('006', lead.seq!), ...clickId }];
    });
  }

  async countConversions(query: CrmConversionQuery): Promise<number> {
    return (await this.fetchConversions(query)).length;
  }

  async setOwner(leadId: string, ownerId: string): Promise<CrmOwnerResult> {
    this.calls += 1;
    const lead = this.leadForWrite(leadId);
    assertValidId(ownerId, 'ownerId');
    // The sandbox has no assignment rules: an owner write always sticks.
    const stuck = { stuck: true, actualOwnerId: ownerId };
    // As in Salesforce, a 15-character ID names the same user as its 18-character form.
    if (sameUser(lead.ownerId, ownerId)) return stuck;
    const rep = this.config.reps.find((candidate) => sameUser(candidate.ownerId, ownerId));
    if (!rep) {
      // Not a simulated rep: the owner changes, but nobody will touch the lead.
      lead.ownerId = ownerId;
      return stuck;
    }
    const now = this.hooks.now().getTime();
    lead.ownerId = rep.ownerId;
    // The new owner's behaviour is drawn from (seed, lead, owner), so repeating the call changes nothing.
    const random = new SeededRandom(`${this.config.seed}:reassign:${leadId}:${rep.ownerId}`);
    const neverTouches = random.next() < this.config.neverTouchedShare;
    const reactionMs = random.logNormal(rep.medianResponseMinutes, rep.responseSpread) * 60_000;
    const campaign = this.campaigns.get(lead.campaignId);
    const start = this.startOf(campaign, rep, now);
    const touchAt = start + reactionMs;
    // The new owner takes the lead on only if they would touch it before the earlier owner's touch.
    if (!neverTouches && (lead.touchAt === null || touchAt < lead.touchAt)) {
      this.occupy(campaign, rep, start);
      lead.touchAt = touchAt;
      lead.channel = random.weighted(this.config.channelMix);
    }
    return stuck;
  }

  async createFollowUpTask(input: CrmFollowUpTask): Promise<{ taskId: string; created: boolean }> {
    this.calls += 1;
    this.lead(input.leadId);
    assertValidId(input.ownerId, 'ownerId');
    const created = !this.tasks.has(input.idempotencyKey);
    if (created) {
      this.tasks.set(input.idempotencyKey, {
        leadId: input.leadId,
        ownerId: input.ownerId,
        subject: input.subject,
        dueDate: input.dueDate,
      });
    }
    const index = [...this.tasks.keys()].indexOf(input.idempotencyKey);
    return { taskId: this.recordId('00T', FOLLOW_UP_TASK_BASE + index), created };
  }

  async setLeadStatus(leadId: string, status: string): Promise<void> {
    this.calls += 1;
    const lead = this.leadForWrite(leadId);
    // Lead.Status is a restricted picklist: a value outside the org's LeadStatus rows is refused (Object Reference,
    // https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-leadstatus.html).
    if (!this.leadStatuses().includes(status))
      throw crmRequestRejected(
        `Salesforce INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: Status: bad value for restricted picklist field: ${status}`,
      );
    if (lead.status?.value !== status) {
      lead.status = { value: status, at: this.hooks.now().getTime() };
      lead.statusWrite = this.statusWrites++;
    }
  }

  async removedLeads(leadIds: string[]): Promise<CrmRemovedLead[]> {
    this.calls += 1;
    return [...new Set(leadIds)].flatMap((leadId) => {
      const removal = this.removed.get(assertValidId(leadId, 'leadIds[]'));
      return removal === undefined ? [] : [{ leadId, mergedInto: removal.mergedInto, removedAt: iso(removal.at) }];
    });
  }

  async fetchRemovedLeads(
    leadIds: string[],
    watermark: string | null,
    until?: string,
  ): Promise<CrmPage<CrmRemovedLead & { removedAt: string }>> {
    // A deleted record's SystemModstamp is its deletion time, the stamp this read follows (GetDeletedResult,
    // https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_getdeleted_getdeletedresult.htm).
    // The recycle bin holds whatever was removed, a lead this world generated or one admitted by hand.
    const read = this.readStamped(watermark, until, () =>
      [...new Set(leadIds)].flatMap((leadId) => {
        const removal = this.removed.get(assertValidId(leadId, 'leadIds[]'));
        return removal ? [{ key: `${leadId}.removed`, leadId, ...removal }] : [];
      }),
    );
    const items = read.fresh
      .map(({ leadId, mergedInto, at }) => ({ leadId, mergedInto, removedAt: iso(at) }))
      .sort((a, b) => Date.parse(a.removedAt) - Date.parse(b.removedAt) || (a.leadId < b.leadId ? -1 : 1));
    return { items, watermark: read.watermark };
  }

  /**
   * Deletes a lead, or merges it into another, as someone in the org would (for tests and the demo): from then on
   * writes to it are refused and reads leave it out, as Salesforce does for a record in the recycle bin.
   */
  removeLead(leadId: string, mergedInto: string | null = null): void {
    this.removed.set(assertValidId(leadId, 'leadId'), { mergedInto, at: this.hooks.now().getTime() });
  }

  apiUsage(): CrmApiUsage {
    return { used: this.calls, max: this.config.apiLimit, callsMade: this.calls };
  }

  async fetchApiUsage(): Promise<CrmApiUsage> {
    this.calls += 1;
    return this.apiUsage();
  }

  /** The lead's current owner in the simulated CRM (for tests and the demo). */
  leadOwner(leadId: string): string | undefined {
    return this.leads.get(leadId)?.ownerId;
  }

  /** The lead's status as last set through the port, or undefined. */
  leadStatus(leadId: string): string | undefined {
    return this.leads.get(leadId)?.status?.value;
  }

  /** Follow-up tasks created so far, by idempotency key (for tests and the demo). */
  followUpTasks(): ReadonlyMap<string, { leadId: string; ownerId: string; subject: string; dueDate: string }> {
    return this.tasks;
  }

  private leadStatuses(): string[] {
    const { acceptedStatus, rejectedStatus, convertedStatus, waitingStatus, nurtureStatus } = this.config;
    return [
      ...new Set([
        'Open - Not Contacted',
        acceptedStatus,
        waitingStatus,
        rejectedStatus,
        convertedStatus,
        nurtureStatus,
      ]),
    ];
  }

  /**
   * One change read (one API call): the records `of` the known leads stamped from the watermark up to `until` (the
   * poll's time, whole seconds down; at most now), those not handed out before, and the next watermark. Like
   * Salesforce, unknown leads simply have no records.
   */
  private readChanges<T extends { key: string; at: number }>(
    leadIds: string[],
    watermark: string | null,
    until: string | undefined,
    of: (lead: SimLead) => T[],
  ): { fresh: T[]; watermark: string | null } {
    return this.readStamped(watermark, until, () => this.knownLeads(leadIds).flatMap(of));
  }

  /** A change read over any records: those stamped from the watermark up to `until`, and the next watermark. */
  private readStamped<T extends { key: string; at: number }>(
    watermark: string | null,
    until: string | undefined,
    records: () => T[],
  ): { fresh: T[]; watermark: string | null } {
    this.calls += 1;
    const now = this.hooks.now().getTime();
    this.generateUntil(now);
    const previous = parseWatermark(watermark);
    const asked = until === undefined ? now : Date.parse(until);
    if (Number.isNaN(asked)) throw crmInvalidInput(`until must be an ISO-8601 date-time, got ${JSON.stringify(until)}`);
    const bound = Math.min(now, wholeSecond(asked));
    const rows = records()
      .filter((row) => row.at <= bound && (previous === null || row.at >= Date.parse(previous.at)))
      .map((row) => ({ ...row, stamp: iso(row.at) }));
    const { fresh, watermark: next } = advanceWatermark(previous, rows, 0, null, iso(wholeSecond(bound)));
    return { fresh, watermark: next ? encodeWatermark(next) : watermark };
  }

  private knownLeads(leadIds: string[]): SimLead[] {
    return [...new Set(leadIds)].flatMap((leadId) => {
      const lead = this.leads.get(assertValidId(leadId, 'leadIds[]'));
      return lead && !this.removed.has(leadId) ? [lead] : [];
    });
  }

  // Task IDs for calls, emails and texts; Event IDs for meetings, as Salesforce logs them. A meeting booked
  // ahead is an attempt once it starts.
  private attemptsOf(lead: SimLead): { leadId: string; activityId: string; at: number; channel: ContactChannel }[] {
    if (lead.touchAt === null || lead.seq === null) return [];
    const seq = lead.seq;
    const logged = [{ at: lead.touchAt, channel: lead.channel }, ...lead.followUps.filter((f) => f.at > lead.touchAt!)];
    const attempts = logged.map((attempt, i) => ({
      leadId: lead.leadId,
      activityId: this.recordId(attempt.channel === 'meeting' ? '00U' : '00T', seq * 10 + i),
      at: attempt.at,
      channel: attempt.channel,
    }));
    const booked = this.bookedMeeting(lead);
    if (booked)
      attempts.push({ leadId: lead.leadId, activityId: booked.activityId, at: booked.startsAt, channel: 'meeting' });
    return attempts;
  }

  // Event records: meetings logged as they happened (created at their start) and the meeting booked ahead.
  private eventsOf(lead: SimLead): { leadId: string; activityId: string; bookedAt: number }[] {
    const logged = this.attemptsOf(lead).filter((attempt) => attempt.channel === 'meeting');
    const booked = this.bookedMeeting(lead);
    return logged.map((attempt) =>
      attempt.activityId === booked?.activityId
        ? { leadId: lead.leadId, activityId: booked.activityId, bookedAt: booked.bookedAt }
        : { leadId: lead.leadId, activityId: attempt.activityId, bookedAt: attempt.at },
    );
  }

  // The meeting booked ahead, unless a status written through the port (e.g. back to nurture) came first. Its
  // Event number is the lead's own: under 10^7, clear of the logged attempts' (lead number × 10 + i).
  private bookedMeeting(lead: SimLead): { activityId: string; bookedAt: number; startsAt: number } | null {
    if (lead.seq === null || !lead.meeting || !this.beforePortStatus(lead, lead.meeting.bookedAt)) return null;
    return { activityId: this.recordId('00U', lead.seq), ...lead.meeting };
  }

  // Simulated behaviour after a status written through the port does not happen: the workflow moved the lead.
  private beforePortStatus(lead: SimLead, at: number): boolean {
    return lead.status === null || lead.status.at > at;
  }

  // LeadHistory rows: the rep's decision, the conversion, and statuses written through the port.
  private statusHistory(lead: SimLead): { leadId: string; changeId: string; status: string; at: number }[] {
    const changes: { status: string; at: number; n: number }[] = [];
    if (lead.seq !== null && lead.decision) changes.push({ ...lead.decision, n: lead.seq * 10 });
    if (lead.seq !== null && lead.convertsAt !== null && this.convertedBy(lead, Number.MAX_SAFE_INTEGER))
      changes.push({ status: this.config.convertedStatus, at: lead.convertsAt, n: lead.seq * 10 + 1 });
    if (lead.seq !== null && lead.waiting) {
      const { from, until } = lead.waiting;
      if (this.beforePortStatus(lead, from))
        changes.push({ status: this.config.waitingStatus, at: from, n: lead.seq * 10 + 2 });
      if (this.beforePortStatus(lead, until))
        changes.push({ status: this.config.acceptedStatus, at: until, n: lead.seq * 10 + 3 });
    }
    if (lead.status)
      changes.push({ status: lead.status.value, at: lead.status.at, n: PORT_STATUS_BASE + lead.statusWrite! });
    return changes.map((change) => ({
      leadId: lead.leadId,
      changeId: this.recordId('017', change.n),
      status: change.status,
      at: change.at,
    }));
  }

  // A lead converts unless it was moved to another status (e.g. back to nurture) before converting.
  private convertedBy(lead: SimLead, now: number): boolean {
    if (lead.convertsAt === null || lead.convertsAt > now) return false;
    return lead.status === null || lead.status.at > lead.convertsAt;
  }

  // Draws every lead that has arrived by `until`. Each lead consumes the campaign's stream in
  // arrival order, so the world does not depend on how often or when it is polled.
  private generateUntil(until: number): void {
    for (const campaign of this.campaigns.values()) {
      const { random, config } = campaign;
      for (let arrival = this.arrivalBy(campaign, until); arrival !== null; arrival = this.arrivalBy(campaign, until)) {
        const createdAt = Math.floor(arrival / 1000) * 1000; // CRM timestamps have whole seconds
        const tier = random.weighted(config.tierMix);
        const rep = this.config.reps[Math.floor(random.next() * this.config.reps.length)];
        const neverTouched = random.next() < this.config.neverTouchedShare;
        const responseMinutes = random.logNormal(rep.medianResponseMinutes, rep.responseSpread);
        const channel = random.weighted(this.config.channelMix);
        const conversionRoll = random.next();
        const conversionHours = random.logNormal(this.config.medianConversionHours, 0.5);
        const multiplier = this.hooks.conversionMultiplier?.(new Date(createdAt), config.crmCampaignId) ?? 1;
        const start = this.startOf(campaign, rep, createdAt);
        if (!neverTouched) this.occupy(campaign, rep, start);
        const touchAt = neverTouched ? null : wholeSecond(start + responseMinutes * 60_000);
        const converts =
          touchAt !== null &&
          conversionRoll < this.config.conversionRate * multiplier * this.speedToLead(touchAt - createdAt);
        if (campaign.leads.length + 1 >= LEADS_PER_CAMPAIGN)
          throw new Error(
            `sandbox CRM: campaign ${config.crmCampaignId} has reached ${LEADS_PER_CAMPAIGN} simulated leads`,
          );
        const seq = (campaign.index + 1) * LEADS_PER_CAMPAIGN + campaign.leads.length + 1;
        const leadId = this.recordId('00Q', seq);
        const convertsAt = converts && touchAt !== null ? wholeSecond(touchAt + conversionHours * 3_600_000) : null;
        // Follow-ups and the decision draw from the lead's own stream, so the arrival stream is unchanged; the
        // wait on the customer and the meeting from another, so the earlier draws are unchanged too.
        const own = new SeededRandom(`${this.config.seed}:lead:${leadId}`);
        const followUps = touchAt === null ? [] : this.drawFollowUps(own, touchAt);
        const decision = touchAt === null ? null : this.drawDecision(own, touchAt, convertsAt);
        const lead: SimLead = {
          leadId,
          campaignId: config.crmCampaignId,
          tier,
          createdAt,
          ownerId: rep.ownerId,
          touchAt,
          channel,
          seq,
          followUps,
          decision,
          convertsAt,
          ...this.drawAfterAcceptance(new SeededRandom(`${this.config.seed}:accepted:${leadId}`), decision, convertsAt),
          status: null,
        };
        campaign.leads.push(lead);
        this.leads.set(lead.leadId, lead);
        if (config.leadsPerHour === undefined) campaign.nextLevel = (campaign.nextLevel ?? 0) + random.exponential(1);
        else campaign.nextArrival += this.arrivalGap(random, config.leadsPerHour);
      }
    }
  }

  /**
   * When the campaign's next lead arrives, if by `until`. On a curve, arrivals are a Poisson process in
   * expected-arrivals units (unit-mean gaps), mapped back to instants: the rate follows the curve's slope.
   */
  private arrivalBy(campaign: SimCampaign, until: number): number | null {
    const curve = this.hooks.arrivals;
    if (campaign.config.leadsPerHour !== undefined || !curve) {
      return campaign.nextArrival <= until ? campaign.nextArrival : null;
    }
    // The first lead comes one gap after what was expected by the world's start (a restart starts mid-flight).
    campaign.nextLevel ??= curve.expectedBy(new Date(campaign.nextArrival)) + campaign.random.exponential(1);
    if (curve.expectedBy(new Date(until)) < campaign.nextLevel) return null;
    return curve.instantOf(campaign.nextLevel)?.getTime() ?? null;
  }

  /**
   * When a rep given a lead at `givenAt` starts on it (their reaction time comes on top): at once without a touch
   * rate, else once they are through the leads given to them before.
   */
  private startOf(campaign: SimCampaign | undefined, rep: SandboxRep, givenAt: number): number {
    if (!campaign || rep.touchesPerHour === undefined) return givenAt;
    return Math.max(givenAt, campaign.repFreeAt.get(rep.ownerId) ?? givenAt);
  }

  /** The rep works on a lead from `start`, for an hour / (touchesPerHour x the staffing share then). */
  private occupy(campaign: SimCampaign | undefined, rep: SandboxRep, start: number): void {
    if (!campaign || rep.touchesPerHour === undefined) return;
    const staffing = Math.max(0.01, this.hooks.staffing?.(new Date(start)) ?? 1);
    campaign.repFreeAt.set(rep.ownerId, start + 3_600_000 / (rep.touchesPerHour * staffing));
  }

  /** The conversion chance of a lead first touched `responseMs` after it arrived, relative to a prompt touch. */
  private speedToLead(responseMs: number): number {
    const curve = this.config.speedToLead;
    if (!curve) return 1;
    const late = responseMs / 60_000 - curve.graceMinutes;
    return late <= 0 ? 1 : 0.5 ** (late / curve.halfLifeMinutes);
  }

  private drawFollowUps(random: SeededRandom, touchAt: number): { at: number; channel: ContactChannel }[] {
    const count = Math.floor(random.next() * (this.config.maxFollowUps + 1));
    const followUps: { at: number; channel: ContactChannel }[] = [];
    let at = touchAt;
    for (let i = 0; i < count; i += 1) {
      at = wholeSecond(at + random.logNormal(this.config.followUpGapHours, 0.6) * 3_600_000);
      followUps.push({ at, channel: random.weighted(this.config.channelMix) });
    }
    return followUps;
  }

  // A converting lead is accepted before it converts; others are accepted or rejected.
  private drawDecision(
    random: SeededRandom,
    touchAt: number,
    convertsAt: number | null,
  ): { at: number; status: string } {
    const delay = random.logNormal(this.config.medianDecisionMinutes, 0.5) * 60_000;
    const accepted = convertsAt !== null || random.next() < this.config.acceptShare;
    let at = wholeSecond(touchAt + delay);
    if (convertsAt !== null && at >= convertsAt) at = Math.max(touchAt, convertsAt - 1_000);
    return { at, status: accepted ? this.config.acceptedStatus : this.config.rejectedStatus };
  }

  /**
   * What an accepted lead does next: some wait on the customer a while after the acceptance and come back before
   * converting; some book a meeting that starts later. Always the same draws, whatever is kept.
   */
  private drawAfterAcceptance(
    random: SeededRandom,
    decision: { at: number; status: string } | null,
    convertsAt: number | null,
  ): Pick<SimLead, 'waiting' | 'meeting'> {
    const waits = random.next() < this.config.waitingShare;
    let from = wholeSecond((decision?.at ?? 0) + random.logNormal(this.config.medianMinutesToWaiting, 0.5) * 60_000);
    let until = wholeSecond(from + random.logNormal(this.config.medianWaitingHours, 0.6) * 3_600_000);
    const books = random.next() < this.config.meetingShare;
    const bookedAt = wholeSecond(
      (decision?.at ?? 0) + random.logNormal(this.config.medianMinutesToBooking, 0.6) * 60_000,
    );
    const startsAt = wholeSecond(bookedAt + random.logNormal(this.config.medianMeetingLeadHours, 0.5) * 3_600_000);
    if (decision?.status !== this.config.acceptedStatus) return { waiting: null, meeting: null };
    if (convertsAt !== null && until >= convertsAt) {
      // Back to work before converting; a lead converting soon after acceptance does not wait at all.
      until = convertsAt - 1_000;
      from = Math.min(from, until - 1_000);
    }
    return {
      waiting: waits && from > decision.at ? { from, until } : null,
      meeting: books ? { bookedAt, startsAt } : null,
    };
  }

  private arrivalGap(random: SeededRandom, leadsPerHour: number): number {
    return random.exponential(3_600_000 / leadsPerHour);
  }

  private campaign(crmCampaignId: string): SimCampaign {
    const campaign = this.campaigns.get(assertValidId(crmCampaignId, 'crmCampaignId'));
    if (!campaign) throw crmRequestRejected(`campaign ${crmCampaignId} is not simulated by this sandbox CRM`);
    return campaign;
  }

  /**
   * Leads can reach the workflow without this simulation (the admitLeads Update, the CLI); the sandbox
   * records writes for them like a CRM would for leads it holds, with no simulated behaviour.
   */
  private leadForWrite(leadId: string): SimLead {
    // A deleted or merged record refuses updates with ENTITY_IS_DELETED, which Salesforce will not change its mind on.
    if (this.removed.has(assertValidId(leadId, 'leadId')))
      throw crmRequestRejected(`Salesforce ENTITY_IS_DELETED: entity is deleted (lead ${leadId})`);
    const known = this.leads.get(leadId);
    if (known) return known;
    const lead: SimLead = {
      leadId,
      campaignId: '',
      tier: '',
      createdAt: this.hooks.now().getTime(),
      ownerId: '',
      touchAt: null,
      channel: 'other',
      seq: null,
      followUps: [],
      decision: null,
      convertsAt: null,
      waiting: null,
      meeting: null,
      status: null,
    };
    this.leads.set(leadId, lead);
    return lead;
  }

  private lead(leadId: string): SimLead {
    const lead = this.leads.get(assertValidId(leadId, 'leadId'));
    if (!lead) throw crmRequestRejected(`lead ${leadId} does not exist in the sandbox CRM`);
    return lead;
  }
}

function assertValidId(id: string, what: string): string {
  const parsed = sandboxIdText.safeParse(id);
  if (!parsed.success) throw crmInvalidInput(`${what}: ${parsed.error.issues[0].message}, got ${JSON.stringify(id)}`);
  return id;
}

function parseWatermark(text: string | null): ChangeWatermark | null {
  if (text === null) return null;
  try {
    return decodeWatermark(text);
  } catch (err) {
    throw crmInvalidInput((err as Error).message);
  }
}

// CRM timestamps have whole seconds.
function wholeSecond(millis: number): number {
  return Math.floor(millis / 1000) * 1000;
}

// ID ranges of records the port writes, clear of the simulated leads' derived IDs.
const LEADS_PER_CAMPAIGN = 1_000_000;
// Below the first lead's attempt and history numbers (LEADS_PER_CAMPAIGN × 10).
const FOLLOW_UP_TASK_BASE = 1_000_000;
const PORT_STATUS_BASE = 1_000_000;

function iso(millis: number): string {
  return new Date(millis).toISOString();
}

/** Two user IDs naming one user: Salesforce IDs by their 15-character key, any other ID as written. */
function sameUser(a: string, b: string): boolean {
  const key = (id: string) => (/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(id) ? salesforceIdKey(id) : id);
  return key(a) === key(b);
}
