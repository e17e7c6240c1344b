// The CRM poll activity: leads that joined the campaign, every contact attempt (Tasks and Events) and
// every mapped Lead status change since the last poll, all read from the CRM as the source of truth; when
// the campaign asks for them (milestone clocks), every status change, meetings booked and opportunities too; and
// the leads deleted or merged away, with when that happened.
// Event IDs are the CRM's own record IDs (Task/Event Id, LeadHistory Id, Opportunity Id) or derived from them
// (`.status`, `.booked`), so a retried or repeated poll hands the workflow the same events and it ignores the repeats.
import { log } from '@temporalio/activity';
import { isSalesforceId } from '../sla/ids';
import { decodeWatermark, encodeWatermark, type ChangeWatermark } from './crm/leadWatermark';
import { repIdOf, salesforceIdKey } from './crm/salesforceIds';
import type { LeadEvent, NewLead } from '../sla/leadEvents';
import type { PortResolver } from './campaignActivities';
import type { CampaignConfig } from '../sla/config';
import { dict } from '../sla/dict';
import type { Crm, CrmPage, Ledger, LeadStatusMapping } from './ports';

type ContractStatusMapping = NonNullable<CampaignConfig['campaign']['crm']['statusMapping']>;

/** How long a picklist or user check stands before it is asked again (statuses and users rarely change). */
const CHECK_TTL_MS = 3_600_000;

/** Open leads one poll asks the CRM about (batched IN clauses: O(1) calls in their number). */
const MAX_POLLED_LEADS = 2000;

/**
 * Until the campaign contract carries a status mapping, the standard Salesforce statuses that mean
 * "accepted" are used; rejections need a reason from the contract, so none are mapped by default.
 */
const DEFAULT_STATUS_MAPPING: LeadStatusMapping = {
  'Working - Contacted': { decision: 'accept' },
  'Closed - Converted': { decision: 'accept' },
};

export interface PollCrmInput {
  campaignId: string;
  crmCampaignId: string;
  watermark: string | null;
  acceptNewLeads: boolean;
  at: string;
  /** Lead status → disposition (campaign.crm.statusMapping in the contract); DEFAULT_STATUS_MAPPING when absent. */
  statusMapping?: ContractStatusMapping;
  /** The status the contract's return-to-nurture step writes; checked against the org with the mapping's. */
  nurtureStatus?: string;
  /** The contract's rep IDs: those the CRM has deactivated come back in `inactiveReps` (checked hourly). */
  repIds?: string[];
  /**
   * CRM facts the campaign's milestone clocks need beyond attempts and dispositions; each costs API calls, so none
   * is read unless asked for. statuses: every Lead status change as a `status` event (the same read as the
   * dispositions, no extra call); meetings: `meeting` events by booking time; opportunities: `stage` Opportunity.
   */
  facts?: CrmFacts;
}

export interface CrmFacts {
  statuses?: boolean;
  meetings?: boolean;
  opportunities?: boolean;
}

export interface PollCrmResult {
  leads: NewLead[];
  events: LeadEvent[];
  /** One opaque string holding the positions of the reads (members, attempts, status changes, meetings, opportunities). */
  watermark: string | null;
  /** Statuses of the contract's mapping the org's LeadStatus picklist does not have, one line each. */
  statusMappingProblems?: string[];
  /** Of `repIds`, the users the CRM has deactivated; present whenever repIds were given. */
  inactiveReps?: string[];
  /** The org's API calls in the rolling 24 hours against its allowance, as of this poll's last response. */
  apiUsage?: { used: number; max: number };
}

/** The contract's mapping in the adapters' form; statuses are outside input, so a null-prototype record. */
function leadStatusMapping(contract: ContractStatusMapping | undefined): LeadStatusMapping {
  if (!contract) return DEFAULT_STATUS_MAPPING;
  const mapping = dict<LeadStatusMapping[string]>();
  for (const [status, outcome] of Object.entries(contract))
    mapping[status] = outcome === 'accept' ? { decision: 'accept' } : { decision: 'reject', reason: outcome.reject };
  return mapping;
}

type ChangeRead = 'attempts' | 'statuses' | 'meetings' | 'opportunities' | 'removals';

