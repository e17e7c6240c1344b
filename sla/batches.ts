// Splitting a list into bounded batches, in order: for payloads and requests that have both an item limit and a size
// limit (alert deliveries under Temporal's payload limits, SOQL IN clauses under Salesforce's query length).

/**
 * Batches of at most `maxItems` items whose costs, added to `baseCost`, stay within `maxCost`. An item costlier than
 * that on its own goes alone rather than being dropped.
 */
export function boundedBatches<T>(
  items: readonly T[],
  limits: { maxItems: number; maxCost: number; baseCost?: number },
  cost: (item: T) => number,
): T[][] {
  const base = limits.baseCost ?? 0;
  const batches: T[][] = [];
  let current: T[] = [];
  let total = base;
  for (const item of items) {
    const itemCost = cost(item);
    if (current.length > 0 && (current.length >= limits.maxItems || total + itemCost > limits.maxCost)) {
      batches.push(current);
      current = [];
      total = base;
    }
    current.push(item);
    total += itemCost;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
