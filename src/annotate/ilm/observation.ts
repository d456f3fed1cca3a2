// One IGMP/MLD message reduced to plain strings and numbers. The ilm state machines consume only
// this record, so they never hold a Packet (which is reused) or its bytes, and they can be unit
// tested without building frames.
import { L, type Packet } from '../../decode/packet.js';
import { Direction, PacketType } from '../../capture/frame.js';
import { i32, ipv4String, ipv6String, macString } from '../../decode/addr.js';

export type Family = 4 | 6;

/** IGMPv3 / MLDv2 group record types (RFC 3376 §4.2.12, RFC 3810 §5.2.12). */
export const Rec = { IS_IN: 1, IS_EX: 2, TO_IN: 3, TO_EX: 4, ALLOW: 5, BLOCK: 6 } as const;
export const REC_NAMES = ['?', 'IS_IN', 'IS_EX', 'TO_IN', 'TO_EX', 'ALLOW', 'BLOCK'] as const;

export interface GroupRecordObs {
  type: number;
  group: string;
  sources: string[];
}

export type MessageKind = 'query' | 'report' | 'leave';

export interface MembershipObservation {
  /** Packet number in the source, so a REFRESH can point at its query. */
  number: number;
  /** Packet time in seconds (fractional). */
  ts: number;
  link: string;
  family: Family;
  /** Sender MAC (Ethernet or SLL), '' when the link has none. */
  srcMac: string;
  /** Ethernet destination, null when not captured (cooked captures). */
  dstMac: string | null;
  srcIp: string;
  /** Fixed-width hex of the source address: compares like the address (querier election); '' for reports. */
  srcKey: string;
  dstIp: string;
  /** IPv4 TTL or IPv6 hop limit. */
  hops: number;
  routerAlert: boolean;
  /** IPv4 TOS and IP id (fingerprints); 0 for IPv6. */
  tos: number;
  ipId: number;
  /** IPv6 hop-by-hop padding style: 0 none, 1 Pad1, 2 PadN. */
  hbhPadding: number;
  checksumOk: boolean | null;
  /** Sent by the capturing host (the host tables describe the sender). */
  outgoing: boolean;
  kind: MessageKind;
  /** IGMP 1..3 or MLD 1..2. */
  version: number;
  /** Query group (null = general query), or the group of a v1/v2 report or leave. */
  group: string | null;
  maxRespMs: number;
  qrv: number;
  qqiSec: number;
  suppress: boolean;
  querySources: string[];
  /** IGMPv3 / MLDv2 report records. */
  records: GroupRecordObs[];
}

const IGMP_QUERY = 0x11;
const IGMP_V1_REPORT = 0x12;
const IGMP_V2_REPORT = 0x16;
const IGMP_LEAVE = 0x17;
const IGMP_V3_REPORT = 0x22;
const MLD_QUERY = 130;
const MLD_V1_REPORT = 131;
const MLD_DONE = 132;
const MLD_V2_REPORT = 143;

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

function hex16bytes(b: Uint8Array, off: number): string {
  let s = '';
  for (let i = 0; i < 16; i++) s += (b[off + i] < 16 ? '0' : '') + b[off + i].toString(16);
  return s;
}

/** Sources of a query or record, clipped to what was captured. */
function sourceList(pkt: Packet, family: Family, off: number, count: number): string[] {
  const size = family === 4 ? 4 : 16;
  const out: string[] = [];
  for (let i = 0; i < count && off + (i + 1) * size <= pkt.end; i++) {
    const at = off + i * size;
    out.push(family === 4 ? ipv4String(i32(pkt.bytes, at)) : ipv6String(pkt.bytes, at));
  }
  return out;
}

interface KindAndVersion {
  kind: MessageKind;
  version: number;
}

// Shared answers of messageKind: one per message type, nothing made per packet.
const QUERY: KindAndVersion = { kind: 'query', version: 0 };
const REPORT_V1: KindAndVersion = { kind: 'report', version: 1 };
const REPORT_V2: KindAndVersion = { kind: 'report', version: 2 };
const REPORT_V3: KindAndVersion = { kind: 'report', version: 3 };
const LEAVE_V1: KindAndVersion = { kind: 'leave', version: 1 };
const LEAVE_V2: KindAndVersion = { kind: 'leave', version: 2 };

function messageKind(family: Family, type: number): KindAndVersion | null {
  if (family === 4) {
    switch (type) {
      case IGMP_QUERY: return QUERY;
      case IGMP_V1_REPORT: return REPORT_V1;
      case IGMP_V2_REPORT: return REPORT_V2;
      case IGMP_LEAVE: return LEAVE_V2;
      case IGMP_V3_REPORT: return REPORT_V3;
      default: return null;
    }
  }
  switch (type) {
    case MLD_QUERY: return QUERY;
    case MLD_V1_REPORT: return REPORT_V1;
    case MLD_DONE: return LEAVE_V1;
    case MLD_V2_REPORT: return REPORT_V2;
    default: return null;
  }
}

