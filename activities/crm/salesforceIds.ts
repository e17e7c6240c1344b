// Well-formed Salesforce IDs for the fake server and the sandbox CRM, so simulated records pass
// the same ID validation as real ones.

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** An 18-character ID with Salesforce's case-check suffix, e.g. salesforceId('00Q', 7). */
export function salesforceId(prefix: string, n: number): string {
  const base = `${prefix}${String(n).padStart(15 - prefix.length, '0')}`;
  if (base.length !== 15) throw new Error(`cannot build a Salesforce ID from prefix ${prefix} and number ${n}`);
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk += 1) {
    let bits = 0;
    for (let i = 0; i < 5; i += 1) if (/[A-Z]/.test(base[chunk * 5 + i])) bits |= 1 << i;
    suffix += SUFFIX_ALPHABET[bits];
  }
  return base + suffix;
}
