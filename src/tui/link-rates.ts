// Per-link packet counts by second of packet time, for the links pane's rate and sparkline.
// Packet time (not the wall clock) keeps a replayed file's picture the same as the live one.

const SECONDS = 60;
const BARS = '▁▂▃▄▅▆▇█';

export class LinkRates {
  /** Per link: counts for the last SECONDS seconds, indexed by second % SECONDS. */
  private buckets: Uint32Array[] = [];
  /** Per link: the second each bucket currently holds. */
  private bucketSecond: Float64Array[] = [];
  private captured: number[] = [];
  /** Newest packet second seen on any link: "now" for rates. */
  private latest = 0;

  count(link: number, tsSec: number): void {
    while (this.buckets.length <= link) {
      this.buckets.push(new Uint32Array(SECONDS));
      this.bucketSecond.push(new Float64Array(SECONDS).fill(-1));
      this.captured.push(0);
    }
    const sec = Math.floor(tsSec);
    const i = sec % SECONDS;
    const b = this.buckets[link];
    const at = this.bucketSecond[link];
    if (at[i] !== sec) {
      at[i] = sec;
      b[i] = 0;
    }
    b[i]++;
    this.captured[link]++;
    if (sec > this.latest) this.latest = sec;
  }

  capturedOn(link: number): number {
    return this.captured[link] ?? 0;
  }

  /** Packets in second `sec` on `link`. */
  private at(link: number, sec: number): number {
    const i = ((sec % SECONDS) + SECONDS) % SECONDS;
    return this.bucketSecond[link]?.[i] === sec ? this.buckets[link][i] : 0;
  }

  /** Average packets per second over the last `window` complete-or-current seconds. */
  rate(link: number, window = 10): number {
    let n = 0;
    for (let s = this.latest - window + 1; s <= this.latest; s++) n += this.at(link, s);
    return n / window;
  }

  /** One bar per second, oldest left, ending at the newest second seen. */
  sparkline(link: number, width: number): string {
    const w = Math.min(width, SECONDS);
    let max = 0;
    for (let s = this.latest - w + 1; s <= this.latest; s++) max = Math.max(max, this.at(link, s));
    let out = '';
    for (let s = this.latest - w + 1; s <= this.latest; s++) {
      const v = this.at(link, s);
      out += v === 0 ? ' ' : BARS[Math.min(BARS.length - 1, Math.floor((v / max) * (BARS.length - 1)))];
    }
    return out;
  }
}