/** A group address as text, from its bytes. */
function groupText(family: Family, b: Uint8Array, off: number): string {
  return family === 4 ? ipv4String(i32(b, off)) : ipv6String(b, off);
}

/** A record for readObservation to fill (the observer keeps one and reuses it). */
export function blankObservation(): MembershipObservation {
  return {
    number: 0, ts: 0, link: '', family: 4, srcMac: '', dstMac: null, srcIp: '', srcKey: '', dstIp: '', hops: 0,
    routerAlert: false, tos: 0, ipId: 0, hbhPadding: 0, checksumOk: null, outgoing: false, kind: 'report', version: 0,
    group: null, maxRespMs: 0, qrv: 0, qqiSec: 0, suppress: false, querySources: [], records: [],
  };
}

/**
 * Copy what the ilm observer needs out of a decoded packet into `into`, every field; false (and
 * `into` left as it was) when the packet carries no IGMP/MLD membership message (DVMRP, PIM,
 * mtrace and everything else). The record is reused, so the state machines must not keep it; the
 * arrays in it are new for every message and may be kept.
 */
export function readObservation(pkt: Packet, link: string, into: MembershipObservation): boolean {
  const isIgmp = pkt.has(L.IGMP) && pkt.igmp.present && pkt.has(L.IP);
  const isMld = !isIgmp && pkt.has(L.MLD) && pkt.mld.present && pkt.has(L.IP6);
  if (!isIgmp && !isMld) return false;
  const family: Family = isIgmp ? 4 : 6;
  const m = isIgmp ? pkt.igmp : pkt.mld;
  const kv = messageKind(family, m.type);
  if (!kv) return false;
  const b = pkt.bytes;

  let srcMac = '';
  let dstMac: string | null = null;
  if (pkt.has(L.ETH) && pkt.eth.present) {
    srcMac = macString(b, pkt.eth.srcOff);
    dstMac = macString(b, pkt.eth.dstOff);
  } else if (pkt.has(L.SLL) && pkt.sll.present && pkt.sll.addrLen === 6) {
    srcMac = macString(b, pkt.sll.addrOff);
  }

  let msgGroup: string | null = null;
  let records: GroupRecordObs[] = [];
  let querySources: string[] = [];
  let version = kv.version;
  if (kv.kind === 'query') {
    // The decoder infers the query version from length and code (RFC 3376 §7.1, RFC 3810 §8.1).
    version = m.version;
    // A 9-11 byte IGMP query (or 25-27 byte MLD one) has no version: nothing to learn from it.
    if (version === 0) return false;
    const general = family === 4 ? m.group === 0 : isUnspecified(b, m.groupOff);
    msgGroup = general ? null : groupText(family, b, m.groupOff);
    querySources = sourceList(pkt, family, m.sourcesOff, m.sourceCount);
  } else if (version === 3 || (family === 6 && version === 2)) {
    records = new Array(m.recordCount);
    for (let i = 0; i < m.recordCount; i++) {
      const gOff = m.recordGroupOff[i];
      records[i] = {
        type: m.recordType[i],
        group: groupText(family, b, gOff),
        sources: sourceList(pkt, family, m.recordSourcesOff[i], m.recordSourceCount[i]),
      };
    }
  } else {
    msgGroup = groupText(family, b, m.groupOff);
  }

  const v4 = pkt.ip;
  const v6 = pkt.ip6;
  into.number = pkt.number;
  into.ts = pkt.tsSec + pkt.tsNsec / 1e9;
  into.link = link;
  into.family = family;
  into.srcMac = srcMac;
  into.dstMac = dstMac;
  into.srcIp = family === 4 ? ipv4String(v4.src | 0) : ipv6String(b, v6.srcOff);
  // Only queries take part in the election; reports skip building the key.
  into.srcKey = kv.kind !== 'query' ? '' : family === 4 ? hex8(v4.src) : hex16bytes(b, v6.srcOff);
  into.dstIp = family === 4 ? ipv4String(v4.dst | 0) : ipv6String(b, v6.dstOff);
  into.hops = family === 4 ? v4.ttl : v6.hopLimit;
  into.routerAlert = family === 4 ? v4.routerAlert : v6.routerAlert;
  into.tos = family === 4 ? v4.tos : 0;
  into.ipId = family === 4 ? v4.id : 0;
  into.hbhPadding = family === 6 ? v6.hbhPadding : 0;
  into.checksumOk = m.checksumOk;
  into.outgoing = pkt.direction === Direction.OUT || pkt.pktType === PacketType.OUTGOING;
  into.kind = kv.kind;
  into.version = version;
  into.group = msgGroup;
  into.maxRespMs = m.maxRespMs;
  into.qrv = m.qrv;
  into.qqiSec = m.qqi;
  into.suppress = m.suppress;
  into.querySources = querySources;
  into.records = records;
  return true;
}

function isUnspecified(b: Uint8Array, off: number): boolean {
  for (let i = 0; i < 16; i++) if (b[off + i] !== 0) return false;
  return true;
}
