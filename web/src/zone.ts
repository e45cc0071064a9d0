// The command centre's clock: every time the console shows or reads is in the centre's time zone
// (the server's `--time-zone`, sent with the user as `time_zone`; default Asia/Shanghai), whatever
// the browser's zone — a deadline reads the same in every console. The browser's own time-zone
// database (Intl) does the arithmetic, daylight saving included.

let zone = 'Asia/Shanghai';
let format: Intl.DateTimeFormat | null = null;

/** Sets the centre's zone (an IANA name); an unknown name keeps the current one. */
export function setZone(z: string | null | undefined): void {
  if (!z) return;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: z,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    zone = z;
  } catch {
    /* not a zone this browser knows: keep the current one */
  }
}

export function getZone(): string {
  return zone;
}

/** Milliseconds east of UTC of the centre's clock at instant `ms`. */
export function offsetMs(ms: number): number {
  if (!format) setZone(zone);
  const parts = format!.formatToParts(new Date(ms));
  const v = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(v('year'), v('month') - 1, v('day'), v('hour') % 24, v('minute'), v('second'));
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/** The centre's wall-clock time at instant `ms`, as a Date whose UTC fields read it. */
export function wall(ms: number): Date {
  return new Date(ms + offsetMs(ms));
}

/** The instant of a wall-clock time on the centre's clock (`YYYY-MM-DDTHH:MM[:SS]`), or NaN. */
export function fromWall(s: string): number {
  const asUtc = Date.parse(`${s.length === 16 ? `${s}:00` : s}Z`);
  if (Number.isNaN(asUtc)) return NaN;
  // The offset at the instant itself, found in two steps (exact but around a clock change).
  const guess = asUtc - offsetMs(asUtc);
  return asUtc - offsetMs(guess);
}
