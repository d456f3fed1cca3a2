// Linux's probe-based link monitors, annotated the way in.mpathd probes are (reference §7):
// the bonding ARP monitor (arp_ip_target) and NS monitor (ns_ip6_target), and teamd's arp_ping
// and nsna_ping link watches. Each one is a request from the bond's/port's MAC to a target at a
// fixed interval, answered by an ARP reply or a Neighbor Advertisement.
//
// Telling them from ordinary neighbour resolution: teamd's arp_ping puts ff:ff:ff:ff:ff:ff in
// the ARP target-MAC field, which the kernel never does, so it is recognised at once. The
// bonding monitor's requests are byte-for-byte the kernel's own resolution requests (broadcast,
// target MAC zero), and so are NS monitor and nsna_ping solicitations; they are recognised from
// sysfs bonding config when given (readBondingTargets), else from behaviour: a resolved
// neighbour is re-verified by unicast, so a third multicast/broadcast request to the same target
// at a steady interval is a monitor. Pure state machine: packet time only, no I/O (the sysfs
// reader is a separate function for the CLI).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ipv4String, ipv6String, macString, parseIpv4 } from '../../decode/addr.js';
import { L, type Packet } from '../../decode/packet.js';
import type { Annotation } from '../annotation.js';
import { canonicalAddress } from './config.js';

export type MonitorKind = 'ARP-MON' | 'NS-MON' | 'ARP-PING';
export type MonitorDaemon = 'bonding' | 'teamd' | 'bonding or teamd';

/** One bonding device as sysfs describes it. */
export interface BondingInfo {
  name: string;
  /** "active-backup", "balance-rr", ... (sysfs prints "active-backup 1"). */
  mode: string;
  slaves: string[];
  arpIpTargets: string[];
  nsIp6Targets: string[];
  arpIntervalMs: number | null;
  /** arp_missed_max (kernels >= 5.18), null when the file is absent. */
  missedMax: number | null;
}

/** bonding's arp_missed_max default; teamd's missed_max default. */
const BONDING_MISSED_MAX = 2;
const TEAMD_MISSED_MAX = 3;
/** Requests needed before an unconfigured broadcast/multicast request stream counts as a monitor. */
const HEURISTIC_REQUESTS = 3;
/** A neighbour entry stays REACHABLE at least 15 s (base_reachable_time 30 s, randomised x0.5-1.5). */
const MAX_MONITOR_GAP_NS = 15_000 * 1e6;
const PACKET_OUTGOING = 4;
const PACKET_UNKNOWN = 255;

/** Shared empty result, frozen so no caller can fill it: nothing is allocated for unrelated packets. */
const NONE: Annotation[] = Object.freeze([]) as unknown as Annotation[];

function words(text: string | null): string[] {
  return (text ?? '').split(/\s+/).filter(Boolean);
}

function intOrNull(text: string | null): number | null {
  const t = (text ?? '').trim();
  return /^\d+$/.test(t) ? Number(t) : null;
}

/** Parse the sysfs bonding attributes of one bond (null: the file was not there). */
export function parseBonding(name: string, attr: (file: string) => string | null): BondingInfo {
  const addrs = (file: string): string[] => words(attr(file)).flatMap((a) => canonicalAddress(a) ?? []);
  return {
    name,
    mode: words(attr('mode'))[0] ?? '',
    slaves: words(attr('slaves')),
    arpIpTargets: addrs('arp_ip_target'),
    nsIp6Targets: addrs('ns_ip6_target'),
    arpIntervalMs: intOrNull(attr('arp_interval')),
    missedMax: intOrNull(attr('arp_missed_max')),
  };
}

/** Every bond under `sysRoot`/class/net (links with a bonding/ directory). */
export function readBondingTargets(sysRoot = '/sys'): BondingInfo[] {
  const net = join(sysRoot, 'class', 'net');
  let names: string[];
  try {
    names = readdirSync(net);
  } catch {
    return [];
  }
  const bonds: BondingInfo[] = [];
  for (const name of names.sort()) {
    const dir = join(net, name, 'bonding');
    const read = (file: string): string | null => {
      try {
        return readFileSync(join(dir, file), 'utf8');
      } catch {
        return null;
      }
    };
    if (read('mode') === null) continue;
    bonds.push(parseBonding(name, read));
  }
  return bonds;
}

interface Monitor {
  kind: MonitorKind;
  daemon: MonitorDaemon;
  bond: string;
  iface: string;
  mac: string;
  target: string;
  /** The request's sender address (ARP spa / IPv6 source); 0.0.0.0 when the bond has no route. */
  sender: string;
  confirmed: boolean;
  missedMax: number;
  requests: number;
  lastRequestNs: number | null;
  lastGapNs: number | null;
  /** Requests since the last reply. */
  unanswered: number;
  repliedSinceLast: boolean;
  down: boolean;
}

