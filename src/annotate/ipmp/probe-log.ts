// The `ipmpstat -p` row log: a fixed ring of rows, stored column by column so logging a row (once
// per resolved probe) allocates nothing. Row objects are made only when read; readers keep their
// place by row count (probeRowsLogged), never by holding rows.
// Rows are logged from the values the emulator holds (ns since the capture start, the RTT
// estimator's integer state) and turned into seconds and ms when read: a double worked out to
// be passed in would need a heap number made for it, one per value per row.
import { MS } from './instance.js';
import type { ProbeLogRow } from './observer.js';
import { averageMs, deviationMs, type RttEstimator, type RttUnit } from './rtt.js';

export class ProbeLog {
  /** Rows ever logged; row n (0-based) sits at n % capacity while it is kept. */
  total = 0;
  private readonly sentNs: Float64Array;
  private readonly seq: Uint16Array;
  /** NaN stands for "no value" (null in a row). */
  private readonly netRttNs: Float64Array;
  /** The target's RTT estimator state (sa -1: none); the unit is ns unless rttInMs is set. */
  private readonly rttSa: Float64Array;
  private readonly rttSv: Float64Array;
  private readonly rttInMs: Uint8Array;
  private readonly iface: string[];
  private readonly target: string[];

  constructor(readonly capacity: number) {
    this.sentNs = new Float64Array(capacity);
    this.seq = new Uint16Array(capacity);
    this.netRttNs = new Float64Array(capacity);
    this.rttSa = new Float64Array(capacity);
    this.rttSv = new Float64Array(capacity);
    this.rttInMs = new Uint8Array(capacity);
    this.iface = new Array<string>(capacity).fill('');
    this.target = new Array<string>(capacity).fill('');
  }

  /** One row: the probe sent at `sentNs`, its net RTT (null unless acked), its target's estimator. */
  push(sentNs: number, iface: string, seq: number, netRttNs: number | null, rtt: RttEstimator | undefined, target: string): void {
    const i = this.total % this.capacity;
    this.sentNs[i] = sentNs;
    this.iface[i] = iface;
    this.seq[i] = seq;
    this.netRttNs[i] = netRttNs ?? Number.NaN;
    this.rttSa[i] = rtt ? rtt.sa : -1;
    this.rttSv[i] = rtt ? rtt.sv : 0;
    this.rttInMs[i] = rtt?.unit === 'ms' ? 1 : 0;
    this.target[i] = target;
    this.total++;
  }

  /** The oldest row number still kept. */
  get first(): number {
    return Math.max(0, this.total - this.capacity);
  }

  /** Row number n, or undefined when it was dropped or is not logged yet. */
  row(n: number): ProbeLogRow | undefined {
    if (n < this.first || n >= this.total) return undefined;
    const i = n % this.capacity;
    const unit: RttUnit = this.rttInMs[i] ? 'ms' : 'ns';
    const netRttNs = this.netRttNs[i];
    return {
      timeSec: this.sentNs[i] / 1e9,
      iface: this.iface[i],
      seq: this.seq[i],
      netRttMs: Number.isNaN(netRttNs) ? null : netRttNs / MS,
      rttAvgMs: averageMs(unit, this.rttSa[i]),
      rttDevMs: deviationMs(unit, this.rttSa[i], this.rttSv[i]),
      target: this.target[i],
    };
  }

  /** Rows from number `from` on (clamped to what is kept), oldest first. */
  since(from: number): ProbeLogRow[] {
    const out: ProbeLogRow[] = [];
    for (let n = Math.max(from, this.first); n < this.total; n++) out.push(this.row(n)!);
    return out;
  }

  kept(): ProbeLogRow[] {
    return this.since(this.first);
  }
}
