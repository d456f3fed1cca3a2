// Probe targets of one instance: discovery (MULTI responders, first five), the round-robin
// rotation as seen on the wire, and targets leaving and rejoining it (target_create,
// target_next, incoming_mcast_reply in in.mpathd).
import { RttEstimator, type RttUnit } from './rtt.js';

/** MAX_PROBE_TARGETS */
export const MAX_PROBE_TARGETS = 5;

/**
 * active: in the rotation. dead / slow: a router target the daemon stopped probing (it returns
 * after MIN_RECOVERY_TIME). deleted: a host target the daemon dropped. absent: it simply stopped
 * being probed while the others continued (route removed, or a decision we could not replay).
 */
export type TargetStatus = 'active' | 'dead' | 'slow' | 'deleted' | 'absent';

export class ProbeTarget {
  status: TargetStatus = 'active';
  readonly rtt: RttEstimator;
  /** Learned from a PROBE_MULTI reply (a host target) rather than from routes. */
  fromMulti = false;
  /** Index (count of UNI probes of the instance) of the last UNI probe sent to it. */
  lastProbeIndex = 0;
  lastProbeNs: number | null = null;
  /** When it left the rotation (for "back after N s"). */
  leftNs: number | null = null;
  /** The target probed right after this one last time: the rotation order. */
  next: ProbeTarget | null = null;

  constructor(
    readonly address: string,
    unit: RttUnit,
  ) {
    this.rtt = new RttEstimator(unit);
  }
}

export type TargetEvent =
  | { type: 'new'; target: ProbeTarget }
  | { type: 'back'; target: ProbeTarget; awayNs: number | null; was: TargetStatus }
  | { type: 'left'; target: ProbeTarget };

export type HostAddResult = 'added' | 'known' | 'full' | 'routers';

export class TargetTable {
  private readonly byAddr = new Map<string, ProbeTarget>();
  /**
   * The same targets in order of creation (targets are never removed), walked with index loops:
   * the per-probe scans then make no Map iterator.
   */
  private readonly list: ProbeTarget[] = [];
  /** Distinct PROBE_MULTI responders in arrival order. */
  readonly responders: string[] = [];
  /** pii_targets_are_routers as inferred: fixed by the first target (null until then). */
  areRouters: boolean | null = null;
  uniCount = 0;
  lastUniTarget: ProbeTarget | null = null;

  constructor(readonly unit: RttUnit) {}

  get(addr: string): ProbeTarget | undefined {
    return this.byAddr.get(addr);
  }

  all(): ProbeTarget[] {
    return this.list.slice();
  }

  active(): ProbeTarget[] {
    return this.all().filter((t) => t.status === 'active');
  }

  activeCount(): number {
    let n = 0;
    for (let i = 0; i < this.list.length; i++) if (this.list[i].status === 'active') n++;
    return n;
  }

  private create(addr: string): ProbeTarget {
    const t = new ProbeTarget(addr, this.unit);
    t.lastProbeIndex = this.uniCount;
    this.byAddr.set(addr, t);
    this.list.push(t);
    return t;
  }

  /** A UNI probe went to `addr` at `nowNs`: update the rotation; report arrivals and departures. */
  noteUni(addr: string, nowNs: number, events: TargetEvent[]): ProbeTarget {
    let t = this.byAddr.get(addr);
    if (!t) {
      t = this.create(addr);
      if (this.areRouters === null) this.areRouters = !this.responders.includes(addr);
      events.push({ type: 'new', target: t });
    } else if (t.status !== 'active') {
      events.push({ type: 'back', target: t, awayNs: t.leftNs === null ? null : nowNs - t.leftNs, was: t.status });
      t.status = 'active';
      t.leftNs = null;
    }
    if (this.lastUniTarget && this.lastUniTarget !== t) this.lastUniTarget.next = t;
    this.lastUniTarget = t;
    t.lastProbeIndex = ++this.uniCount;
    t.lastProbeNs = nowNs;
    // With n targets each one is probed every n UNI probes; one skipped turn is tolerated.
    const n = this.activeCount();
    for (let i = 0; i < this.list.length; i++) {
      const u = this.list[i];
      if (u !== t && u.status === 'active' && this.uniCount - u.lastProbeIndex > n + 1) {
        u.status = 'absent';
        u.leftNs = nowNs;
        events.push({ type: 'left', target: u });
      }
    }
    return t;
  }

  /** incoming_mcast_reply: a responder becomes a host target unless routers or five targets are known. */
  addHost(addr: string): HostAddResult {
    if (!this.responders.includes(addr)) this.responders.push(addr);
    const existing = this.byAddr.get(addr);
    if (existing && existing.status === 'active') return 'known';
    if (this.areRouters === true) return 'routers';
    if (this.activeCount() >= MAX_PROBE_TARGETS) return 'full';
    const t = existing ?? this.create(addr);
    t.status = 'active';
    t.fromMulti = true;
    t.lastProbeIndex = this.uniCount;
    if (this.areRouters === null) this.areRouters = false;
    return 'added';
  }

  /** Forget every target's RTT estimate (a daemon restart), without listing the targets. */
  resetRtt(): void {
    for (const t of this.list) t.rtt.reset();
  }

  /** The daemon gave up on a target: routers are kept as DEAD, hosts are deleted. */
  drop(t: ProbeTarget, nowNs: number, status: 'dead' | 'slow' | 'deleted'): void {
    t.status = status;
    t.leftNs = nowNs;
    t.rtt.reset();
  }

  /** target_flush_hosts at a group failure. */
  flushHosts(nowNs: number): void {
    if (this.areRouters === true) return;
    for (const t of this.list) if (t.status === 'active') this.drop(t, nowNs, 'deleted');
  }

  /** Active targets in the order the daemon will probe them, starting with the predicted next one. */
  rotation(): ProbeTarget[] {
    const out: ProbeTarget[] = [];
    let t = this.lastUniTarget?.next ?? null;
    if (!t || t.status !== 'active') t = this.lastUniTarget && this.lastUniTarget.status === 'active' ? this.lastUniTarget : null;
    while (t && t.status === 'active' && !out.includes(t)) {
      out.push(t);
      t = t.next;
    }
    for (const u of this.list) if (u.status === 'active' && !out.includes(u)) out.push(u);
    return out;
  }
}