function isAll(b: Uint8Array, off: number, len: number, value: number): boolean {
  for (let i = 0; i < len; i++) if (b[off + i] !== value) return false;
  return true;
}

export class LinuxMonitorObserver {
  /** Monitors by link, then MAC, then target: looked up on every ARP and NS/NA without building a key. */
  private readonly monitors = new Map<string, Map<string, Map<string, Monitor>>>();
  constructor(private readonly bonds: readonly BondingInfo[] = []) {}

  /** Annotations for ARP / ND monitor traffic; [] (without allocating) for anything else. */
  observe(pkt: Packet, linkName: string): Annotation[] {
    if (!pkt.eth.present) return NONE;
    if (pkt.has(L.ARP)) return this.onArp(pkt, linkName);
    if (pkt.has(L.ICMP6) && pkt.icmp6.present && (pkt.icmp6.type === 135 || pkt.icmp6.type === 136)) return this.onNd(pkt, linkName);
    return NONE;
  }

  /** Seconds of the first packet: ns since then stay exact in a double (epoch ns would not). */
  private epochSec: number | null = null;

  private nowNs(pkt: Packet): number {
    this.epochSec ??= pkt.tsSec;
    return (pkt.tsSec - this.epochSec) * 1e9 + pkt.tsNsec;
  }

  private configuredBond(linkName: string, target: string, v6: boolean): BondingInfo | undefined {
    return this.bonds.find((b) => (b.slaves.includes(linkName) || b.name === linkName) && (v6 ? b.nsIp6Targets : b.arpIpTargets).includes(target));
  }

  private onArp(pkt: Packet, linkName: string): Annotation[] {
    const a = pkt.arp;
    if (!a.present || a.short || !a.ipv4 || a.reverse) return NONE;
    const b = pkt.bytes;
    if (a.op === 1) {
      // Gratuitous ARP (spa = tpa) announces rather than probes; monitor requests are broadcast.
      if (a.spa === a.tpa || !isAll(b, pkt.eth.dstOff, 6, 0xff)) return NONE;
      const teamd = isAll(b, a.thaOff, 6, 0xff);
      if (!teamd && !isAll(b, a.thaOff, 6, 0)) return NONE;
      return this.onRequest(pkt, linkName, macString(b, a.shaOff), ipv4String(a.tpa), ipv4String(a.spa), teamd ? 'ARP-PING' : 'ARP-MON');
    }
    if (a.op === 2) return this.onReply(pkt, linkName, macString(b, pkt.eth.dstOff), ipv4String(a.spa));
    return NONE;
  }

  private onNd(pkt: Packet, linkName: string): Annotation[] {
    const ic = pkt.icmp6;
    if (!pkt.ip6.present || ic.short || ic.targetOff === 0 || ic.targetOff + 16 > pkt.end) return NONE;
    const b = pkt.bytes;
    const target = ipv6String(b, ic.targetOff);
    if (ic.type === 135) {
      // DAD (unspecified source) is not a probe; monitors solicit at the target's solicited-node group.
      const d = pkt.ip6.dstOff;
      const solicitedNode = b[d] === 0xff && b[d + 1] === 0x02 && b[d + 11] === 0x01 && b[d + 12] === 0xff && b[d + 13] === b[ic.targetOff + 13] && b[d + 14] === b[ic.targetOff + 14] && b[d + 15] === b[ic.targetOff + 15];
      if (!solicitedNode || isAll(b, pkt.ip6.srcOff, 16, 0) || pkt.ip6.hopLimit !== 255) return NONE;
      return this.onRequest(pkt, linkName, macString(b, pkt.eth.srcOff), target, ipv6String(b, pkt.ip6.srcOff), 'NS-MON');
    }
    return this.onReply(pkt, linkName, macString(b, pkt.eth.dstOff), target);
  }