interface PollPositions {
  leads: string | null;
  attempts: string | null;
  statuses: string | null;
  meetings: string | null;
  opportunities: string | null;
  /** Leads deleted or merged away in the CRM (null in positions of releases before it: read from the start). */
  removals: string | null;
  /**
   * The leads (ID keys) the change positions cover: those the poll that wrote them read. A lead outside them entering
   * the polled set is read from the start once. Null for positions of earlier releases, which did not say.
   */
  polled: Set<string> | null;
}

/** Per campaign, the answer to a question about the org, asked again only when it changes or after an hour. */
function hourlyCheck<T>() {
  const last = new Map<string, { key: string; at: number; answer: T }>();
  return async (campaignId: string, key: string, ask: () => Promise<T>): Promise<T> => {
    const now = Date.now();
    const known = last.get(campaignId);
    if (known && known.key === key && now - known.at < CHECK_TTL_MS) return known.answer;
    const answer = await ask();
    last.set(campaignId, { key, at: now, answer });
    return answer;
  };
}

export function createCrmPollActivity({ ports, ledger }: { ports: PortResolver; ledger: Ledger }) {
  const statusCheck = hourlyCheck<string[]>();
  const userCheck = hourlyCheck<string[]>();
  /**
   * The contract's statuses checked against the org's LeadStatus picklist: the mapping's, and the one
   * return-to-nurture writes (a value the org lacks is refused, INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST, on every
   * lead that reaches that step), asked on its own so its problems are named as such.
   */
  const statusMappingProblems = (crm: Crm, input: PollCrmInput): Promise<string[]> => {
    const mapped = Object.keys(input.statusMapping ?? {});
    const nurture = input.nurtureStatus;
    if (mapped.length === 0 && nurture === undefined) return Promise.resolve([]);
    return statusCheck(input.campaignId, JSON.stringify([mapped, nurture]), async () => [
      ...(mapped.length ? await crm.validateLeadStatuses(mapped) : []),
      ...(nurture === undefined
        ? []
        : (await crm.validateLeadStatuses([nurture])).map(
            (problem) => `${problem} (campaign.crm.nurtureStatus, which return-to-nurture writes)`,
          )),
    ]);
  };
  /** The contract's reps the org has deactivated (User.IsActive). */
  const inactiveReps = (crm: Crm, campaignId: string, repIds: string[]): Promise<string[]> =>
    userCheck(campaignId, JSON.stringify(repIds), () => crm.inactiveUsers(repIds));

  return {
    async pollCrm(input: PollCrmInput): Promise<PollCrmResult> {
      const crm = await ports.crm(input.campaignId, new Date(input.at));
      const mapping = leadStatusMapping(input.statusMapping);
      const mappingProblems = await statusMappingProblems(crm, input);
      const inactive = input.repIds ? await inactiveReps(crm, input.campaignId, input.repIds) : undefined;
      const positions = decodePositions(input.watermark);
      let leads: NewLead[] = [];
      if (input.acceptNewLeads) {
        const fetched = await crm.fetchNewLeads(input.crmCampaignId, positions.leads);
        positions.leads = fetched.watermark;
        // Salesforce hands OwnerId out in its 18-character form; the contract may name the same rep by 15.
        const ownerOf = repIdOf(input.repIds ?? []);
        leads = fetched.leads.map((lead) => ({
          leadId: lead.leadId,
          tier: lead.tier,
          ownerId: ownerOf(lead.ownerId),
          createdAt: lead.createdAt,
        }));
      }
      const newIds = leads.map((lead) => lead.leadId);
      const fresh = new Set(newIds.map(idKey));
      const open = await ledger.openLeadIds(input.campaignId, MAX_POLLED_LEADS);
      // A lead admitted by hand under an ID Salesforce cannot have would make every lookup fail: leave it out.
      const unknowable = open.filter((id) => !isSalesforceId(id));
      if (unknowable.length)
        log.warn('open leads left out of the CRM poll: not Salesforce IDs', {
          campaignId: input.campaignId,
          count: unknowable.length,
          examples: unknowable.slice(0, 5),
        });
      const polled = open.filter((id) => !fresh.has(idKey(id)) && isSalesforceId(id)).slice(0, MAX_POLLED_LEADS);
      // The change positions cover only the leads the poll before read. A lead entering the polled set (admitted a
      // poll ago but not yet in the ledger, moved inside the window as older leads closed, open again) is read from
      // the start, like a new lead: its records logged while it was not polled lie behind the positions.
      const covered = positions.polled;
      const knownIds = covered ? polled.filter((id) => covered.has(idKey(id))) : polled;
      const enteringIds = covered ? polled.filter((id) => !covered.has(idKey(id))) : [];
      // New leads may have been worked before they reached us: read their whole history once.
      const newLeadIds = newIds.slice(0, MAX_POLLED_LEADS);
      const fromStartIds = [...newLeadIds, ...enteringIds];
      const bound = wholeSecondsDown(input.at);
      const read = async <T>(
        position: ChangeRead,
        fetch: (ids: string[], watermark: string | null) => Promise<CrmPage<T>>,
      ): Promise<T[]> => {
        const ofStart = fromStartIds.length ? await fetch(fromStartIds, null) : null;
        const ofKnown = knownIds.length ? await fetch(knownIds, positions[position]) : null;
        // Next poll every lead read here is known: one position covers both groups (joinPositions).
        if (ofKnown && ofStart) positions[position] = joinPositions(ofKnown.watermark, ofStart.watermark, bound);
        else if (ofKnown || ofStart) positions[position] = (ofKnown ?? ofStart)!.watermark;
        return [...(ofStart?.items ?? []), ...(ofKnown?.items ?? [])];
      };
      const facts = input.facts ?? {};
      // Every read stops at the poll's time, however late the activity runs (a backlog, a retry after
      // REQUEST_LIMIT_EXCEEDED): what happened after it is not read, so no watermark moves past it, and the
      // next poll hands it out with its own time. The filter below then drops nothing a watermark passed.
      const until = input.at;
      const attempts = await read('attempts', (ids, w) => crm.fetchAttempts(ids, w, until));
      const statusOptions = { ...(facts.statuses ? { all: true } : {}), until };
      const changes = await read('statuses', (ids, w) => crm.fetchStatusChanges(ids, w, mapping, statusOptions));
      const meetings = facts.meetings ? await read('meetings', (ids, w) => crm.fetchMeetingsBooked(ids, w, until)) : [];
      const opportunities = facts.opportunities
        ? await read('opportunities', (ids, w) => crm.fetchOpportunities(ids, w, until))
        : [];
      const removals = await read('removals', (ids, w) => crm.fetchRemovedLeads(ids, w, until));
      // A fact not read now has a position that does not cover the leads read now: it starts again when next asked.
      if (!facts.meetings) positions.meetings = null;
      if (!facts.opportunities) positions.opportunities = null;
      positions.polled = new Set([...newLeadIds, ...knownIds, ...enteringIds].map(idKey));

      const now = Date.parse(input.at);
      const contacts: LeadEvent[] = attempts.map((attempt) => ({
        type: 'contact',
        leadId: attempt.leadId,
        eventId: attempt.activityId,
        channel: attempt.channel,
        at: attempt.at,
      }));
      // A mapped change is a disposition and, when statuses are asked for, a status event right after it.
      const statusChanges: LeadEvent[] = changes.flatMap((change): LeadEvent[] => {
        const { outcome } = change;
        const disposition: LeadEvent[] = outcome
          ? [
              {
                type: 'disposition',
                leadId: change.leadId,
                eventId: change.changeId,
                decision: outcome.decision,
                ...(outcome.decision === 'reject' ? { reason: outcome.reason } : {}),
                at: change.at,
              },
            ]
          : [];
        const status: LeadEvent[] = facts.statuses
          ? [
              {
                type: 'status',
                leadId: change.leadId,
                eventId: statusEventId(change.changeId, change.at),
                status: change.status,
                at: change.at,
              },
            ]
          : [];
        return [...disposition, ...status];
      });
      const booked: LeadEvent[] = meetings.map((meeting) => ({
        type: 'meeting',
        leadId: meeting.leadId,
        eventId: `${meeting.activityId}.booked`,
        at: meeting.at,
      }));
      const stages: LeadEvent[] = opportunities.map((opportunity) => ({
        type: 'stage',
        leadId: opportunity.leadId,
        // Several leads may convert into one existing Opportunity: the ledger keys events by (campaign, event ID).
        eventId: `${opportunity.opportunityId}.${opportunity.leadId}`,
        stage: 'Opportunity',
        at: opportunity.at,
      }));
      // A lead gone from the CRM closes when it left; its event ID is the one a refused escalation step would
      // record, so the lead closes once whichever finds it first.
      const removed: LeadEvent[] = removals.map((removal) => ({
        type: 'removed',
        leadId: removal.leadId,
        eventId: `${removal.leadId}:removed`,
        ...(removal.mergedInto === null ? {} : { mergedInto: removal.mergedInto }),
        at: removal.removedAt,
      }));
      // Scheduled meetings are attempts only once they have started. The sort is stable: at one instant,
      // attempts, then each disposition with its status event, then meetings booked, then opportunities, then
      // removals (what was logged at the instant a lead left counts).
      const events = [...contacts, ...statusChanges, ...booked, ...stages, ...removed]
        .filter((event) => Date.parse(event.at) <= now)
        .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
      const dispositions = statusChanges.filter((event) => event.type === 'disposition').length;
      if (leads.length || events.length)
        log.info('CRM poll', {
          campaignId: input.campaignId,
          newLeads: leads.length,
          attempts: contacts.length,
          dispositions,
          ...(facts.statuses ? { statusChanges: statusChanges.length - dispositions } : {}),
          ...(facts.meetings ? { meetingsBooked: booked.length } : {}),
          ...(facts.opportunities ? { opportunities: stages.length } : {}),
          ...(removed.length ? { removedLeads: removed.length } : {}),
        });
      return {
        leads,
        events,
        watermark: encodePositions(positions),
        ...(mappingProblems.length ? { statusMappingProblems: mappingProblems } : {}),
        ...(inactive ? { inactiveReps: inactive } : {}),
        ...apiUsageOf(crm),
      };
    },
  };
}

