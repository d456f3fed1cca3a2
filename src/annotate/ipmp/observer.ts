// IpmpObserver: the in.mpathd probe observer. Recognises probes and replies, attributes them to
// groups, interfaces and instances, replays the daemon's bookkeeping and reports each probe's
// fate and every verdict on the packet that decides it. A pure state machine: time comes from
// packet timestamps only, and nothing keeps a reference to a Packet or its bytes.
import { parseIpv4, parseIpv6 } from '../../decode/addr.js';
import type { Packet } from '../../decode/packet.js';
import { lazyAnnotation, type Annotation, type Annotator } from '../annotation.js';
import { EMPTY_IPMP_CONFIG, findConfiguredInterface, type IpmpConfig } from './config.js';
import { FAILURE_DETECTION_QP_NS, IpmpGroup, MS, PR, PROBE_STATS_COUNT, Phyint, ProbeInstance, type Slot } from './instance.js';
import { isAllNodes, isLinkLocalText, observeProbe, type ProbeObservation } from './recognise.js';
import { type BondingInfo, LinuxMonitorObserver } from './linux-monitors.js';
import type { ProbeTarget, TargetEvent } from './targets.js';
import { evaluateTick, formatSeqs, lowerFdtIfImproved, reviewCrtt, type Verdict } from './verdicts.js';

/** One row of `ipmpstat -p`: a UNI probe that became ACKED or LOST. */
export interface ProbeLogRow {
  /** Request capture time relative to the first packet, seconds. */
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

type ReplyState = 'sent' | 'acked' | 'late' | 'lost' | 'duplicate' | 'fake' | 'out-of-window' | 'unknown' | 'ignored' | 'responder' | 'unmatched';

function hex16(v: number): string {
  return '0x' + v.toString(16).padStart(4, '0');
}

function fmtMs(ms: number): string {
  return ms.toFixed(2);
}

/** Network part used to group test addresses without config: /24 for IPv4, /64 for IPv6. */
function subnetKey(addr: string): string {
  const v4 = parseIpv4(addr);
  if (v4 !== null) return `4:${v4 >>> 8}`;
  const v6 = parseIpv6(addr);
  return v6 ? `6:${Array.from(v6.subarray(0, 8)).join('.')}` : addr;
}

export class IpmpObserver implements Annotator {
  private epochSec: number | null = null;
  private readonly phyints = new Map<string, Phyint>();
  /** The current phyint per identity (configured name, else MAC), to spot restarts. */
  private readonly latest = new Map<string, Phyint>();
  private readonly groupList: IpmpGroup[] = [];
  private readonly replyIndex = new Map<string, ProbeInstance>();
  private readonly ownAddresses = new Set<string>();
  private autoCount = 0;
  private readonly log: ProbeLogRow[] = [];

  /** Linux's bonding / teamd link monitors, annotated alongside the probes (linux-monitors.ts). */
  private readonly linuxMonitors: LinuxMonitorObserver;

  constructor(
    private readonly config: IpmpConfig = EMPTY_IPMP_CONFIG,
    bonds: readonly BondingInfo[] = [],
  ) {
    this.linuxMonitors = new LinuxMonitorObserver(bonds);
    for (const g of config.groups) this.groupList.push(new IpmpGroup(g.name, true, g.fdtMs));
  }

  observe(pkt: Packet, linkName: string): Annotation[] {
    if (this.epochSec === null) this.epochSec = pkt.tsSec;
    const obs = observeProbe(pkt);
    return obs ? this.observeProbe(obs, linkName) : this.linuxMonitors.observe(pkt, linkName);
  }

  /** The same as observe() for an already extracted probe (tests, replays). */
  observeProbe(obs: ProbeObservation, linkName: string): Annotation[] {
    if (this.epochSec === null) this.epochSec = obs.tsSec;
    const nowNs = (obs.tsSec - this.epochSec) * 1e9 + obs.tsNsec;
    return obs.reply ? this.onReply(obs, nowNs) : this.onRequest(obs, nowNs, linkName);
  }

