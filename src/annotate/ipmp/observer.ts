// IpmpObserver: the in.mpathd probe observer. Recognises probes and replies, attributes them to
// groups, interfaces and instances, replays the daemon's bookkeeping and reports each probe's
// fate and every verdict on the packet that decides it. A pure state machine: time comes from
// packet timestamps only, and nothing keeps a reference to a Packet or its bytes.
import { isLinkLocalText, parseIpv4, parseIpv6 } from '../../decode/addr.js';
import { L, type Packet } from '../../decode/packet.js';
import { NO_ANNOTATIONS, type Annotation, type Annotator } from '../annotation.js';
import { EMPTY_IPMP_CONFIG, findConfiguredInterface, type IpmpConfig } from './config.js';
import { FAILURE_DETECTION_QP_NS, IpmpGroup, MS, PR, PROBE_STATS_COUNT, Phyint, ProbeInstance, type Slot } from './instance.js';
import { emptyObservation, isAllNodes, readProbe, type ProbeObservation } from './recognise.js';
import { type BondingInfo, LinuxMonitorObserver } from './linux-monitors.js';
import { hex16, ProbeAnnotation, type ReplyState } from './probe-annotation.js';
import { ProbeLog } from './probe-log.js';
import type { ProbeTarget, TargetEvent } from './targets.js';
import { evaluateTick, formatSeqs, lowerFdtIfImproved, NO_VERDICTS, reviewCrtt, type Verdict } from './verdicts.js';

/** One row of `ipmpstat -p`: a UNI probe that became ACKED or LOST. */
export interface ProbeLogRow {
  /** Request capture time relative to the first packet the observer saw (the capture start), seconds. */
  timeSec: number;
  iface: string;
  seq: number;
  netRttMs: number | null;
  rttAvgMs: number | null;
  rttDevMs: number | null;
  target: string;
}

/** Rows kept for `ipmpstat -p`; older ones are dropped so a long capture stays bounded. */
export const PROBE_LOG_LIMIT = 10_000;

/** Shared empty results, frozen so no caller can fill them: nothing is allocated for them. */
const NO_NOTES: readonly string[] = Object.freeze([]);

/** Network part used to group test addresses without config: /24 for IPv4, /64 for IPv6. */
function subnetKey(addr: string): string {
  const v4 = parseIpv4(addr);
  if (v4 !== null) return `4:${v4 >>> 8}`;
  const v6 = parseIpv6(addr);
  return v6 ? `6:${Array.from(v6.subarray(0, 8)).join('.')}` : addr;
}

export class IpmpObserver implements Annotator {
  /** The first packet's time: capture time is kept as ns since then (exact in a double). */
  private epochSec: number | null = null;
  private epochNsec = 0;
  /** The newest packet time seen, for finishAtLastPacket(). */
  private lastTsSec = 0;
  private lastTsNsec = 0;
  /** Phyints by source MAC, then ICMP id (phyint key, §6.2), without building a key string. */
  private readonly phyintsByMac = new Map<string, Map<number, Phyint>>();
  /** Every phyint in order of first appearance, retired ones included. */
  private readonly phyintList: Phyint[] = [];
  /** The current phyint per identity (configured name, else MAC), to spot restarts. */
  private readonly latest = new Map<string, Phyint>();
  private readonly groupList: IpmpGroup[] = [];
  /** Instances by test address, then ICMP id: where a reply (to that address, with that id) belongs. */
  private readonly replyIndex = new Map<string, Map<number, ProbeInstance>>();
  private readonly ownAddresses = new Set<string>();
  private autoCount = 0;
  private readonly log = new ProbeLog(PROBE_LOG_LIMIT);
  /** Reused for every packet: readProbe fills it, and nothing keeps it past observeProbe. */
  private readonly current = emptyObservation();
  /** Notes gathered for the packet being handled; copied only into an annotation that has some. */
  private readonly notes: string[] = [];
  private readonly events: TargetEvent[] = [];

  /** Linux's bonding / teamd link monitors, annotated alongside the probes (linux-monitors.ts). */
  private readonly linuxMonitors: LinuxMonitorObserver;

  constructor(
    private readonly config: IpmpConfig = EMPTY_IPMP_CONFIG,
    bonds: readonly BondingInfo[] = [],
  ) {
    this.linuxMonitors = new LinuxMonitorObserver(bonds);
    for (const g of config.groups) this.groupList.push(new IpmpGroup(g.name, true, g.fdtMs));
  }