/** Usage the CRM reported with its last response (Sforce-Limit-Info); nothing before any response told it. */
function apiUsageOf(crm: Crm): Pick<PollCrmResult, 'apiUsage'> {
  const { used, max } = crm.apiUsage();
  return max > 0 ? { apiUsage: { used, max } } : {};
}

/**
 * The status event of a change: its own ID next to the disposition's (the change ID), with the change's second,
 * because without field history the change ID names a (lead, status) pair: a lead that comes back to a status
 * (waiting on the customer, then working again) must not read as a repeat of the first time.
 */
function statusEventId(changeId: string, at: string): string {
  return `${changeId}.status.${Math.floor(Date.parse(at) / 1000)}`;
}

const NO_POSITIONS: PollPositions = {
  leads: null,
  attempts: null,
  statuses: null,
  meetings: null,
  opportunities: null,
  removals: null,
  polled: new Set(),
};

// 15- and 18-character forms of one ID name one record, whatever the casing of the 18-character form.
const idKey = salesforceIdKey;

// A watermark from before this activity read attempts and statuses is the new-lead position alone; one from
// before it read meetings and opportunities has no position for them (read from the start when first asked);
// one from before it named the leads its positions cover has no `polled` (its open leads are taken as covered).
function decodePositions(watermark: string | null): PollPositions {
  if (watermark === null) return { ...NO_POSITIONS, polled: new Set() };
  if (!watermark.startsWith('{')) return { ...NO_POSITIONS, leads: watermark, polled: null };
  const parsed = JSON.parse(watermark) as Partial<Record<keyof PollPositions, string | null>>;
  return {
    leads: parsed.leads ?? null,
    attempts: parsed.attempts ?? null,
    statuses: parsed.statuses ?? null,
    meetings: parsed.meetings ?? null,
    opportunities: parsed.opportunities ?? null,
    removals: parsed.removals ?? null,
    polled: typeof parsed.polled === 'string' ? decodeKeys(parsed.polled) : null,
  };
}