  /**
   * End of input: probes whose deadline has passed by `tsSec`.`tsNsec` are reported LOST (the daemon
   * would decide at its next tick, which the capture did not see). No verdicts are drawn.
   */
  finish(tsSec: number, tsNsec = 0): Annotation[] {
    if (this.epochSec === null) return [];
    const nowNs = (tsSec - this.epochSec) * 1e9 + tsNsec;
    const out: Annotation[] = [];
    for (const p of this.phyints.values()) {
      for (const inst of p.instances()) {
        for (const s of inst.ring) if (s.status === PR.UNACKED && inst.timeoutNs(s) < nowNs) inst.markLost(s, inst.timeoutNs(s));
        this.drainLost(inst, out);
      }
    }
    return out;
  }

  groups(): readonly IpmpGroup[] {
    return this.groupList;
  }

  /** Interfaces still in use (a restart retires the old phyint), in order of first appearance. */
  interfaces(): Phyint[] {
    return [...this.phyints.values()].filter((p) => !p.retired);
  }

  probeLog(): readonly ProbeLogRow[] {
    return this.log;
  }

  // ---- requests ----

  private onRequest(obs: ProbeObservation, nowNs: number, linkName: string): Annotation[] {
    const notes: string[] = [];
    const pi = this.phyintFor(obs, linkName, notes);
    let inst = pi.instance(obs.family);
    if (inst && inst.testAddr !== obs.src) {
      notes.push(`test address changed from ${inst.testAddr} to ${obs.src}`);
      this.replyIndex.delete(`${inst.af}|${inst.testAddr}|${pi.icmpId}`);
      inst = null;
    }
    if (!inst) {
      inst = new ProbeInstance(pi, obs.family, obs.src, obs.format);
      if (obs.family === 4) pi.v4 = inst;
      else pi.v6 = inst;
      this.replyIndex.set(`${obs.family}|${obs.src}|${obs.id}`, inst);
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
    const verdicts: Verdict[] = [];
    const events: TargetEvent[] = [];
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
        for (const t of inst.targets.all()) t.rtt.reset();
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
          verdicts.push(...evaluateTick(inst, inst.resolveTick(t), t));
          inst.record((expected + k) & 0xffff, predicted, t);
        }
      }
    }
    verdicts.push(...evaluateTick(inst, inst.resolveTick(nowNs), nowNs));
    const target = inst.targets.noteUni(obs.dst, nowNs, events);
    inst.record(obs.seq, target, nowNs);
    const group = inst.phyint.group;
    if (group.userFdtMs === null) {
      const median = inst.medianGapMs();
      if (median !== null) group.inferredProbeintMs = Math.round(median);
    }
    for (const e of events) notes.push(targetEventText(e));
    const out = [this.annotate(inst, obs.dst, obs, 'sent', 'sent', null, notes)];
    this.settle(inst, out, verdicts);
    return out;
  }

  // ---- replies ----

  private onReply(obs: ProbeObservation, nowNs: number): Annotation[] {
    const inst = this.replyIndex.get(`${obs.family}|${obs.dst}|${obs.id}`);
    if (!inst) return [this.unmatched(obs)];
    if (obs.family === 6 && !isLinkLocalText(obs.src)) {
      return [this.annotate(inst, obs.src, obs, 'ignored', 'reply from a non-link-local source: in.mpathd drops it', null, [])];
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
      return [this.annotate(inst, obs.src, obs, 'out-of-window', `reply out of window (${next}): ignored`, null, [])];
    }
    const target = slot.target;
    if (!target || slot.status === PR.UNUSED) {
      inst.stats.unknown++;
      const why = slot.status === PR.UNUSED ? 'no such probe was sent' : 'its target was deleted';
      return [this.annotate(inst, obs.src, obs, slot.status === PR.UNUSED ? 'fake' : 'unknown', `reply ignored: ${why}`, null, [])];
    }
    if (target.address !== obs.src) {
      inst.stats.unknown++;
      return [this.annotate(inst, target.address, obs, 'fake', `fake reply from ${obs.src}: in.mpathd ignores it (counts as lost)`, null, [])];
    }
    if (slot.status === PR.ACKED) {
      inst.stats.unknown++;
      return [this.annotate(inst, target.address, obs, 'duplicate', 'duplicate reply', null, [])];
    }
    const wasLost = slot.status === PR.LOST;
    const netRttNs = nowNs - slot.sentNs;
    slot.netRttNs = netRttNs;
    const verdicts = this.sampleUni(inst, slot, target, netRttNs, nowNs);
    inst.ack(slot, nowNs);
    this.logRow(inst, slot);
    const text = wasLost ? `late reply ${fmtMs(netRttNs / MS)}ms: was LOST, now acked` : `acked ${fmtMs(netRttNs / MS)}ms`;
    const out = [this.annotate(inst, target.address, obs, wasLost ? 'late' : 'acked', text, netRttNs, [])];
    this.settle(inst, out, verdicts);
    return out;
  }

  /** The RTT part of incoming_echo_reply. */
  private sampleUni(inst: ProbeInstance, slot: Slot, target: ProbeTarget, netRttNs: number, nowNs: number): Verdict[] {
    const group = inst.phyint.group;
    const m = inst.format === 'ms32' ? Math.floor(netRttNs / MS) : Math.round(netRttNs);
    if (m < 0 || netRttNs / MS > PROBE_STATS_COUNT * group.probeintMs) return [];
    if (inst.phyint.state !== 'RUNNING' || group.failed) return [];
    if (!inst.highestAckForTarget(slot.seq, target)) return [];
    target.rtt.sample(m, true, group.probeintMs);
    return reviewCrtt(inst, target, nowNs);
  }

  private onRttReply(inst: ProbeInstance, obs: ProbeObservation, nowNs: number): Annotation[] {
    const req = inst.rttRequests.get(obs.src);
    const target = inst.targets.get(obs.src);
    if (!req || req.seq !== obs.seq || !target || target.status !== 'active') {
      return [this.annotate(inst, obs.src, obs, 'unknown', 'RTT reply without a matching request or target', null, [])];
    }
    inst.rttRequests.delete(obs.src);
    const netRttNs = nowNs - req.sentNs;
    const group = inst.phyint.group;
    let verdicts: Verdict[] = [];
    const m = inst.format === 'ms32' ? Math.floor(netRttNs / MS) : Math.round(netRttNs);
    if (m >= 0 && inst.phyint.state === 'RUNNING' && !group.failed) {
      target.rtt.sample(m, false, group.probeintMs);
      verdicts = lowerFdtIfImproved(inst, target, nowNs);
    }
    const out = [this.annotate(inst, obs.src, obs, 'acked', `acked ${fmtMs(netRttNs / MS)}ms`, netRttNs, [])];
    this.settle(inst, out, verdicts);
    return out;
  }

  /** incoming_mcast_reply: responders become host targets of every group member of that family. */
  private onMultiReply(inst: ProbeInstance, obs: ProbeObservation): Annotation[] {
    if (obs.src === '0.0.0.0' || obs.src === '::' || this.ownAddresses.has(obs.src)) {
      return [this.annotate(inst, obs.src, obs, 'ignored', 'reply from an unusable source: ignored', null, [])];
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
    return [this.annotate(inst, obs.src, obs, result === 'added' || result === 'known' ? 'responder' : 'ignored', text, null, [])];
  }

  // ---- attribution ----

  private phyintFor(obs: ProbeObservation, linkName: string, notes: string[]): Phyint {
    const key = `${obs.srcMac}|${obs.id}`;
    const known = this.phyints.get(key);
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
    this.phyints.set(key, pi);
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

  private annotate(inst: ProbeInstance, target: string, obs: ProbeObservation, state: ReplyState, text: string, netRttNs: number | null, notes: string[]): Annotation {
    return this.makeAnnotation(inst, target, obs.kind, obs.seq, state, text, netRttNs, notes);
  }

  private makeAnnotation(inst: ProbeInstance, target: string, kind: string, seq: number, state: ReplyState, text: string, netRttNs: number | null, notes: string[]): Annotation {
    const pi = inst.phyint;
    const group = pi.group.name;
    const iface = pi.name;
    const tg = inst.targets.get(target);
    // Copy the numbers now: the strings below are built only if -v or JSON asks, by which time
    // later probes may have moved the target's RTT state on.
    const crtt = tg ? tg.rtt.crttMs : 0;
    const avgMs = tg ? tg.rtt.avgMs : null;
    const devMs = tg ? tg.rtt.devMs : null;
    const netRttMs = netRttNs === null ? null : netRttNs / MS;
    const summaryNotes = notes.length ? ` (${notes.join('; ')})` : '';
    return lazyAnnotation(
      'ipmp',
      `${group}/${iface} → ${target} ${kind} #${seq} ${text}${summaryNotes}`,
      () => {
        const detail = [
          `Group = ${group}`,
          `Interface = ${iface} (${pi.mac || 'no MAC'}, ICMP id ${hex16(pi.icmpId)})`,
          `Test address = ${inst.testAddr}`,
          `Target = ${target}`,
          `Probe = ${kind} #${seq} (${inst.format})`,
          `State = ${state}`,
        ];
        if (netRttMs !== null) detail.push(`Net RTT = ${fmtMs(netRttMs)} ms`);
        if (avgMs !== null) detail.push(`crtt = ${crtt} ms (avg ${fmtMs(avgMs)} ms, dev ${fmtMs(devMs ?? 0)} ms)`);
        for (const n of notes) detail.push(`Note = ${n}`);
        return detail;
      },
      () => ({
        group,
        iface,
        testaddr: inst.testAddr,
        target,
        kind,
        seq,
        state,
        netrttMs: netRttMs,
        verdict: null,
        af: inst.af,
        format: inst.format,
        crttMs: crtt !== 0 ? crtt : null,
      }),
    );
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

  /** Report probes that became LOST and attach verdicts to the last annotation of this packet. */
  private settle(inst: ProbeInstance, out: Annotation[], verdicts: Verdict[]): void {
    for (const p of inst.phyint.group.members) for (const i of p.instances()) this.drainLost(i, out);
    const last = out[out.length - 1];
    for (const v of verdicts) {
      const text = verdictText(v);
      last.summary += `; ${text}`;
      last.detail.push(`Verdict = ${text}`);
      last.json.verdict = last.json.verdict ? `${last.json.verdict as string}; ${text}` : text;
    }
  }

  private drainLost(inst: ProbeInstance, out: Annotation[]): void {
    for (const s of inst.newlyLost) {
      out.push(this.makeAnnotation(inst, s.target?.address ?? '?', 'UNI', s.seq, 'lost', 'LOST', null, []));
      this.logRow(inst, s);
    }
    inst.newlyLost.length = 0;
  }

  private logRow(inst: ProbeInstance, s: Slot): void {
    const rtt = s.target?.rtt;
    this.log.push({
      timeSec: s.sentNs / 1e9,
      iface: inst.phyint.name,
      seq: s.seq,
      netRttMs: s.status === PR.ACKED && s.netRttNs !== null ? s.netRttNs / MS : null,
      rttAvgMs: rtt?.avgMs ?? null,
      rttDevMs: rtt?.devMs ?? null,
      target: s.target?.address ?? '?',
    });
    if (this.log.length > PROBE_LOG_LIMIT) this.log.shift();
  }
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
