// Maps keyed by outside IDs (leads, owners, reps, tiers, reasons) as null-prototype objects: they stay
// plain JSON for history and continue-as-new, and a key such as "constructor" or "toString" is an
// ordinary key instead of a property inherited from Object.prototype.

export type Dict<T> = { [key: string]: T };

export function dict<T>(): Dict<T> {
  return Object.create(null) as Dict<T>;
}

/** A null-prototype copy of a record, e.g. one decoded from JSON (which always has Object.prototype). */
export function toDict<T>(record: Readonly<Record<string, T>> | undefined): Dict<T> {
  const copy = dict<T>();
  if (record) for (const key of Object.keys(record)) copy[key] = record[key];
  return copy;
}

/** The record's own value for key, never one inherited from a prototype. */
export function getOwn<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** A null-prototype copy of a record with one entry set. */
export function withEntry<T>(record: Readonly<Record<string, T>>, key: string, value: T): Dict<T> {
  const copy = toDict(record);
  copy[key] = value;
  return copy;
}