// The three first positions are always written (as before); the others only once they have one.
function encodePositions(positions: PollPositions): string | null {
  const { leads, attempts, statuses, meetings, opportunities, removals, polled } = positions;
  if ([leads, attempts, statuses, meetings, opportunities, removals].every((position) => position === null))
    return null;
  return JSON.stringify({
    leads,
    attempts,
    statuses,
    ...(meetings !== null ? { meetings } : {}),
    ...(opportunities !== null ? { opportunities } : {}),
    ...(removals !== null ? { removals } : {}),
    polled: encodeKeys(polled ?? new Set()),
  });
}

/**
 * ID keys, sorted and front-coded: each as the length of the prefix it shares with the key before (one base-36
 * digit) and the rest, comma-separated. A campaign's lead IDs share most of their 15 characters, so a key costs
 * about 5 bytes: at most 4,000 keys (2,000 open leads polled, 2,000 new), about 20 KB.
 */
function encodeKeys(keys: Set<string>): string {
  const sorted = [...keys].filter((key) => /^[A-Za-z0-9]{1,35}$/.test(key)).sort();
  let previous = '';
  return sorted
    .map((key) => {
      let shared = 0;
      while (shared < 35 && shared < key.length && key[shared] === previous[shared]) shared += 1;
      previous = key;
      return shared.toString(36) + key.slice(shared);
    })
    .join(',');
}

