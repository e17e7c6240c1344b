// The campaign search attributes of workflows/messages.ts on a Temporal namespace. The production worker
// only verifies them (Temporal Cloud API keys usually may not register attributes); registering them is
// an admin step: `campaign-sla setup-namespace`, or compose's one-shot job.
import type { Client } from '@temporalio/client';
import { allSearchAttributeKeys } from '../workflows/messages';

// temporal.api.enums.v1.IndexedValueType, as the operator service reports and takes them.
const INDEXED_VALUE_TYPE = { TEXT: 1, KEYWORD: 2, INT: 3, DOUBLE: 4, BOOL: 5, DATETIME: 6, KEYWORD_LIST: 7 } as const;
const typeName = (value: number | undefined) =>
  Object.entries(INDEXED_VALUE_TYPE).find(([, number]) => number === value)?.[0] ?? `type ${value}`;

interface SearchAttributeProblem {
  name: string;
  expected: string;
  /** undefined: the attribute does not exist on the namespace. */
  actual?: string;
}

async function searchAttributeProblems(client: Client, namespace: string): Promise<SearchAttributeProblem[]> {
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
  return allSearchAttributeKeys.flatMap((key) => {
    const registered = customAttributes?.[key.name];
    if (registered === INDEXED_VALUE_TYPE[key.type as keyof typeof INDEXED_VALUE_TYPE]) return [];
    return [{ name: key.name, expected: key.type, actual: registered == null ? undefined : typeName(registered) }];
  });
}

/** Throws one line naming every missing or mistyped attribute and how to create them. */
export async function verifySearchAttributes(client: Client, namespace: string): Promise<void> {
  const problems = await searchAttributeProblems(client, namespace);
  if (problems.length === 0) return;
  const described = problems.map((p) =>
    p.actual ? `${p.name} is ${p.actual}, needs ${p.expected}` : `${p.name} (${p.expected}) is missing`,
  );
  throw new Error(
    `namespace ${namespace} lacks campaign-sla's search attributes: ${described.join('; ')}. ` +
      'An admin creates them once: `campaign-sla setup-namespace` (or the Temporal Cloud UI / tcld)',
  );
}

/**
 * Registers the missing attributes (idempotent). An attribute that exists with another type is an error:
 * Temporal cannot change a type, and silently using it would break visibility queries.
 */
export async function registerSearchAttributes(client: Client, namespace: string): Promise<string[]> {
  const problems = await searchAttributeProblems(client, namespace);
  const mistyped = problems.filter((p) => p.actual);
  if (mistyped.length > 0) {
    throw new Error(
      `search attributes with the wrong type on ${namespace}: ${mistyped.map((p) => `${p.name} is ${p.actual}, needs ${p.expected}`).join('; ')}`,
    );
  }
  if (problems.length === 0) return [];
  await client.connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      problems.map((p) => [p.name, INDEXED_VALUE_TYPE[p.expected as keyof typeof INDEXED_VALUE_TYPE]]),
    ),
  });
  return problems.map((p) => p.name);
}
