// The `ipmpstat -p` row log: a fixed ring of rows, stored column by column so logging a row (once
// per resolved probe) allocates nothing. Row objects are made only when read; readers keep their
// place by row count (probeRowsLogged), never by holding rows.
import type { ProbeLogRow } from './observer.js';

export class ProbeLog {
  /** Rows ever logged; row n (0-based) sits at n % capacity while it is kept. */
  total = 0;
  private readonly timeSec: Float64Array;
  private readonly seq: Uint16Array;
  /** NaN stands for "no value" (null in a row). */
  private readonly netRttMs: Float64Array;
  private readonly rttAvgMs: Float64Array;
  private readonly rttDevMs: Float64Array;
  private readonly iface: string[];
  private readonly target: string[];

  constructor(readonly capacity: number) {
    this.timeSec = new Float64Array(capacity);
    this.seq = new Uint16Array(capacity);
    this.netRttMs = new Float64Array(capacity);
    this.rttAvgMs = new Float64Array(capacity);
    this.rttDevMs = new Float64Array(capacity);
    this.iface = new Array<string>(capacity).fill('');
    this.target = new Array<string>(capacity).fill('');
  }

  push(timeSec: number, iface: string, seq: number, netRttMs: number | null, rttAvgMs: number | null, rttDevMs: number | null, target: string): void {
    const i = this.total % this.capacity;
    this.timeSec[i] = timeSec;
    this.iface[i] = iface;
    this.seq[i] = seq;
    this.netRttMs[i] = netRttMs ?? Number.NaN;
    this.rttAvgMs[i] = rttAvgMs ?? Number.NaN;
    this.rttDevMs[i] = rttDevMs ?? Number.NaN;
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
    return {
      timeSec: this.timeSec[i],
      iface: this.iface[i],
      seq: this.seq[i],
      netRttMs: orNull(this.netRttMs[i]),
      rttAvgMs: orNull(this.rttAvgMs[i]),
      rttDevMs: orNull(this.rttDevMs[i]),
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

function orNull(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}