function decodeKeys(text: string): Set<string> {
  const keys = new Set<string>();
  let previous = '';
  for (const entry of text === '' ? [] : text.split(',')) {
    const shared = parseInt(entry[0], 36);
    if (!/^[0-9a-z][A-Za-z0-9]*$/.test(entry) || shared > previous.length)
      throw new Error(`CRM poll watermark: malformed polled leads entry ${JSON.stringify(entry.slice(0, 40))}`);
    previous = previous.slice(0, shared) + entry.slice(1);
    keys.add(previous);
  }
  return keys;
}

/**
 * One position for the known leads (read from `known`) and the leads read from the start in the same poll, so the
 * next poll reads them all from it. Both reads went up to the poll's bound unless a LIMIT cut them (the
 * adapters' positions then name an upper bound short of it): the next read must start at the earlier cut, else
 * at the later stamp, as one read over all the leads would have (keys handed out by either are kept, so
 * nothing inside the overlap comes twice). Positions of another form (a CRM without `leadWatermark`) keep the
 * known leads' position, as before.
 */
function joinPositions(known: string | null, fromStart: string | null, bound: string): string | null {
  if (known === null || fromStart === null) return known ?? fromStart;
  let a: ChangeWatermark;
  let b: ChangeWatermark;
  try {
    a = decodeWatermark(known);
    b = decodeWatermark(fromStart);
  } catch {
    return known;
  }
  const cut = (w: ChangeWatermark) => w.until === undefined || Date.parse(w.until) < Date.parse(bound);
  const cuts = [a, b].filter(cut);
  const ms = (iso: string) => Date.parse(iso);
  const pick = (list: ChangeWatermark[], earliest: boolean) =>
    list.reduce((x, y) => ((earliest ? ms(x.at) <= ms(y.at) : ms(x.at) >= ms(y.at)) ? x : y));
  const at = (cuts.length ? pick(cuts, true) : pick([a, b], false)).at;
  const bounds = (cuts.length ? cuts : [a, b]).flatMap((w) => (w.until === undefined ? [] : [w.until]));
  const until = cuts.length
    ? bounds.reduce<string | undefined>((x, y) => (x === undefined || ms(y) < ms(x) ? y : x), undefined)
    : bounds.reduce<string | undefined>((x, y) => (x === undefined || ms(y) > ms(x) ? y : x), undefined);
  // A cut position without an upper bound (an earlier release's) keeps reading from its window's start.
  const keepUntil = cuts.some((w) => w.until === undefined) ? undefined : until;
  return encodeWatermark({
    at,
    seen: [...new Set([...a.seen, ...b.seen])],
    ...(keepUntil === undefined ? {} : { until: keepUntil }),
  });
}

// The adapters' upper bound of a read: the poll's time, whole seconds down.
function wholeSecondsDown(iso: string): string {
  const ms = Date.parse(iso);
  return new Date(ms - (((ms % 1000) + 1000) % 1000)).toISOString();
}