  observe(pkt: Packet, linkName: string): readonly Annotation[] {
    if (this.epochSec === null) this.setEpoch(pkt.tsSec, pkt.tsNsec);
    this.lastTsSec = pkt.tsSec;
    this.lastTsNsec = pkt.tsNsec;
    // The decoder marks in.mpathd-shaped echo messages: everything else costs this one bit test.
    if ((pkt.layers & L.PROBE) === 0) return this.linuxMonitors.observe(pkt, linkName);
    return readProbe(pkt, this.current) ? this.observeProbe(this.current, linkName) : NO_ANNOTATIONS;
  }

  /** The same as observe() for an already extracted probe (tests, replays, dlsnoop probe). */
  observeProbe(obs: ProbeObservation, linkName: string): Annotation[] {
    if (this.epochSec === null) this.setEpoch(obs.tsSec, obs.tsNsec);
    this.lastTsSec = obs.tsSec;
    this.lastTsNsec = obs.tsNsec;
    const nowNs = this.sinceEpochNs(obs.tsSec, obs.tsNsec);
    if (this.notes.length) this.notes.length = 0;
    return obs.reply ? this.onReply(obs, nowNs) : this.onRequest(obs, nowNs, linkName);
  }

  private setEpoch(tsSec: number, tsNsec: number): void {
    this.epochSec = tsSec;
    this.epochNsec = tsNsec;
  }

  private sinceEpochNs(tsSec: number, tsNsec: number): number {
    return (tsSec - (this.epochSec ?? tsSec)) * 1e9 + (tsNsec - this.epochNsec);
  }

  /**
   * End of input: probes whose deadline has passed by `tsSec`.`tsNsec` are reported LOST (the daemon
   * would decide at its next tick, which the capture did not see), oldest first. No verdicts are
   * drawn; probes still within their deadline stay unresolved, as ipmpstat -p prints nothing for them.
   */
  finish(tsSec: number, tsNsec = 0): Annotation[] {
    if (this.epochSec === null) return [];
    const nowNs = this.sinceEpochNs(tsSec, tsNsec);
    for (const p of this.phyintList) {
      for (const inst of p.instances()) {
        for (const s of inst.ring) if (s.status === PR.UNACKED && inst.timeoutNs(s) < nowNs) inst.markLost(s, inst.timeoutNs(s));
      }
    }
    const out: ProbeAnnotation[] = [];
    this.reportLost(this.phyintList, out);
    return out;
  }

  /** finish() at the time of the last packet observed: the end of a capture file or a live run. */
  finishAtLastPacket(): Annotation[] {
    return this.finish(this.lastTsSec, this.lastTsNsec);
  }

  groups(): readonly IpmpGroup[] {
    return this.groupList;
  }

  /** Interfaces still in use (a restart retires the old phyint), in order of first appearance. */
  interfaces(): Phyint[] {
    return this.phyintList.filter((p) => !p.retired);
  }

  /** The `ipmpstat -p` rows still kept (the last PROBE_LOG_LIMIT), oldest first. */
  probeLog(): readonly ProbeLogRow[] {
    return this.log.kept();
  }

  /** How many `ipmpstat -p` rows have ever been logged: only grows, whatever the log has dropped. */
  probeRowsLogged(): number {
    return this.log.total;
  }

  /**
   * Rows logged since `count` rows had been (a value probeRowsLogged() returned), oldest first.
   * Rows already dropped from the log are skipped: a reader that fell PROBE_LOG_LIMIT rows behind
   * loses the oldest, as a slow ipmpstat loses sysevents.
   */
  probeRowsSince(count: number): ProbeLogRow[] {
    return this.log.since(count);
  }

  // ---- requests ----

