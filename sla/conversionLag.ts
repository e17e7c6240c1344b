// Conversions come some time after the clicks that bought them (a lead is touched, worked, then
// qualifies). Judged against spend, clicks and forecast of the same instant, every rate early in a flight
// or after a change reads low by the lag: CPL too high, velocity and conversion rate too low. With the
// contract's conversion lag, each point's conversions are set against the spend, clicks and forecast of
// the latest check at least that long before it.
import { cpl, velocity } from './forecast';
import type { HistoryPoint, VelocitySnapshot } from './rules';

interface Bought {
  clicks: number;
  spend: number;
  forecast: number;
}

/**
 * Clicks, spend and forecast at `at`, on straight lines between the checks around it (checks come every few
 * seconds or hours, the lag need not be a multiple of that); undefined before the first check.
 */
function boughtAt(points: (HistoryPoint & { forecast: number })[], at: number): Bought | undefined {
  const after = points.findIndex((point) => point.at > at);
  if (after === 0) return undefined;
  const before = points[(after === -1 ? points.length : after) - 1];
  if (after === -1) return before;
  const next = points[after];
  const share = (at - before.at) / (next.at - before.at);
  const between = (a: number, b: number) => a + (b - a) * share;
  return {
    clicks: between(before.clicks, next.clicks),
    spend: between(before.spend, next.spend),
    forecast: between(before.forecast, next.forecast),
  };
}

/**
 * The snapshot and history with clicks, forecast, velocity and CPL as of `lagMs` before each point (spend and
 * budget stay current: they are what a change applies to); null while no check is that old yet.
 */
export function lagAligned(
  snapshot: VelocitySnapshot,
  history: HistoryPoint[],
  lagMs: number,
): { snapshot: VelocitySnapshot; history: HistoryPoint[] } | null {
  // Points recorded before forecasts were kept: the forecast of that instant on the snapshot's straight line.
  const elapsed = Math.max(1, snapshot.at - snapshot.windowStart);
  const points = [...history.filter((point) => point.at < snapshot.at), snapshot]
    .sort((a, b) => a.at - b.at)
    .map((point) => ({
      ...point,
      forecast: point.forecast ?? (snapshot.forecast * Math.max(0, point.at - snapshot.windowStart)) / elapsed,
    }));
  const bought = boughtAt(points, snapshot.at - lagMs);
  if (!bought) return null;
  return {
    snapshot: {
      ...snapshot,
      clicks: bought.clicks,
      forecast: bought.forecast,
      velocity: velocity(snapshot.conversions, bought.forecast),
      cpl: cpl(bought.spend, snapshot.conversions),
    },
    history: points.slice(0, -1).flatMap((point) => {
      const earlier = boughtAt(points, point.at - lagMs);
      return earlier
        ? [{ at: point.at, conversions: point.conversions, spend: point.spend, clicks: earlier.clicks }]
        : [];
    }),
  };
}