  private onRequest(pkt: Packet, linkName: string, mac: string, target: string, sender: string, kind: MonitorKind): Annotation[] {
    const nowNs = this.nowNs(pkt);
    let m = this.monitor(linkName, mac, target);
    if (!m) {
      const bond = kind === 'ARP-PING' ? undefined : this.configuredBond(linkName, target, kind === 'NS-MON');
      const daemon: MonitorDaemon = kind === 'ARP-PING' ? 'teamd' : bond || kind === 'ARP-MON' ? 'bonding' : 'bonding or teamd';
      m = {
        kind,
        daemon,
        bond: bond?.name ?? (kind === 'ARP-PING' ? `team@${mac}` : `bond@${mac}`),
        iface: linkName || `if-${mac}`,
        mac,
        target,
        sender,
        confirmed: kind === 'ARP-PING' || bond !== undefined,
        missedMax: daemon === 'teamd' ? TEAMD_MISSED_MAX + 1 : (bond?.missedMax ?? BONDING_MISSED_MAX),
        requests: 0,
        lastRequestNs: null,
        lastGapNs: null,
        unanswered: 0,
        repliedSinceLast: false,
        down: false,
      };
      this.addMonitor(linkName, mac, target, m);
    }
    const gap = m.lastRequestNs === null ? null : nowNs - m.lastRequestNs;
    if (!m.confirmed && gap !== null) {
      // Resolution would stop once answered and re-verify by unicast; a steady broadcast stream does not.
      const steady = gap <= MAX_MONITOR_GAP_NS && (m.lastGapNs === null || (gap <= 2 * m.lastGapNs && m.lastGapNs <= 2 * gap));
      if (!steady) m.requests = 0;
      else if (m.requests + 1 >= HEURISTIC_REQUESTS && m.repliedSinceLast) m.confirmed = true;
    }
    let verdict: string | null = null;
    if (m.unanswered >= m.missedMax && !m.down) {
      m.down = true;
      verdict = `${m.iface} would be DOWN (${m.unanswered} ${m.kind} requests to ${m.target} unanswered; missed_max ${m.daemon === 'teamd' ? m.missedMax - 1 : m.missedMax})`;
    }
    const previousSender = m.sender;
    m.sender = sender;
    m.requests++;
    m.unanswered++;
    m.lastGapNs = gap;
    m.lastRequestNs = nowNs;
    m.repliedSinceLast = false;
    if (!m.confirmed) return NONE;
    const notes: string[] = [];
    if (previousSender !== sender) notes.push(`sender address changed from ${previousSender} to ${sender}`);
    if (sender === '0.0.0.0' && m.daemon !== 'teamd') notes.push('sender 0.0.0.0: the bond has no route to the target');
    const relayed = pkt.pktType !== PACKET_OUTGOING && pkt.pktType !== PACKET_UNKNOWN;
    const text = relayed ? "seen arriving (another port's request: arp_validate input)" : 'sent';
    if (gap !== null) notes.push(`interval ${(gap / 1e6).toFixed(0)}ms`);
    return [this.annotation(m, relayed ? 'seen' : 'sent', text, null, notes, verdict)];
  }

  private onReply(pkt: Packet, linkName: string, dstMac: string, from: string): Annotation[] {
    const m = this.monitor(linkName, dstMac, from);
    if (!m) return NONE;
    const nowNs = this.nowNs(pkt);
    m.repliedSinceLast = true;
    m.unanswered = 0;
    if (!m.confirmed) return NONE;
    let verdict: string | null = null;
    if (m.down) {
      m.down = false;
      verdict = `${m.iface} UP again (${m.target} answers)`;
    }
    const rttNs = m.lastRequestNs === null ? null : nowNs - m.lastRequestNs;
    const text = rttNs === null ? 'acked' : `acked ${(rttNs / 1e6).toFixed(2)}ms`;
    return [this.annotation(m, 'acked', text, rttNs, [], verdict)];
  }

  private monitor(linkName: string, mac: string, target: string): Monitor | undefined {
    return this.monitors.get(linkName)?.get(mac)?.get(target);
  }

  private addMonitor(linkName: string, mac: string, target: string, m: Monitor): void {
    let byMac = this.monitors.get(linkName);
    if (!byMac) this.monitors.set(linkName, (byMac = new Map()));
    let byTarget = byMac.get(mac);
    if (!byTarget) byMac.set(mac, (byTarget = new Map()));
    byTarget.set(target, m);
  }

  private annotation(m: Monitor, state: 'sent' | 'seen' | 'acked', text: string, rttNs: number | null, notes: string[], verdict: string | null): Annotation {
    const detail = [
      `Monitor = ${m.daemon} ${m.kind === 'ARP-PING' ? 'arp_ping' : m.kind === 'ARP-MON' ? 'ARP monitor (arp_ip_target)' : m.daemon === 'bonding' ? 'NS monitor (ns_ip6_target)' : 'NS monitor (ns_ip6_target) or nsna_ping'}`,
      `Link = ${m.bond}/${m.iface} (${m.mac})`,
      `Sender = ${m.sender}`,
      `Target = ${m.target}`,
      `Request = #${m.requests}`,
      `State = ${state}`,
    ];
    if (rttNs !== null) detail.push(`RTT = ${(rttNs / 1e6).toFixed(2)} ms`);
    for (const n of notes) detail.push(`Note = ${n}`);
    if (verdict) detail.push(`Verdict = ${verdict}`);
    const tail = (notes.length ? ` (${notes.join('; ')})` : '') + (verdict ? `; ${verdict}` : '');
    return {
      source: 'ipmp',
      summary: `${m.bond}/${m.iface} → ${m.target} ${m.kind} ${text}${tail}`,
      detail,
      json: {
        group: m.bond,
        iface: m.iface,
        testaddr: m.sender,
        target: m.target,
        kind: m.kind,
        seq: m.requests,
        state,
        netrttMs: rttNs === null ? null : rttNs / 1e6,
        verdict,
        af: parseIpv4(m.target) !== null ? 4 : 6,
        monitor: m.daemon,
      },
    };
  }
}