  private onRequest(obs: ProbeObservation, nowNs: number, linkName: string): Annotation[] {
    const notes = this.notes;
    const pi = this.phyintFor(obs, linkName, notes);
    let inst = pi.instance(obs.family);
    if (inst && inst.testAddr !== obs.src) {
      notes.push(`test address changed from ${inst.testAddr} to ${obs.src}`);
      this.replyIndex.get(inst.testAddr)?.delete(pi.icmpId);
      inst = null;
    }
    if (!inst) {
      inst = new ProbeInstance(pi, obs.family, obs.src, obs.format);
      if (obs.family === 4) pi.v4 = inst;
      else pi.v6 = inst;
      let byId = this.replyIndex.get(obs.src);
      if (!byId) this.replyIndex.set(obs.src, (byId = new Map()));
      byId.set(obs.id, inst);
      this.ownAddresses.add(obs.src);
      // A daemon seen from its first probe (seq 1; MULTI carries the next UNI seq) is inside
      // FAILURE_DETECTION_QP; one first seen mid-run is past it.
      if (obs.seq === 1) inst.quietUntilNs = nowNs + FAILURE_DETECTION_QP_NS;
    }
    if (obs.kind === 'UNI') return this.onUni(inst, obs, nowNs, notes);
    if (obs.kind === 'RTT') {
      pi.group.rttProbesSeen = true;
      inst.rttRequests.set(obs.dst, { seq: obs.seq, sentNs: nowNs });
      return [this.annotate(inst, obs.dst, obs, 'sent', 'sent (RTT-only probe: the group FDT is inflated)', null, notes)];
    }
    inst.multiSeen = true;
    if (!isAllNodes(obs.dst)) notes.push(`PROBE_MULTI normally goes to ${obs.family === 4 ? '224.0.0.1' : 'ff02::1'}`);
    const why = inst.targets.activeCount() === 0 ? 'no targets known' : 'looking for more targets';
    return [this.annotate(inst, obs.dst, obs, 'sent', `sent (target discovery: ${why})`, null, notes)];
  }

  private onUni(inst: ProbeInstance, obs: ProbeObservation, nowNs: number, notes: string[]): Annotation[] {
    let verdicts = NO_VERDICTS;
    const events = this.events;
    if (events.length) events.length = 0;
    if (inst.snxt === null) {
      inst.resetSequence(obs.seq);
    } else if (obs.seq !== inst.snxt) {
      const expected = inst.snxt;
      const missing = (obs.seq - expected) & 0xffff;
      if (obs.seq === 1 || missing >= 0x8000) {
        notes.push(`seq restarted at #${obs.seq} (expected #${expected}): daemon restart or replumb`);
        inst.resetSequence(obs.seq);
        inst.quietUntilNs = obs.seq === 1 ? nowNs + FAILURE_DETECTION_QP_NS : Number.NEGATIVE_INFINITY;
        inst.phyint.state = inst.phyint.group.failed ? 'FAILED' : 'RUNNING';
        inst.targets.resetRtt();
      } else if (missing > PROBE_STATS_COUNT || inst.targets.rotation().length === 0) {
        notes.push(`${missing} probes not seen (#${expected}-#${(obs.seq - 1) & 0xffff}): ring restarted`);
        inst.resetSequence(obs.seq);
      } else {
        notes.push(`seq gap: ${formatSeqs(range(expected, missing))} not seen (dropped on the host or by the capture)`);
        // The daemon counted them as sent: replay their ticks between the last probe and this one.
        const from = inst.lastUniNs ?? nowNs;
        const predicted = inst.targets.rotation()[0];
        for (let k = 0; k < missing; k++) {
          const t = from + ((nowNs - from) * (k + 1)) / (missing + 1);
          verdicts = join(verdicts, evaluateTick(inst, inst.resolveTick(t), t));
          inst.record((expected + k) & 0xffff, predicted, t);
        }
      }
    }
    verdicts = join(verdicts, evaluateTick(inst, inst.resolveTick(nowNs), nowNs));
    const target = inst.targets.noteUni(obs.dst, nowNs, events);
    inst.record(obs.seq, target, nowNs);
    const group = inst.phyint.group;
    if (group.userFdtMs === null) {
      const median = inst.medianGapMs();
      if (median !== null) group.inferredProbeintMs = Math.round(median);
    }
    for (let i = 0; i < events.length; i++) notes.push(targetEventText(events[i]));
    const out = [this.annotate(inst, obs.dst, obs, 'sent', 'sent', null, notes, target)];
    this.settle(inst, out, verdicts);
    return out;
  }

  // ---- replies ----

  private onReply(obs: ProbeObservation, nowNs: number): Annotation[] {
    const inst = this.replyIndex.get(obs.dst)?.get(obs.id);
    if (!inst) return [this.unmatched(obs)];
    if (obs.family === 6 && !isLinkLocalText(obs.src)) {
      return [this.annotate(inst, obs.src, obs, 'ignored', 'reply from a non-link-local source: in.mpathd drops it', null, NO_NOTES)];
    }
    if (obs.kind === 'UNI') return this.onUniReply(inst, obs, nowNs);
    if (obs.kind === 'MULTI') return this.onMultiReply(inst, obs);
    return this.onRttReply(inst, obs, nowNs);
  }

