// What each campaign alert says. Pure: the workflow decides when to raise one, a Notifier delivers it.
import type { AdsAccountProblem } from './adsAccount';
import type { Alert } from './alerts';
import { clockLabel } from './clockKind';
import type { ClockAlertEffect, EscalationEffect } from './leadBook';
import type { ProposalState } from './proposals';

/** A lead's clock is about to run out (warning) or has run out (breach, escalation starts). */
export function clockAlert(campaignId: string, effect: ClockAlertEffect): Alert {
  const base = {
    campaignId,
    fields: { leadId: effect.leadId, clock: effect.clock, tier: effect.tier, ownerId: effect.ownerId },
  };
  if (effect.type === 'warning') {
    return {
      ...base,
      dedupeKey: `${campaignId}:${effect.leadId}:${effect.clock}:warning`,
      severity: 'warning',
      title: `SLA warning: ${clockLabel(effect.clock)} for lead ${effect.leadId}`,
      text: `Lead ${effect.leadId} (${effect.tier}) owned by ${effect.ownerId} must be handled by ${new Date(effect.deadline).toISOString()}.`,
    };
  }
  return {
    ...base,
    dedupeKey: `${campaignId}:${effect.leadId}:${effect.clock}:breach`,
    severity: 'critical',
    title: `SLA breach: ${clockLabel(effect.clock)} for lead ${effect.leadId}`,
    text: `Lead ${effect.leadId} (${effect.tier}) owned by ${effect.ownerId} missed its ${clockLabel(effect.clock)} deadline ${new Date(effect.deadline).toISOString()}${effect.escalates === false ? ' (this clock does not escalate)' : '; escalation started'}.`,
  };
}

export function proposalWaitingAlert(campaignId: string, proposal: ProposalState): Alert {
  return {
    dedupeKey: `${campaignId}:proposal:${proposal.proposalId}`,
    severity: 'warning',
    campaignId,
    title: `Budget proposal ${proposal.proposalId} waits for approval`,
    text: `${proposal.reason} Approve or reject before ${proposal.expiresAt}.`,
    fields: { proposalId: proposal.proposalId, action: proposal.action },
    decides: { proposalId: proposal.proposalId },
  };
}

/** `summary` is the Ads adapter's description of the change it made. */
export function proposalAppliedAlert(campaignId: string, proposal: ProposalState, summary: string): Alert {
  return {
    dedupeKey: `${campaignId}:applied:${proposal.proposalId}`,
    severity: 'info',
    campaignId,
    title: `Budget proposal ${proposal.proposalId} applied`,
    text: summary,
    fields: { proposalId: proposal.proposalId, action: proposal.action },
  };
}

/** A velocity check found the budget or status changed by someone other than campaign-sla. */
export function externalBudgetChangeAlert(campaignId: string, checkId: string, change: string): Alert {
  return {
    dedupeKey: `${campaignId}:external:${checkId}`,
    severity: 'warning',
    campaignId,
    title: 'Budget changed outside campaign-sla',
    text: change,
  };
}

/** Sent once per run: the campaign's state no longer fits a continue-as-new payload. */
export function carryOverTooLargeAlert(
  campaignId: string,
  size: {
    openLeads: number;
    /** What the carry-over would have weighed; null when the open leads alone were too many to carry. */
    bytes: number | null;
    limit: number;
    openLeadsLimit: number;
    continuedAsNew: number;
  },
): Alert {
  const { openLeads, bytes, limit, openLeadsLimit } = size;
  const why = bytes === null ? `limit ${openLeadsLimit} open leads per run` : `${bytes} bytes, limit ${limit}`;
  return {
    dedupeKey: `${campaignId}:carry-over-too-large:${size.continuedAsNew}`,
    severity: 'critical',
    campaignId,
    title: `Campaign ${campaignId} is too large to continue as new`,
    text:
      `campaign ${campaignId} holds ${openLeads} open leads, too many to carry over ` +
      `(${why}). It keeps running in its current run, whose history keeps growing, and takes no new leads ` +
      '(admitLeads is refused, the CRM poll leaves them in the CRM) until enough leads close for it to hand over: ' +
      'close or nurture worked leads, or send new leads to another campaign.',
    fields: bytes === null ? { openLeads } : { openLeads, bytes },
  };
}

/** Something the workflow could not do on its own (a failed system, a blocked proposal): ops must act. */
export function opsEscalationAlert(campaignId: string, title: string, message: string, dedupeKey: string): Alert {
  // One full stop, whether or not the message ends with one.
  const said = message.replace(/\.+$/, '');
  return { dedupeKey, severity: 'critical', campaignId, title, text: `${title}: ${said}. Ops action required.` };
}

/**
 * What an escalation step tells people: one alert per step, keyed by (campaign, lead, clock, step). `ownerInCrm`: the
 * CRM shows another owner than the reassignment wrote (its own automation moved the lead).
 */
