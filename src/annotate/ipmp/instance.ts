// The per-instance emulator: one phyint_instance (NIC x address family) of in.mpathd, rebuilt
// from its probes. It keeps the daemon's 52-slot probe ring indexed exactly as the daemon does
// (pii_probe_next / pii_snxt / pii_rack), so window, fake, duplicate and late-reply rules and the
// failure/repair counts come out the same as on the probing host. Time is capture time in ns
// since the observer's first packet; no clock is read.
import type { IpmpInterfaceConfig } from './config.js';
import type { ProbeFormat } from './recognise.js';
import { type ProbeTarget, TargetTable } from './targets.js';

export const PROBE_STATS_COUNT = 52;
export const NUM_PROBE_FAILS = 5;
export const NUM_PROBE_REPAIRS = 10;
export const FAILURE_DETECTION_QP_NS = 40_000 * 1e6;
export const DEFAULT_FDT_MS = 10_000;
export const MIN_SETTLING_TIME_NS = 60_000 * 1e6;
export const MS = 1e6;

/** pr_status values. */
export const PR = { UNUSED: 0, UNACKED: 1, ACKED: 2, LOST: 3 } as const;

export interface Slot {
  status: number;
  seq: number;
  target: ProbeTarget | null;
  sentNs: number;
  /** pr_time_lost / pr_time_acked. */
  doneNs: number;
  /** Reply time minus request time on the wire, once acked. */
  netRttNs: number | null;
}

/** Circular u16 sequence comparison (SEQ_* macros): the signed 16-bit difference. */
export function seqDiff(a: number, b: number): number {
  return (((a - b) & 0xffff) << 16) >> 16;
}

export function probeIndexPrev(i: number): number {
  return i === 0 ? PROBE_STATS_COUNT - 1 : i - 1;
}

export type PhyintState = 'RUNNING' | 'FAILED';

export class IpmpGroup {
  failed = false;
  /** pg_probeint after an increase ("cannot meet requested FDT"), null at the user's value. */
  inflatedProbeintMs: number | null = null;
  lastBumpNs = Number.NEGATIVE_INFINITY;
  /** The median UNI gap seen, standing in for the daemon's probe interval when no FDT is configured. */
  inferredProbeintMs: number | null = null;
  rttProbesSeen = false;
  readonly members: Phyint[] = [];

  constructor(
    readonly name: string,
    readonly configured: boolean,
    readonly userFdtMs: number | null,
  ) {}

  /** user_probe_interval = FDT / (NUM_PROBE_FAILS + 2). */
  get userProbeintMs(): number {
    if (this.userFdtMs !== null) return Math.floor(this.userFdtMs / (NUM_PROBE_FAILS + 2));
    return this.inferredProbeintMs ?? Math.floor(DEFAULT_FDT_MS / (NUM_PROBE_FAILS + 2));
  }

  /** pg_probeint */
  get probeintMs(): number {
    return this.inflatedProbeintMs ?? this.userProbeintMs;
  }

  /** pg_fdt */
  get fdtMs(): number {
    if (this.inflatedProbeintMs !== null) return this.inflatedProbeintMs * (NUM_PROBE_FAILS + 2);
    return this.userFdtMs ?? this.userProbeintMs * (NUM_PROBE_FAILS + 2);
  }

  liveMembers(): Phyint[] {
    return this.members.filter((p) => !p.retired);
  }
}

export class Phyint {
  state: PhyintState = 'RUNNING';
  v4: ProbeInstance | null = null;
  v6: ProbeInstance | null = null;
  /** Replaced by a newer phyint for the same MAC (daemon restart or replumb). */
  retired = false;

  constructor(
    readonly mac: string,
    /** pi_icmpid: PID byte << 8 | ifindex byte. */
    readonly icmpId: number,
    readonly name: string,
    public group: IpmpGroup,
    readonly config: IpmpInterfaceConfig | null,
  ) {}

  get pidByte(): number {
    return this.icmpId >> 8;
  }

  instance(af: 4 | 6): ProbeInstance | null {
    return af === 4 ? this.v4 : this.v6;
  }

  /** Allocates: for views and rare paths; per-packet code reads v4 / v6 directly. */
  instances(): ProbeInstance[] {
    const out: ProbeInstance[] = [];
    if (this.v4) out.push(this.v4);
    if (this.v6) out.push(this.v6);
    return out;
  }
}

/** Targets whose annotation heads an instance keeps encoded. */
const SUMMARY_HEAD_TARGETS = 64;