  private onUniReply(inst: ProbeInstance, obs: ProbeObservation, nowNs: number): Annotation[] {
    const slot = inst.slotFor(obs.seq);
    if (!slot) {
      inst.stats.unknown++;
      const next = inst.snxt === null ? 'no request seen' : `next is #${inst.snxt}`;
      return [this.annotate(inst, obs.src, obs, 'out-of-window', `reply out of window (${next}): ignored`, null, NO_NOTES)];
    }
    const target = slot.target;
    if (!target || slot.status === PR.UNUSED) {
      inst.stats.unknown++;
      const why = slot.status === PR.UNUSED ? 'no such probe was sent' : 'its target was deleted';
      return [this.annotate(inst, obs.src, obs, slot.status === PR.UNUSED ? 'fake' : 'unknown', `reply ignored: ${why}`, null, NO_NOTES)];
    }
    if (target.address !== obs.src) {
      inst.stats.unknown++;
      return [this.annotate(inst, target.address, obs, 'fake', `fake reply from ${obs.src}: in.mpathd ignores it (counts as lost)`, null, NO_NOTES)];
    }
    if (slot.status === PR.ACKED) {
      inst.stats.unknown++;
      return [this.annotate(inst, target.address, obs, 'duplicate', 'duplicate reply', null, NO_NOTES)];
    }
    const wasLost = slot.status === PR.LOST;
    const netRttNs = nowNs - slot.sentNs;
    slot.netRttNs = netRttNs;
    const verdicts = this.sampleUni(inst, slot, target, netRttNs, nowNs);
    inst.ack(slot, nowNs);
    this.logRow(inst, slot);
    // The wording is left to the annotation: built only if the summary is read.
    const out = [this.annotate(inst, target.address, obs, wasLost ? 'late' : 'acked', null, netRttNs, NO_NOTES, target)];
    this.settle(inst, out, verdicts);
    return out;
  }

  /** The RTT part of incoming_echo_reply. */
  private sampleUni(inst: ProbeInstance, slot: Slot, target: ProbeTarget, netRttNs: number, nowNs: number): readonly Verdict[] {
    const group = inst.phyint.group;
    const m = inst.format === 'ms32' ? Math.floor(netRttNs / MS) : Math.round(netRttNs);
    if (m < 0 || netRttNs / MS > PROBE_STATS_COUNT * group.probeintMs) return NO_VERDICTS;
    if (inst.phyint.state !== 'RUNNING' || group.failed) return NO_VERDICTS;
    if (!inst.highestAckForTarget(slot.seq, target)) return NO_VERDICTS;
    target.rtt.sample(m, true, group.probeintMs);
    return reviewCrtt(inst, target, nowNs);
  }

  private onRttReply(inst: ProbeInstance, obs: ProbeObservation, nowNs: number): Annotation[] {
    const req = inst.rttRequests.get(obs.src);
    const target = inst.targets.get(obs.src);
    if (!req || req.seq !== obs.seq || !target || target.status !== 'active') {
      return [this.annotate(inst, obs.src, obs, 'unknown', 'RTT reply without a matching request or target', null, NO_NOTES)];
    }
    inst.rttRequests.delete(obs.src);
    const netRttNs = nowNs - req.sentNs;
    const group = inst.phyint.group;
    let verdicts = NO_VERDICTS;
    const m = inst.format === 'ms32' ? Math.floor(netRttNs / MS) : Math.round(netRttNs);
    if (m >= 0 && inst.phyint.state === 'RUNNING' && !group.failed) {
      target.rtt.sample(m, false, group.probeintMs);
      verdicts = lowerFdtIfImproved(inst, target, nowNs);
    }
    const out = [this.annotate(inst, obs.src, obs, 'acked', null, netRttNs, NO_NOTES)];
    this.settle(inst, out, verdicts);
    return out;
  }

  /** incoming_mcast_reply: responders become host targets of every group member of that family. */
  private onMultiReply(inst: ProbeInstance, obs: ProbeObservation): Annotation[] {
    if (obs.src === '0.0.0.0' || obs.src === '::' || this.ownAddresses.has(obs.src)) {
      return [this.annotate(inst, obs.src, obs, 'ignored', 'reply from an unusable source: ignored', null, NO_NOTES)];
    }
    const result = inst.targets.addHost(obs.src);
    for (const p of inst.phyint.group.liveMembers()) {
      const other = p.instance(inst.af);
      if (other && other !== inst) other.targets.addHost(obs.src);
    }
    const text =
      result === 'added'
        ? `responder: new host target (${inst.targets.activeCount()} of 5)`
        : result === 'known'
          ? 'responder: already a target'
          : result === 'full'
            ? 'responder ignored: 5 targets known'
            : 'responder ignored: targets are routers';
    return [this.annotate(inst, obs.src, obs, result === 'added' || result === 'known' ? 'responder' : 'ignored', text, null, NO_NOTES)];
  }

