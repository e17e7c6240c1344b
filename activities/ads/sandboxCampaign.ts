// Spend simulation for one sandbox campaign. Spend accrues continuously at a per-day rate: a total
// campaign budget (CUSTOM_PERIOD) is paced like Google does, spreading what is left evenly over the days
// left (with day-to-day noise) so the full amount is spent by the end date; a DAILY budget spends close
// to its amount each day. Paused time accrues nothing, and a budget change alters the rate from then on.
import { DateTime } from 'luxon';
import type { BudgetPeriod, CampaignStatus } from '../../sla/records';
import type { DailyAdsMetrics } from '../ports';
import { streamFor } from '../sandbox/seededRandom';

export interface SandboxCampaignSettings {
  budgetMicros: number;
  period: BudgetPeriod;
  status: CampaignStatus;
  /** First and last day of the flight (inclusive), YYYY-MM-DD in timeZone. */
  windowStart: string;
  windowEnd: string;
  /** The flight's first and last second ("yyyy-MM-dd HH:mm:ss" in timeZone, campaign.proto); default whole days. */
  startDateTime?: string;
  endDateTime?: string;
  timeZone: string;
  seed: number;
  cpcMicros: number;
  /** Clicks per impression. */
  ctr: number;
  /** Conversions per click before the multiplier. */
  conversionRate: number;
  /** Scripted change of the conversion rate over time, e.g. 0.78 all through day 4 for a 22% dip. */
  conversionRateMultiplier: (at: Date) => number;
  /** Relative day-to-day spend noise, e.g. 0.15 for ±15%. */
  dailyNoise: number;
  /** Relative day-to-day CPC noise, e.g. 0.1 for ±10%. */
  cpcNoise: number;
}

export class SandboxCampaign {
  private budgetMicros: number;
  private status: CampaignStatus;
  /** Epoch ms of each day's start, plus the end of the last day. */
  private readonly dayStarts: number[];
  private readonly dates: string[];
  /** Accrued spend per day, in fractional micros (rounded down when reported). */
  private readonly costByDay: number[];
  /** Spend per day weighted by the conversion-rate multiplier in force when it accrued. */
  private readonly weightedCostByDay: number[];
  /** Spend accrues in steps no longer than this, so a multiplier that changes within a day is followed. */
  private readonly stepMs: number;
  private accruedUntil: number;
  /** Clicks accrued by the end of each step ([instant ms, clicks so far], ascending), for leads that follow clicks. */
  private readonly clickCurve: [number, number][];

  constructor(private readonly settings: SandboxCampaignSettings) {
    this.budgetMicros = settings.budgetMicros;
    this.status = settings.status;
    const first = DateTime.fromISO(settings.windowStart, { zone: settings.timeZone }).startOf('day');
    const last = DateTime.fromISO(settings.windowEnd, { zone: settings.timeZone }).startOf('day');
    const days = Math.round(last.diff(first, 'days').days) + 1;
    if (!first.isValid || !last.isValid || days < 1) {
      throw new Error(
        `sandbox campaign window: ${settings.windowStart}..${settings.windowEnd} in ${settings.timeZone} is not a valid date range`,
      );
    }
    // luxon day arithmetic keeps boundaries on local midnight across DST changes. A flight that starts
    // or ends inside a day serves only from its start and until its end (Google paces from start_date_time).
    this.dayStarts = Array.from({ length: days + 1 }, (_, i) => first.plus({ days: i }).toMillis());
    const startsAt = flightSecond(settings.startDateTime, settings.timeZone);
    const endsAt = flightSecond(settings.endDateTime, settings.timeZone);
    if (startsAt !== null && startsAt > this.dayStarts[0] && startsAt < this.dayStarts[1]) this.dayStarts[0] = startsAt;
    if (endsAt !== null && endsAt + 1_000 > this.dayStarts[days - 1] && endsAt + 1_000 < this.dayStarts[days])
      this.dayStarts[days] = endsAt + 1_000;
    this.dates = Array.from({ length: days }, (_, i) => first.plus({ days: i }).toISODate() as string);
    this.costByDay = new Array<number>(days).fill(0);
    this.weightedCostByDay = new Array<number>(days).fill(0);
    this.stepMs = Math.min(3_600_000, (this.dayStarts[days] - this.dayStarts[0]) / 200);
    this.accruedUntil = this.dayStarts[0];
    this.clickCurve = [[this.dayStarts[0], 0]];
  }

  get period(): BudgetPeriod {
    return this.settings.period;
  }

  get currentBudgetMicros(): number {
    return this.budgetMicros;
  }

  get currentStatus(): CampaignStatus {
    return this.status;
  }