export class ProbeInstance {
  readonly ring: Slot[] = Array.from({ length: PROBE_STATS_COUNT }, () => ({ status: PR.UNUSED, seq: 0, target: null, sentNs: 0, doneNs: 0, netRttNs: null }));
  probeNext = 0;
  /** pii_snxt; null until the first UNI probe is seen. */
  snxt: number | null = null;
  rack = 0;
  /** End of the 40 s FAILURE_DETECTION_QP quiet period (pii_fd_hrtime). */
  quietUntilNs = Number.NEGATIVE_INFINITY;
  readonly targets: TargetTable;
  readonly stats = { sent: 0, acked: 0, lost: 0, unknown: 0 };
  lastUniNs: number | null = null;
  /** Recent gaps between UNI probes in ms, for the probe-interval estimate and ipmpstat -g. */
  readonly gaps = new GapWindow();
  /** The last PROBE_RTT request per target, to time its reply. */
  readonly rttRequests = new Map<string, { seq: number; sentNs: number }>();
  multiSeen = false;
  /** Slots that became LOST since the observer last looked. */
  readonly newlyLost: Slot[] = [];
  /** Annotation heads, UTF-8, by target then probe kind: `ipmp0/net0 → 192.0.2.1 UNI #`. */
  private readonly summaryHeads = new Map<string, Partial<Record<string, Buffer>>>();

  constructor(
    readonly phyint: Phyint,
    readonly af: 4 | 6,
    readonly testAddr: string,
    readonly format: ProbeFormat,
  ) {
    this.targets = new TargetTable(format === 'ms32' ? 'ms' : 'ns');
  }

  /**
   * The fixed start of this instance's probe annotations to `target`, encoded once: the text
   * writer copies its bytes.
   */
  summaryHead(target: string, kind: string): Buffer {
    let byKind = this.summaryHeads.get(target);
    if (byKind === undefined) {
      // Probes to addresses that are not targets (a scan) must not grow this without bound.
      if (this.summaryHeads.size >= SUMMARY_HEAD_TARGETS) this.summaryHeads.clear();
      this.summaryHeads.set(target, (byKind = {}));
    }
    return (byKind[kind] ??= Buffer.from(`${this.phyint.group.name}/${this.phyint.name} → ${target} ${kind} #`, 'utf8'));
  }

  /** PROBE_CAPABLE: probing with at least one target. */
  probeCapable(): boolean {
    return this.snxt !== null && this.targets.activeCount() > 0;
  }

  newest(): Slot {
    return this.ring[probeIndexPrev(this.probeNext)];
  }

  /** Loss deadline: time sent + (crtt, or the group's probe interval when there is none). */
  timeoutNs(s: Slot): number {
    const crtt = s.target?.rtt.crttMs ?? 0;
    return s.sentNs + (crtt !== 0 ? crtt : this.phyint.group.probeintMs) * MS;
  }

  markLost(s: Slot, atNs: number): void {
    s.status = PR.LOST;
    s.doneNs = atNs;
    this.stats.lost++;
    this.newlyLost.push(s);
  }

  /**
   * The first half of phyint_inst_timer: of the last two slots, an unacked one past its deadline
   * is LOST and the second-newest is forced LOST. Returns valid_unack_count.
   */
  resolveTick(nowNs: number): number {
    let validUnack = 0;
    let ndx = probeIndexPrev(this.probeNext);
    for (let i = 0; i < 2; i++) {
      const s = this.ring[ndx];
      if (s.status === PR.ACKED) {
        if (this.quietUntilNs > nowNs) this.quietUntilNs = nowNs;
      } else if (s.status === PR.UNACKED) {
        const timeout = this.timeoutNs(s);
        if (timeout < nowNs) this.markLost(s, timeout);
        else if (i === 1) this.markLost(s, nowNs);
        else validUnack++;
      }
      ndx = probeIndexPrev(ndx);
    }
    return validUnack;
  }

  /** The UNI probe itself: the slot at pii_probe_next, then snxt++. */
  record(seq: number, target: ProbeTarget, nowNs: number): Slot {
    const s = this.ring[this.probeNext];
    s.status = PR.UNACKED;
    s.seq = seq;
    s.target = target;
    s.sentNs = nowNs;
    s.doneNs = 0;
    s.netRttNs = null;
    this.probeNext = (this.probeNext + 1) % PROBE_STATS_COUNT;
    this.snxt = (seq + 1) & 0xffff;
    this.stats.sent++;
    if (this.lastUniNs !== null) this.gaps.add((nowNs - this.lastUniNs) / MS);
    this.lastUniNs = nowNs;
    return s;
  }

