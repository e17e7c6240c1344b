// What a Salesforce org must have before the adapter takes work, read from the Lead and Task describes: the fields
// the field mapping and settings name, readable by the integration user (a describe lists only the fields it can
// see), and the follow-up tasks' idempotency key as a Text field marked External ID and Unique. Without Unique the
// retry of a create that reached Salesforce makes a second task instead of being refused with DUPLICATE_VALUE
// (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/field_types.htm).
import type { SalesforceFieldMapping } from './salesforceRecords';
import type { SalesforceSettings } from './salesforceSettings';

/** The Field properties read (DescribeSObjectResult.fields). */
interface DescribedField {
  name: string;
  type: string;
  externalId?: boolean;
  unique?: boolean;
  createable?: boolean;
}

export interface DescribedObjects {
  lead: DescribedField[];
  task: DescribedField[];
}

/** Every problem found, each naming the field and what to change; none: the org is ready. */
export function orgSetupProblems(
  described: DescribedObjects,
  mapping: SalesforceFieldMapping,
  settings: Pick<SalesforceSettings, 'campaignLink' | 'clickIdFields'>,
): string[] {
  const problems: string[] = [];
  // Field API names are case-insensitive.
  const find = (fields: DescribedField[], name: string) =>
    fields.find((field) => field.name.toLowerCase() === name.toLowerCase());
  const leadField = (name: string, why: string, types?: string[]) => {
    const field = find(described.lead, name);
    if (!field) problems.push(`Lead.${name} does not exist or the integration user cannot read it (${why})`);
    else if (types && !types.includes(field.type))
      problems.push(`Lead.${name} is a ${field.type} field, not ${types.join(' or ')} (${why})`);
  };
  leadField(mapping.owner, 'the lead owner', ['reference']);
  if (mapping.tier) leadField(mapping.tier, 'the SLA tier', ['string', 'picklist']);
  if (settings.campaignLink.kind === 'leadField') leadField(settings.campaignLink.field, 'the campaign link');
  for (const [kind, field] of Object.entries(settings.clickIdFields)) if (field) leadField(field, `the ${kind}`);

  const key = mapping.taskIdempotencyKey;
  const keyField = find(described.task, key);
  const purpose = 'the follow-up tasks are created with it as their idempotency key';
  if (!keyField) {
    problems.push(
      `Task.${key} does not exist or the integration user cannot read it: ${purpose} (a Text field marked External ID and Unique)`,
    );
    return problems;
  }
  if (keyField.type !== 'string') problems.push(`Task.${key} is a ${keyField.type} field, not Text: ${purpose}`);
  const unmarked = [keyField.externalId ? [] : ['External ID'], keyField.unique ? [] : ['Unique']].flat();
  if (unmarked.length)
    problems.push(
      `Task.${key} is not marked ${unmarked.join(' and ')}: a retried follow-up task would be created a second time instead of being refused as a duplicate`,
    );
  if (keyField.createable === false) problems.push(`the integration user cannot write Task.${key}: ${purpose}`);
  return problems;
}
