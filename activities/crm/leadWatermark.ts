// The durable poll position for new leads: the CreatedDate and Id of the last lead handed out.
// Leads are read ordered by (CreatedDate, Id), so leads sharing a CreatedDate second are
// neither skipped nor repeated across polls.
import { DateTime } from 'luxon';

export interface LeadWatermark {
  createdAt: string; // ISO, UTC
  leadId: string;
}

const SEPARATOR = '|';

export function encodeLeadWatermark(watermark: LeadWatermark): string {
  return `${watermark.createdAt}${SEPARATOR}${watermark.leadId}`;
}

export function decodeLeadWatermark(text: string): LeadWatermark {
  const parts = text.split(SEPARATOR);
  if (parts.length !== 2 || !DateTime.fromISO(parts[0]).isValid || parts[1] === '') {
    throw new Error(`lead watermark must look like "<ISO CreatedDate>|<Lead Id>", got ${JSON.stringify(text)}`);
  }
  return { createdAt: parts[0], leadId: parts[1] };
}
