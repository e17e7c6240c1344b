// A simulated CRM for sandbox runs and demos: deterministic for a seed, driven by a clock passed
// in (so it follows Temporal's time-skipping test clock). Leads arrive as a Poisson process per
// campaign; reps answer after log-normal delays (some slower, some leads never touched, so
// breaches happen); touched leads convert at a rate a scripted multiplier can bend (e.g. a 22%
// dip on day 4). Writes change the in-memory world idempotently.
import { z } from 'zod';
import type { ContactChannel, Crm, CrmApiUsage, CrmConversionQuery, CrmFirstTouch, CrmLead } from '../ports';
import { crmInvalidInput, crmRequestRejected } from './crmFailures';
import { decodeLeadWatermark, encodeLeadWatermark } from './leadWatermark';
import { salesforceId } from './salesforceIds';
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
        /** Mean arrivals per hour (Poisson). */
        leadsPerHour: z.number().positive(),
        /** Relative weights per tier, e.g. { 'high-intent': 0.3, standard: 0.7 }. */
        tierMix: z
          .record(z.string().min(1), z.number().nonnegative())
          .refine((mix) => Object.values(mix).some((w) => w > 0), 'needs a positive weight'),
      }),
    )
    .min(1),
  reps: z
    .array(
      z.object({
        ownerId: sandboxIdText,
        /** Median minutes from assignment to first touch. */
        medianResponseMinutes: z.number().positive(),
        /** Log-space spread of response times; larger means a longer tail. */
        responseSpread: z.number().nonnegative().default(0.8),
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
  /** Median hours from creation to conversion. */
  medianConversionHours: z.number().positive().default(48),
  /** The Lead status a conversion shows up as. */
  convertedStatus: z.string().min(1).default('Qualified'),
  apiLimit: z.number().int().positive().default(15_000),
  maxFetch: z.number().int().positive().default(2_000),
});

export type SandboxCrmConfig = z.input<typeof sandboxCrmConfigSchema>;

export interface SandboxCrmHooks {
  /** The simulated "now". */
  now: () => Date;
  /** Scales the conversion chance of a lead created at `createdAt` (1 = unchanged, 0.78 = a 22% dip). */
  conversionMultiplier?: (createdAt: Date, crmCampaignId: string) => number;
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
  /** When the lead converts; null when it never does. */
  convertsAt: number | null;
  status: { value: string; at: number } | null;
}

interface SimCampaign {
  config: z.output<typeof sandboxCrmConfigSchema>['campaigns'][number];
  index: number;
  random: SeededRandom;
  nextArrival: number;
  leads: SimLead[];
}

export class SandboxCrm implements Crm {
  private readonly config: z.output<typeof sandboxCrmConfigSchema>;
  private readonly campaigns = new Map<string, SimCampaign>();
  private readonly leads = new Map<string, SimLead>();
  private readonly tasks = new Map<string, { leadId: string; ownerId: string; subject: string; dueDate: string }>();
  private readonly hooks: SandboxCrmHooks;
  private calls = 0;

  constructor(config: SandboxCrmConfig, hooks: SandboxCrmHooks) {
    const parsed = sandboxCrmConfigSchema.safeParse(config);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(config)'}: ${issue.message}`);
      throw new Error(`invalid sandbox CRM config: ${problems.join('; ')}`);
    }
    this.config = parsed.data;
    this.hooks = hooks;
    parsed.data.campaigns.forEach((campaign, index) => {
      const random = new SeededRandom(`${parsed.data.seed}:campaign:${campaign.crmCampaignId}`);
      const start = Date.parse(campaign.start);
      this.campaigns.set(campaign.crmCampaignId, {
        config: campaign,
        index,
        random,
        nextArrival: start + this.arrivalGap(random, campaign.leadsPerHour),
        leads: [],
      });
    });
  }

  async fetchNewLeads(
    crmCampaignId: string,
    watermark: string | null,
  ): Promise<{ leads: CrmLead[]; watermark: string | null }> {
    this.calls += 1;
    const campaign = this.campaign(crmCampaignId);
    this.generateUntil(this.hooks.now().getTime());
    const after = watermark === null ? null : parseWatermark(watermark);
    const fresh = campaign.leads
      .filter(
        (lead) =>
          after === null || lead.createdAt > after.at || (lead.createdAt === after.at && lead.leadId > after.leadId),
      )
      .slice(0, this.config.maxFetch);
    const last = fresh.at(-1);
    return {
      leads: fresh.map((lead) => ({
        leadId: lead.leadId,
        ownerId: lead.ownerId,
        tier: lead.tier,
        createdAt: iso(lead.createdAt),
        campaignId: lead.campaignId,
      })),
      watermark: last ? encodeLeadWatermark({ createdAt: iso(last.createdAt), leadId: last.leadId }) : watermark,
    };
  }

  async fetchFirstTouches(leadIds: string[]): Promise<CrmFirstTouch[]> {
    this.calls += 1;
    const now = this.hooks.now().getTime();
    this.generateUntil(now);
    // Like Salesforce, unknown leads simply have no touches.
    return [...new Set(leadIds)].flatMap((leadId) => {
      const lead = this.leads.get(assertValidId(leadId, 'leadIds[]'));
      return lead && lead.touchAt !== null && lead.touchAt <= now
        ? [{ leadId, at: iso(lead.touchAt), channel: lead.channel }]
        : [];
    });
  }

  async countConversions(query: CrmConversionQuery): Promise<number> {
    this.calls += 1;
    const campaign = this.campaign(query.crmCampaignId);
    const [from, to] = [Date.parse(query.from), Date.parse(query.to)];
    if (Number.isNaN(from) || Number.isNaN(to) || from >= to)
      throw crmInvalidInput(`from/to must be ISO date-times with from before to, got ${query.from}..${query.to}`);
    const now = this.hooks.now().getTime();
    this.generateUntil(now);
    if (query.countOpportunities) {
      // Each conversion opens an Opportunity at the moment of conversion.
      return campaign.leads.filter(
        (lead) => this.convertedBy(lead, now) && lead.convertsAt! >= from && lead.convertsAt! < to,
      ).length;
    }
    return campaign.leads.filter(
      (lead) =>
        lead.createdAt >= from &&
        lead.createdAt < to &&
        (this.convertedBy(lead, now) || query.convertedStatuses.includes(this.statusOf(lead, now))),
    ).length;
  }

  async setOwner(leadId: string, ownerId: string): Promise<void> {
    this.calls += 1;
    const lead = this.leadForWrite(leadId);
    assertValidId(ownerId, 'ownerId');
    if (lead.ownerId === ownerId) return;
    const rep = this.config.reps.find((candidate) => candidate.ownerId === ownerId);
    if (!rep) {
      // Not a simulated rep: the owner changes, but nobody will touch the lead.
      lead.ownerId = ownerId;
      return;
    }
    const now = this.hooks.now().getTime();
    lead.ownerId = ownerId;
    // The new owner's behaviour is drawn from (seed, lead, owner), so repeating the call changes nothing.
    const random = new SeededRandom(`${this.config.seed}:reassign:${leadId}:${ownerId}`);
    const neverTouches = random.next() < this.config.neverTouchedShare;
    const touchAt = now + random.logNormal(rep.medianResponseMinutes, rep.responseSpread) * 60_000;
    if (!neverTouches && (lead.touchAt === null || touchAt < lead.touchAt)) {
      lead.touchAt = touchAt;
      lead.channel = random.weighted(this.config.channelMix);
    }
  }

  async createFollowUpTask(input: {
    leadId: string;
    ownerId: string;
    subject: string;
    dueDate: string;
    idempotencyKey: string;
  }): Promise<void> {
    this.calls += 1;
    this.lead(input.leadId);
    assertValidId(input.ownerId, 'ownerId');
    if (!this.tasks.has(input.idempotencyKey)) {
      this.tasks.set(input.idempotencyKey, {
        leadId: input.leadId,
        ownerId: input.ownerId,
        subject: input.subject,
        dueDate: input.dueDate,
      });
    }
  }

  async setLeadStatus(leadId: string, status: string): Promise<void> {
    this.calls += 1;
    const lead = this.leadForWrite(leadId);
    if (lead.status?.value !== status) lead.status = { value: status, at: this.hooks.now().getTime() };
  }

  apiUsage(): CrmApiUsage {
    return { used: this.calls, max: this.config.apiLimit, callsMade: this.calls };
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

  /** The simulated Lead status: a status set through the port wins, else conversion shows as convertedStatus. */
  private statusOf(lead: SimLead, now: number): string {
    if (lead.status) return lead.status.value;
    return this.convertedBy(lead, now) ? this.config.convertedStatus : 'Open';
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
      while (campaign.nextArrival <= until) {
        const createdAt = Math.floor(campaign.nextArrival / 1000) * 1000; // CRM timestamps have whole seconds
        const tier = random.weighted(config.tierMix);
        const rep = this.config.reps[Math.floor(random.next() * this.config.reps.length)];
        const neverTouched = random.next() < this.config.neverTouchedShare;
        const responseMinutes = random.logNormal(rep.medianResponseMinutes, rep.responseSpread);
        const channel = random.weighted(this.config.channelMix);
        const conversionRoll = random.next();
        const conversionHours = random.logNormal(this.config.medianConversionHours, 0.5);
        const multiplier = this.hooks.conversionMultiplier?.(new Date(createdAt), config.crmCampaignId) ?? 1;
        const converts = !neverTouched && conversionRoll < this.config.conversionRate * multiplier;
        const lead: SimLead = {
          leadId: salesforceId('00Q', (campaign.index + 1) * 10_000_000 + campaign.leads.length + 1),
          campaignId: config.crmCampaignId,
          tier,
          createdAt,
          ownerId: rep.ownerId,
          touchAt: neverTouched ? null : createdAt + responseMinutes * 60_000,
          channel,
          convertsAt: converts ? createdAt + conversionHours * 3_600_000 : null,
          status: null,
        };
        campaign.leads.push(lead);
        this.leads.set(lead.leadId, lead);
        campaign.nextArrival += this.arrivalGap(random, config.leadsPerHour);
      }
    }
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
    const known = this.leads.get(assertValidId(leadId, 'leadId'));
    if (known) return known;
    const lead: SimLead = {
      leadId,
      campaignId: '',
      tier: '',
      createdAt: this.hooks.now().getTime(),
      ownerId: '',
      touchAt: null,
      channel: 'other',
      convertsAt: null,
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

function parseWatermark(text: string): { at: number; leadId: string } {
  try {
    const watermark = decodeLeadWatermark(text);
    return { at: Date.parse(watermark.createdAt), leadId: watermark.leadId };
  } catch (err) {
    throw crmInvalidInput((err as Error).message);
  }
}

function iso(millis: number): string {
  return new Date(millis).toISOString();
}
