// The `lead` query's view of one lead: the book's state without its dedupe keys, times as ISO strings
// like every other read model (the book keeps epoch milliseconds).
import type { ClockState, LeadState } from './leadBook';
import type { ClockTimeField, LeadClockView, LeadView } from './views';

// A Record, so adding a field to ClockTimeField without listing it here does not compile.
const CLOCK_TIMES: Record<ClockTimeField, true> = {
  startedAt: true,
  warnAt: true,
  deadline: true,
  warnedAt: true,
  metAt: true,
  breachedAt: true,
  stoppedAt: true,
  nextStepAt: true,
  breachRetractedAt: true,
  pausedAt: true,
};

const iso = (ms: number) => new Date(ms).toISOString();

function clockView(clock: ClockState): LeadClockView {
  const view: Record<string, unknown> = { ...clock };
  for (const field of Object.keys(CLOCK_TIMES) as ClockTimeField[]) {
    const ms = clock[field];
    if (ms !== undefined) view[field] = iso(ms);
  }
  return view as unknown as LeadClockView;
}

/** The book holds open leads only (closed ones leave it), hence closed: false. */
export function toLeadView(lead: LeadState): LeadView {
  const { eventIds: _eventIds, createdAt, firstTouchAt, owners, clocks, history, ...rest } = lead;
  return {
    ...rest,
    createdAt: iso(createdAt),
    ...(firstTouchAt === undefined ? {} : { firstTouchAt: iso(firstTouchAt) }),
    ...(owners === undefined
      ? {}
      : { owners: owners.map((span) => ({ ownerId: span.ownerId, from: iso(span.from) })) }),
    clocks: Object.fromEntries(
      Object.entries(clocks).flatMap(([kind, clock]) => (clock ? [[kind, clockView(clock)]] : [])),
    ),
    history: history.map((entry) => ({ at: iso(entry.at), what: entry.what })),
    closed: false,
  };
}
