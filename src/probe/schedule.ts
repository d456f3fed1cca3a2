// in.mpathd's probe timer (phyint_inst_timer / start_timer): the first probe goes out at once,
// the base time starts a random part of an interval later, and every later probe is sent at
// base + rand[0.5, 1.0) x interval before the base moves on by one interval. Gaps between probes
// are therefore spread over [0.5, 1.5) x interval with the interval as their mean, so the probes
// of many hosts do not synchronise. Pure: time and randomness are passed in.

/** MIN_RANDOM_FACTOR / MAX_RANDOM_FACTOR */
export const MIN_RANDOM_FACTOR = 0.5;
export const MAX_RANDOM_FACTOR = 1.0;

/** user_probe_interval = FDT / (NUM_PROBE_FAILS + 2). */
export function probeIntervalMs(fdtMs: number): number {
  return Math.floor(fdtMs / 7);
}

/** pi_icmpid: the low byte of the PID over the low byte of the ifindex. */
export function icmpIdFor(pid: number, ifIndex: number): number {
  return ((pid & 0xff) << 8) | (ifIndex & 0xff);
}

export class ProbeSchedule {
  /** When the next probe is due (ms, the caller's clock). */
  nextAtMs: number;
  /** pii_snxt_basetime */
  private baseMs: number;
  /** Ticks skipped because we woke up too late (probes_missed). */
  missed = 0;

  constructor(
    startMs: number,
    intervalMs: number,
    private readonly random: () => number = Math.random,
  ) {
    this.nextAtMs = startMs;
    this.baseMs = startMs + random() * intervalMs;
  }

  /** After the probe of the tick at `nowMs`: schedule the next one with the current interval. */
  advance(nowMs: number, intervalMs: number): void {
    const spread = MIN_RANDOM_FACTOR + (MAX_RANDOM_FACTOR - MIN_RANDOM_FACTOR) * this.random();
    this.nextAtMs = this.baseMs + spread * intervalMs;
    this.baseMs += intervalMs;
    while (this.nextAtMs <= nowMs) {
      this.nextAtMs += intervalMs;
      this.baseMs += intervalMs;
      this.missed++;
    }
  }
}
