// Google Ads API operations as Google counts them against a developer token's daily limit. The Rate Sheet
// (developers.google.com/google-ads/api/docs/rate-sheet): a Search or SearchStream query is one operation however
// many rows it returns, a mutate request one per item mutated, every other request one. Access levels
// (developers.google.com/google-ads/api/docs/access-levels): the limit is over a sliding 24 hours, 15,000 operations
// for Test and Basic access, none for Standard.
const MINUTE_MS = 60_000;
const WINDOW_MINUTES = 24 * 60;

/** The daily operation limit of a Basic (or Test) access developer token. */
export const BASIC_ACCESS_DAILY_OPERATIONS = 15_000;

export interface AdsOperationUsage {
  /** Operations this process sent in the last 24 hours. */
  used: number;
  /** The developer token's limit over 24 hours; null for Standard access (no daily limit). */
  limit: number | null;
}

/** Operations sent in the last 24 hours, kept per minute (at most 1,440 counters). */
export class AdsOperationCounter {
  private readonly perMinute = new Map<number, number>();

  constructor(
    readonly limit: number | null = BASIC_ACCESS_DAILY_OPERATIONS,
    private readonly now: () => number = Date.now,
  ) {}

  /** One request sent: `operations` as the Rate Sheet counts it (1, or the items of a mutate). */
  add(operations: number): void {
    const minute = Math.floor(this.now() / MINUTE_MS);
    this.perMinute.set(minute, (this.perMinute.get(minute) ?? 0) + operations);
    this.forgetBefore(minute - WINDOW_MINUTES + 1);
  }

  usage(): AdsOperationUsage {
    this.forgetBefore(Math.floor(this.now() / MINUTE_MS) - WINDOW_MINUTES + 1);
    let used = 0;
    for (const count of this.perMinute.values()) used += count;
    return { used, limit: this.limit };
  }

  private forgetBefore(minute: number): void {
    for (const key of this.perMinute.keys()) if (key < minute) this.perMinute.delete(key);
  }
}

/** GOOGLE_ADS_DAILY_OPERATION_LIMIT: a number, or "unlimited" for a Standard access token; default Basic's 15,000. */
export function loadAdsOperationLimit(env: NodeJS.ProcessEnv): number | null {
  const raw = env.GOOGLE_ADS_DAILY_OPERATION_LIMIT?.trim();
  if (!raw) return BASIC_ACCESS_DAILY_OPERATIONS;
  if (raw === 'unlimited') return null;
  const limit = Number(raw);
  if (!Number.isSafeInteger(limit) || limit <= 0)
    throw new Error(
      `GOOGLE_ADS_DAILY_OPERATION_LIMIT: expected a whole number of operations or "unlimited", got ${JSON.stringify(raw)}`,
    );
  return limit;
}