  /** Start the sequence space afresh at `seq` (first probe seen, restart, or a gap beyond the ring). */
  resetSequence(seq: number): void {
    for (const s of this.ring) {
      s.status = PR.UNUSED;
      s.target = null;
    }
    this.probeNext = 0;
    this.snxt = seq;
    // As if the probe before the first one we see was acked: history we did not see counts for nothing.
    this.rack = (seq - 1) & 0xffff;
    this.gaps.clear();
    this.lastUniNs = null;
  }

  /** The slot a reply with this seq belongs to, or null when out of window [snxt-52, snxt). */
  slotFor(seq: number): Slot | null {
    if (this.snxt === null) return null;
    if (seqDiff(seq, this.snxt) >= 0 || seqDiff(seq, (this.snxt - PROBE_STATS_COUNT) & 0xffff) < 0) return null;
    const back = (this.snxt - seq) & 0xffff;
    return this.ring[(((this.probeNext - back) % PROBE_STATS_COUNT) + PROBE_STATS_COUNT) % PROBE_STATS_COUNT];
  }

  /** Mark a slot acked and advance pii_rack the way incoming_echo_reply does. */
  ack(s: Slot, nowNs: number): void {
    s.status = PR.ACKED;
    s.doneNs = nowNs;
    this.stats.acked++;
    const snxt = this.snxt ?? 0;
    if (seqDiff(this.rack, snxt) >= 0 || seqDiff(this.rack, (snxt - PROBE_STATS_COUNT) & 0xffff) < 0 || seqDiff(s.seq, this.rack) > 0) {
      this.rack = s.seq;
    }
  }

  /** highest_ack_tg: no newer acked probe to the same target exists. */
  highestAckForTarget(seq: number, tg: ProbeTarget): boolean {
    // The ring holds consecutive seqs ending at snxt - 1, so the newer probes are the slots after
    // this one: usually none, as replies come in order.
    const newer = this.snxt === null ? PROBE_STATS_COUNT : (this.snxt - 1 - seq) & 0xffff;
    if (newer < PROBE_STATS_COUNT) {
      for (let i = this.probeNext, k = 0; k < newer; k++) {
        i = probeIndexPrev(i);
        const s = this.ring[i];
        if (s.target === tg && s.status === PR.ACKED) return false;
      }
      return true;
    }
    for (const s of this.ring) {
      if (s.target === tg && s.status === PR.ACKED && seqDiff(s.seq, seq) > 0) return false;
    }
    return true;
  }

  /** Median of recent UNI gaps in ms (null with fewer than 4). */
  medianGapMs(): number | null {
    return this.gaps.count < 4 ? null : this.gaps.median();
  }
}

/** How many UNI gaps the probe-interval estimate looks back over. */
const GAP_WINDOW = 16;

/**
 * The last GAP_WINDOW gaps, kept both in arrival order (to know which one leaves) and sorted (for
 * the median). Updated on every UNI probe, so it works in place: no arrays built, nothing sorted.
 */
export class GapWindow {
  private readonly byAge = new Float64Array(GAP_WINDOW);
  private readonly sorted = new Float64Array(GAP_WINDOW);
  private oldest = 0;
  count = 0;

  add(gapMs: number): void {
    let n = this.count;
    if (n === GAP_WINDOW) {
      this.removeSorted(this.byAge[this.oldest]);
      this.byAge[this.oldest] = gapMs;
      this.oldest = (this.oldest + 1) % GAP_WINDOW;
      n--;
    } else {
      this.byAge[(this.oldest + n) % GAP_WINDOW] = gapMs;
    }
    let i = n;
    while (i > 0 && this.sorted[i - 1] > gapMs) {
      this.sorted[i] = this.sorted[i - 1];
      i--;
    }
    this.sorted[i] = gapMs;
    this.count = n + 1;
  }

  clear(): void {
    this.count = 0;
    this.oldest = 0;
  }

  /** Sum of the gaps, oldest first (for a mean). */
  sum(): number {
    let total = 0;
    for (let k = 0; k < this.count; k++) total += this.byAge[(this.oldest + k) % GAP_WINDOW];
    return total;
  }

  /** The upper median, as sorting the window and taking index floor(n/2) gives. */
  median(): number {
    return this.sorted[this.count >> 1];
  }

  private removeSorted(v: number): void {
    let i = 0;
    while (i < this.count - 1 && this.sorted[i] !== v) i++;
    for (; i < this.count - 1; i++) this.sorted[i] = this.sorted[i + 1];
  }
}
