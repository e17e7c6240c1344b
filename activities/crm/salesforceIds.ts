// Salesforce IDs: well-formed ones for the fake server and the sandbox CRM, so simulated records pass
// the same ID validation as real ones, and the key under which 15- and 18-character forms meet.

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/**
 * An 18-character ID with Salesforce's case-check suffix, e.g. salesforceId('00Q', 7); `space` (letters and
 * digits after the key prefix) keeps the records of different simulated orgs apart.
 */
export function salesforceId(prefix: string, n: number, space = ''): string {
  const base = `${prefix}${space}${String(n).padStart(15 - prefix.length - space.length, '0')}`;
  if (base.length !== 15 || !Number.isSafeInteger(n) || n < 0)
    throw new Error(`cannot build a Salesforce ID from prefix ${prefix}, space ${space} and number ${n}`);
  return caseSafeId(base);
}

/** The 18-character, case-safe form of a 15-character ID (an 18-character one is returned as it is). */
export function caseSafeId(id: string): string {
  if (/^[a-zA-Z0-9]{18}$/.test(id)) return id;
  if (!/^[a-zA-Z0-9]{15}$/.test(id)) throw new Error(`not a Salesforce ID: ${JSON.stringify(id.slice(0, 40))}`);
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk += 1) {
    let bits = 0;
    for (let i = 0; i < 5; i += 1) if (/[A-Z]/.test(id[chunk * 5 + i])) bits |= 1 << i;
    suffix += SUFFIX_ALPHABET[bits];
  }
  return id + suffix;
}

/**
 * The 15-character, case-sensitive key of an ID. An 18-character ID is case-insensitive: its suffix
 * says which of the first 15 characters are upper case, so any casing of it names the same record.
 */
export function salesforceIdKey(id: string): string {
  if (!/^[a-zA-Z0-9]{18}$/.test(id)) return id.slice(0, 15);
  let key = '';
  for (let chunk = 0; chunk < 3; chunk += 1) {
    const bits = SUFFIX_ALPHABET.indexOf(id[15 + chunk].toUpperCase());
    // Not a suffix Salesforce writes: the whole ID is the key, so it matches no record by accident.
    if (bits < 0) return id;
    for (let i = 0; i < 5; i += 1) {
      const char = id[chunk * 5 + i];
      key += bits & (1 << i) ? char.toUpperCase() : char.toLowerCase();
    }
  }
  return key;
}

/** The contract's form of a CRM user ID: the rep ID naming the same user (15 or 18 characters), else the ID as is. */
export function repIdOf(repIds: readonly string[]): (ownerId: string) => string {
  const byKey = new Map(repIds.map((id) => [salesforceIdKey(id), id]));
  return (ownerId) => byKey.get(salesforceIdKey(ownerId)) ?? ownerId;
}