  // ---- attribution ----

  private phyintFor(obs: ProbeObservation, linkName: string, notes: string[]): Phyint {
    let byId = this.phyintsByMac.get(obs.srcMac);
    const known = byId?.get(obs.id);
    if (known) return known;
    const cfg = findConfiguredInterface(this.config, obs.srcMac, obs.src);
    const identity = cfg ? `cfg:${cfg.name}` : obs.srcMac || `addr:${obs.src}`;
    const prev = this.latest.get(identity);
    const name = cfg?.name ?? prev?.name ?? (obs.outgoing && linkName ? linkName : `if-${obs.srcMac || obs.src}`);
    const group = cfg ? this.groupList.find((g) => g.name === cfg.group)! : (prev?.group ?? this.autoGroup(obs));
    const pi = new Phyint(obs.srcMac, obs.id, name, group, cfg);
    if (prev) {
      prev.retired = true;
      notes.push(
        prev.pidByte !== pi.pidByte
          ? `in.mpathd restarted: ICMP id ${hex16(prev.icmpId)} -> ${hex16(obs.id)} (PID byte changed)`
          : `interface replumbed: ICMP id ${hex16(prev.icmpId)} -> ${hex16(obs.id)} (ifindex byte changed)`,
      );
    }
    if (group.failed) pi.state = 'FAILED';
    group.members.push(pi);
    if (!byId) this.phyintsByMac.set(obs.srcMac, (byId = new Map()));
    byId.set(obs.id, pi);
    this.phyintList.push(pi);
    this.latest.set(identity, pi);
    return pi;
  }

  /**
   * Without config: join the group of an interface probed by the same daemon (PID byte) from the
   * same subnet whose targets include this probe's destination (or that has none yet).
   */
  private autoGroup(obs: ProbeObservation): IpmpGroup {
    const pid = obs.id >> 8;
    const subnet = subnetKey(obs.src);
    for (const g of this.groupList) {
      if (g.configured) continue;
      const fits = g.liveMembers().some((p) => {
        if (p.pidByte !== pid) return false;
        const inst = p.instance(obs.family);
        if (!inst || subnetKey(inst.testAddr) !== subnet) return false;
        return obs.kind === 'MULTI' || inst.targets.activeCount() === 0 || inst.targets.get(obs.dst) !== undefined;
      });
      if (fits) return g;
    }
    const g = new IpmpGroup(`auto${++this.autoCount}`, false, null);
    this.groupList.push(g);
    return g;
  }

  // ---- annotation text ----

  /**
   * `text` null: the acked / late wording, made from the RTT when the summary is first read.
   * `tg`: the table entry for `target` when the caller has it (targets are never removed from
   * the table, so it is what a lookup would find).
   */
  private annotate(
    inst: ProbeInstance, target: string, obs: ProbeObservation, state: ReplyState, text: string | null, netRttNs: number | null,
    notes: readonly string[], tg = inst.targets.get(target),
  ): ProbeAnnotation {
    return new ProbeAnnotation(inst, target, tg, obs.kind, obs.seq, state, text, netRttNs, notes.length ? notes.slice() : NO_NOTES);
  }

  private unmatched(obs: ProbeObservation): Annotation {
    const iface = `if-${obs.dstMac || obs.dst}`;
    return {
      source: 'ipmp',
      summary: `?/${iface} → ${obs.src} ${obs.kind} #${obs.seq} reply (request not seen)`,
      detail: [`Interface = ${iface}`, `Test address = ${obs.dst}`, `Target = ${obs.src}`, `Probe = ${obs.kind} #${obs.seq} (${obs.format})`, 'State = unmatched'],
      json: { group: null, iface, testaddr: obs.dst, target: obs.src, kind: obs.kind, seq: obs.seq, state: 'unmatched', netrttMs: null, verdict: null, af: obs.family, format: obs.format, crttMs: null },
    };
  }