  /** Accrues spend up to `at` under the current settings; call before every read or change. */
  advanceTo(at: Date): void {
    const end = Math.min(at.getTime(), this.dayStarts[this.dayStarts.length - 1]);
    while (this.accruedUntil < end) {
      const day = this.dayIndexAt(this.accruedUntil);
      const segmentEnd = Math.min(end, this.dayStarts[day + 1], this.accruedUntil + this.stepMs);
      const accrued = Math.max(0, Math.min(this.ratePerMs(day) * (segmentEnd - this.accruedUntil), this.headroom(day)));
      this.costByDay[day] += accrued;
      const midpoint = new Date((this.accruedUntil + segmentEnd) / 2);
      this.weightedCostByDay[day] += accrued * this.settings.conversionRateMultiplier(midpoint);
      this.accruedUntil = segmentEnd;
      const [, clicksBefore] = this.clickCurve[this.clickCurve.length - 1];
      this.clickCurve.push([segmentEnd, clicksBefore + accrued / this.cpcMicrosOn(day)]);
    }
  }

  setBudget(amountMicros: number): void {
    this.budgetMicros = amountMicros;
  }

  setStatus(status: CampaignStatus): void {
    this.status = status;
  }

  /** Days in [fromDate, toDate] that have spend, oldest first (Google omits days without activity). */
  metrics(fromDate: string, toDate: string): DailyAdsMetrics[] {
    return this.dates.flatMap((date, day) => {
      const costMicros = Math.floor(this.costByDay[day]);
      if (date < fromDate || date > toDate || costMicros === 0) return [];
      const clicks = Math.floor(costMicros / this.cpcMicrosOn(day));
      const multiplier = this.weightedCostByDay[day] / this.costByDay[day];
      const conversions = clicks * this.settings.conversionRate * multiplier;
      return [
        {
          date,
          costMicros,
          clicks,
          impressions: Math.round(clicks / this.settings.ctr),
          conversions: Math.round(conversions * 100) / 100,
        },
      ];
    });
  }

  /** Clicks accrued (fractional) by `at`, as far as spend has been accrued; call advanceTo first. */
  clicksBy(at: number): number {
    const curve = this.clickCurve;
    if (at <= curve[0][0]) return 0;
    const last = curve[curve.length - 1];
    if (at >= last[0]) return last[1];
    const i = this.firstPoint((point) => point[0] >= at);
    const [t0, c0] = curve[i - 1];
    const [t1, c1] = curve[i];
    return c0 + ((c1 - c0) * (at - t0)) / (t1 - t0);
  }

  /** The first instant by which `clicks` clicks have accrued, or null when they have not yet. */
  instantOfClicks(clicks: number): number | null {
    const curve = this.clickCurve;
    if (clicks <= 0) return curve[0][0];
    if (clicks > curve[curve.length - 1][1]) return null;
    const i = this.firstPoint((point) => point[1] >= clicks);
    const [t0, c0] = curve[i - 1];
    const [t1, c1] = curve[i];
    return t0 + ((t1 - t0) * (clicks - c0)) / (c1 - c0);
  }

  /** Index of the first click-curve point (from 1) that `reached`, which holds from some point on. */
  private firstPoint(reached: (point: [number, number]) => boolean): number {
    let low = 1;
    let high = this.clickCurve.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (reached(this.clickCurve[mid])) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  /** The day's cost per click: the second draw of its stream (the first is the spend noise, see ratePerMs). */
  private cpcMicrosOn(day: number): number {
    const random = streamFor(this.settings.seed, day);
    random();
    return this.settings.cpcMicros * (1 + this.settings.cpcNoise * (2 * random() - 1));
  }

  private ratePerMs(day: number): number {
    if (this.status === 'PAUSED') return 0;
    const noise = 1 + this.settings.dailyNoise * (2 * streamFor(this.settings.seed, day)() - 1);
    const dayMs = this.dayStarts[day + 1] - this.dayStarts[day];
    if (this.settings.period === 'DAILY') {
      // Stay at or under the daily amount: noise only ever lowers the day's spend.
      return (this.budgetMicros * Math.min(1, noise)) / dayMs;
    }
    const remaining = Math.max(0, this.budgetMicros - this.spentBefore(day));
    // The day's share of what is left is its share of the flight time left (a partial first or last day gets less).
    const lastDay = day === this.costByDay.length - 1;
    const share = dayMs / (this.dayStarts[this.dayStarts.length - 1] - this.dayStarts[day]);
    const target = lastDay ? remaining : Math.min(remaining, remaining * share * noise);
    return target / dayMs;
  }

  /** How much more day `day` may spend without breaking the budget. */
  private headroom(day: number): number {
    if (this.settings.period === 'DAILY') return this.budgetMicros - this.costByDay[day];
    return this.budgetMicros - this.spentBefore(day + 1);
  }

  private spentBefore(day: number): number {
    let sum = 0;
    for (let i = 0; i < day; i += 1) sum += this.costByDay[i];
    return sum;
  }

  private dayIndexAt(ms: number): number {
    let day = 0;
    while (this.dayStarts[day + 1] <= ms) day += 1;
    return day;
  }
}

/** Epoch ms of a "yyyy-MM-dd HH:mm:ss" flight time in `zone`, or null when absent or unreadable. */
function flightSecond(value: string | undefined, zone: string): number | null {
  if (value === undefined) return null;
  const parsed = DateTime.fromFormat(value, 'yyyy-MM-dd HH:mm:ss', { zone });
  return parsed.isValid ? parsed.toMillis() : null;
}