export function escalationStepAlert(campaignId: string, step: EscalationEffect, ownerInCrm?: string): Alert {
  const fields = { leadId: step.leadId, clock: step.clock, tier: step.tier, ownerId: step.ownerId };
  const stepKey = `${campaignId}:${step.leadId}:${step.clock}:step${step.stepIndex}`;
  switch (step.step) {
    case 'notify-owner':
      return {
        dedupeKey: stepKey,
        severity: 'critical',
        campaignId,
        title: `Act now: lead ${step.leadId} breached ${clockLabel(step.clock)}`,
        text: `Owner ${step.ownerId}: lead ${step.leadId} (${step.tier}) breached its ${clockLabel(step.clock)} SLA; act now.`,
        fields,
      };
    case 'reassign':
      if (step.newOwnerId && ownerInCrm !== undefined)
        return {
          dedupeKey: stepKey,
          severity: 'critical',
          campaignId,
          title: `Lead ${step.leadId} reassignment did not stick`,
          text: `${clockLabel(step.clock)} breached under ${step.ownerId}; round-robin in pool ${step.pool} picked ${step.newOwnerId}, but the CRM shows ${ownerInCrm}: an assignment rule, flow or trigger moved it. The CRM's owner stands; check the org's automation.`,
          fields: { ...fields, newOwnerId: step.newOwnerId, ownerInCrm },
        };
      return step.newOwnerId
        ? {
            dedupeKey: stepKey,
            severity: 'warning',
            campaignId,
            title: `Lead ${step.leadId} reassigned to ${step.newOwnerId}`,
            text: `${clockLabel(step.clock)} breached under ${step.ownerId}; round-robin in pool ${step.pool} picked ${step.newOwnerId}.`,
            fields: { ...fields, newOwnerId: step.newOwnerId },
          }
        : {
            dedupeKey: stepKey,
            severity: 'critical',
            campaignId,
            title: `Lead ${step.leadId} could not be reassigned`,
            text: `${step.reason ?? 'nobody in the pool can take it'}. Escalating to the manager.`,
            fields,
          };
    case 'notify-manager':
      return {
        dedupeKey: stepKey,
        severity: 'critical',
        campaignId,
        title: `Manager escalation: lead ${step.leadId} (${clockLabel(step.clock)})`,
        text: `Lead ${step.leadId} breached ${clockLabel(step.clock)}; owner ${step.ownerId} has not acted. Manager ${step.managerId ?? '(none configured)'} notified.`,
        fields: { ...fields, managerId: step.managerId ?? '' },
      };
    case 'return-to-nurture':
      return {
        dedupeKey: stepKey,
        severity: 'warning',
        campaignId,
        title: `Lead ${step.leadId} returned to nurture`,
        text: `Escalation chain for ${clockLabel(step.clock)} ended; lead returned to marketing nurture.`,
        fields,
      };
  }
}

/** Titles a digest lists by name; the rest are counted (each alert stays in the ledger under its own key). */
const DIGEST_LISTED = 10;

/** Many alerts that fired together, as one message: counts by severity and the first titles. */
export function alertDigest(campaignId: string, alerts: readonly Alert[], digestId: string): Alert {
  const severities = ['critical', 'warning', 'info'] as const;
  const counts = severities
    .map((severity) => [severity, alerts.filter((a) => a.severity === severity).length] as const)
    .filter(([, count]) => count > 0);
  const listed = alerts.slice(0, DIGEST_LISTED).map((a) => `• ${a.title}`);
  const more = alerts.length - listed.length;
  return {
    dedupeKey: `${campaignId}:digest:${digestId}`,
    severity: counts[0]?.[0] ?? 'info',
    campaignId,
    title: `${alerts.length} alerts at once (digest ${digestId})`,
    text: [
      `${counts.map(([severity, count]) => `${count} ${severity}`).join(', ')}:`,
      ...listed,
      ...(more > 0 ? [`…and ${more} more, each in the ledger's alerts_sent under digest ${digestId}.`] : []),
    ].join('\n'),
    fields: Object.fromEntries(counts),
  };
}

/** The Google Ads campaign does not fit the contract; keyed by the check that first saw it, so it comes back if it returns. */
export function adsAccountProblemAlert(campaignId: string, checkId: string, problem: AdsAccountProblem): Alert {
  return {
    dedupeKey: `${campaignId}:ads-account:${problem.code}:${checkId}`,
    severity: problem.severity === 'error' ? 'critical' : 'warning',
    campaignId,
    title: `Google Ads campaign does not fit the contract (${problem.code})`,
    text: problem.message,
    fields: { problem: problem.code },
  };
}

/** A rep taken out of rotation after too many breaches (responseSla.routing.outOfRotation). */
export function outOfRotationAlert(campaignId: string, repId: string, breaches: number, until: number): Alert {
  const untilIso = new Date(until).toISOString();
  return {
    dedupeKey: `${campaignId}:out-of-rotation:${repId}:${untilIso}`,
    severity: 'warning',
    campaignId,
    title: `Rep ${repId} out of rotation until ${untilIso}`,
    text: `${repId} reached ${breaches} SLA breaches within the configured window, so routing gives them no new leads until ${untilIso}; the leads they hold stay with them.`,
    fields: { repId, until: untilIso },
  };
}

/** A lead the CRM no longer holds (deleted, or merged into another): its clocks stopped and it left the book. */
export function leadRemovedAlert(campaignId: string, leadId: string, mergedInto: string | null): Alert {
  const how = mergedInto === null ? 'was deleted in the CRM' : `was merged into lead ${mergedInto} in the CRM`;
  return {
    dedupeKey: `${campaignId}:lead-removed:${leadId}`,
    severity: 'warning',
    campaignId,
    title: `Lead ${leadId} left the CRM`,
    text:
      `Lead ${leadId} ${how}, so its escalation could not go on: its SLA clocks stopped and it left the campaign's ` +
      'open leads (counted as closed untouched if nobody had touched it). Restore it from the recycle bin and admit ' +
      'it again if that was a mistake.',
    fields: mergedInto === null ? { leadId } : { leadId, mergedInto },
  };
}

/** Routing at intake that did not happen as planned: nobody available, given up, or undone by the CRM. */
export function routingAlert(campaignId: string, dedupeKey: string, title: string, text: string): Alert {
  return { dedupeKey, severity: 'warning', campaignId, title, text };
}