  /**
   * Report the probes that became LOST (in send order), then put each verdict on the annotation of
   * the probe that decided it: the newest loss it counts when that loss is reported by this packet,
   * else this packet's own annotation (the tick, or the reply, that led to it).
   */
  private settle(inst: ProbeInstance, out: ProbeAnnotation[], verdicts: readonly Verdict[]): void {
    const own = out[0];
    this.reportLost(inst.phyint.group.members, out);
    // Index loops here and above: for-of over the frozen NO_VERDICTS, what almost every probe
    // has, makes V8 allocate an iterator per packet.
    for (let i = 0; i < verdicts.length; i++) (decidingAnnotation(verdicts[i], out) ?? own).addVerdict(verdictText(verdicts[i]));
  }

  /** Annotate and log every newly LOST slot of these phyints, oldest first. */
  private reportLost(phyints: readonly Phyint[], out: ProbeAnnotation[]): void {
    let count = 0;
    for (const p of phyints) count += (p.v4 ? p.v4.newlyLost.length : 0) + (p.v6 ? p.v6.newlyLost.length : 0);
    if (count === 0) return;
    const lost: { inst: ProbeInstance; slot: Slot }[] = [];
    for (const p of phyints) {
      for (const inst of [p.v4, p.v6]) {
        if (!inst) continue;
        for (const slot of inst.newlyLost) lost.push({ inst, slot });
        inst.newlyLost.length = 0;
      }
    }
    // A tick resolves the newest slot before forcing the one before it: put them back in send order.
    if (lost.length > 1) lost.sort((a, b) => a.slot.sentNs - b.slot.sentNs);
    for (const { inst, slot } of lost) {
      out.push(new ProbeAnnotation(inst, slot.target?.address ?? '?', slot.target ?? undefined, 'UNI', slot.seq, 'lost', 'LOST', null, NO_NOTES));
      this.logRow(inst, slot);
    }
  }

  private logRow(inst: ProbeInstance, s: Slot): void {
    this.log.push(s.sentNs, inst.phyint.name, s.seq, s.status === PR.ACKED ? s.netRttNs : null, s.target?.rtt, s.target?.address ?? '?');
  }
}

/** The LOST annotation, among this packet's, of the newest loss a verdict counts. */
function decidingAnnotation(v: Verdict, out: readonly ProbeAnnotation[]): ProbeAnnotation | undefined {
  if (v.type !== 'failed' && v.type !== 'group-failed' && v.type !== 'target-dropped') return undefined;
  if (v.lost.length === 0) return undefined;
  const seq = v.lost[v.lost.length - 1];
  return out.find((a) => a.state === 'lost' && a.inst === v.inst && a.seq === seq);
}

function join(a: readonly Verdict[], b: readonly Verdict[]): readonly Verdict[] {
  return b.length === 0 ? a : a.length === 0 ? b : [...a, ...b];
}

function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, k) => (from + k) & 0xffff);
}

function targetEventText(e: TargetEvent): string {
  const a = e.target.address;
  if (e.type === 'new') return `new target ${a}`;
  if (e.type === 'left') return `target ${a} left the rotation`;
  const away = e.awayNs === null ? '' : ` after ${(e.awayNs / 1e9).toFixed(1)}s`;
  return `target ${a} back in the rotation${away} (was ${e.was})`;
}

export function verdictText(v: Verdict): string {
  switch (v.type) {
    case 'failed': {
      const other = v.otherAf ? `; IPv${v.otherAf.af} lost ${formatSeqs(v.otherAf.lost)}` : '';
      return `${v.phyint.name} FAILED (lost ${formatSeqs(v.lost)}${other})`;
    }
    case 'group-failed':
      return `group ${v.group.name} FAILED: all interfaces (${v.phyint.name} lost ${formatSeqs(v.lost)})`;
    case 'repaired':
      return `${v.phyint.name} REPAIRED (acked ${formatSeqs(v.acked)})`;
    case 'group-repaired':
      return `group ${v.group.name} repaired (${v.phyint.name})`;
    case 'target-dropped': {
      const why = v.lost.length ? `lost ${formatSeqs(v.lost)}` : 'far slower than the other targets';
      const then = v.status === 'deleted' ? '; in.mpathd multicasts for a replacement' : v.status === 'dead' ? '; retried after 60s' : '';
      return `target ${v.target.address} ${v.status.toUpperCase()} (${why})${then}`;
    }
    case 'fdt-raised':
      return `cannot meet requested FDT: FDT now ${v.fdtMs} ms (crtt ${v.crttMs} ms to ${v.target.address})`;
    case 'fdt-lowered':
      return `FDT lowered to ${v.fdtMs} ms`;
  }
}
