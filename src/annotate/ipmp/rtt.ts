// in.mpathd's conservative round-trip-time estimate (compute_crtt / pi_set_crtt in mpd_probe.c),
// replayed on the RTTs seen on the wire. Jacobson/Karels with integer arithmetic: sa = 8 x average,
// sv = 4 x mean deviation, crtt = avg + 4 x mdev. Pre-Clearview daemons work in whole ms; Clearview
// keeps sa/sv in ns and truncates crtt to ms, so the unit follows the probe payload format.

/** MAXDEFERREDRTT: one suspect UNI sample is held back; the second one integrates both. */
export const MAX_DEFERRED_RTT = 1;

export type RttUnit = 'ms' | 'ns';

/** What a sample did to the estimator (pi_set_crtt's branches). */
export type RttOutcome = 'committed' | 'deferred' | 'integrated' | 'ignored';

interface Scaled {
  sa: number;
  sv: number;
}

/** compute_crtt: update `s` in place with measurement m (in the estimator's unit); returns avg + 4 x mdev. */
export function computeCrtt(s: Scaled, m: number): number {
  if (s.sa !== -1) {
    let err = m - Math.floor(s.sa / 8);
    s.sa += err;
    if (s.sa < 0) s.sa = 0;
    if (err < 0) err = -err;
    err -= Math.floor(s.sv / 4);
    s.sv += err;
  } else {
    s.sa = m * 8;
    s.sv = m * 2;
  }
  return Math.floor(s.sa / 8) + s.sv;
}

/** Scratch for sample()'s trial computation: one per process, since sample() never re-enters. */
const TRIAL: Scaled = { sa: -1, sv: 0 };

export class RttEstimator {
  /** Scaled average; -1 means no sample yet (tg_rtt_sa). */
  sa = -1;
  sv = 0;
  /** Conservative RTT in whole ms, 0 when unknown (tg_crtt). */
  crttMs = 0;
  private deferred: number[] = [];

  constructor(readonly unit: RttUnit) {}

  /** Forget everything, as target_delete / reset_crtt_all / a dead or slow target do. */
  reset(): void {
    this.sa = -1;
    this.sv = 0;
    this.crttMs = 0;
    this.deferred.length = 0;
  }

  get deferredCount(): number {
    return this.deferred.length;
  }

  /** Average RTT in ms (sa/8), null before the first sample. */
  get avgMs(): number | null {
    return averageMs(this.unit, this.sa);
  }

  /** Mean deviation in ms (sv/4), null before the first sample. */
  get devMs(): number | null {
    return deviationMs(this.unit, this.sa, this.sv);
  }

  /**
   * pi_set_crtt: a UNI sample whose crtt would exceed the probe interval is deferred once; the
   * second suspect sample integrates both. An RTT-probe sample only ever lowers crtt.
   */
  sample(m: number, isUni: boolean, probeIntervalMs: number): RttOutcome {
    const trial = TRIAL;
    trial.sa = this.sa;
    trial.sv = this.sv;
    const newCrtt = this.crttOf(computeCrtt(trial, m));
    if (newCrtt > probeIntervalMs && isUni) {
      if (this.deferred.length === MAX_DEFERRED_RTT) {
        this.deferred.push(m);
        for (const d of this.deferred) this.crttMs = this.crttOf(computeCrtt(this, d));
        this.deferred.length = 0;
        return 'integrated';
      }
      this.deferred.push(m);
      return 'deferred';
    }
    if (isUni || newCrtt < this.crttMs) {
      this.sa = trial.sa;
      this.sv = trial.sv;
      this.crttMs = newCrtt;
      // Only when there is something to drop: setting an array's length is a runtime call.
      if (isUni && this.deferred.length) this.deferred.length = 0;
      return 'committed';
    }
    return 'ignored';
  }

  private crttOf(raw: number): number {
    return this.unit === 'ns' ? Math.floor(raw / 1e6) : raw;
  }
}

// The estimator's figures in ms from its scaled state, for readers that keep a copy of sa and sv
// (integers: copying them allocates nothing) rather than the figures themselves.

/** Average RTT in ms from sa (8 x average), null when sa is -1 (no sample yet). */
export function averageMs(unit: RttUnit, sa: number): number | null {
  return sa < 0 ? null : toMs(unit, sa / 8);
}

/** Mean deviation in ms from sv (4 x deviation), null when sa is -1 (no sample yet). */
export function deviationMs(unit: RttUnit, sa: number, sv: number): number | null {
  return sa < 0 ? null : toMs(unit, sv / 4);
}

function toMs(unit: RttUnit, v: number): number {
  return unit === 'ns' ? v / 1e6 : v;
}
