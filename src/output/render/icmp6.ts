// snoop's interpret_icmpv6(): ICMPv6 summary, -V line, -v header block (with Neighbor Discovery
// and its options) and JSON. MLD messages get snoop's ICMPv6 summary here; their body is drawn by
// the MLD renderer (mld.ts). Beyond snoop: the checksum is verified, RDNSS/DNSSL are decoded, and
// an in.mpathd probe adds ` [mpathd <UNI|MULTI|RTT> <ms32|ns64>]` to the echo summary.
import { ipv6String, macSnoop, u16, u32 } from '../../decode/addr.js';
import {
  ICMP6_DST_UNREACH, ICMP6_ECHO_REPLY, ICMP6_ECHO_REQUEST, ICMP6_PACKET_TOO_BIG, ICMP6_PARAM_PROB,
  ICMP6_TIME_EXCEEDED, ND_NEIGHBOR_ADVERT, ND_NEIGHBOR_SOLICIT, ND_OPT_DNSSL, ND_OPT_MTU,
  ND_OPT_PREFIX_INFORMATION, ND_OPT_RDNSS, ND_OPT_SOURCE_LINKADDR, ND_OPT_TARGET_LINKADDR, ND_REDIRECT,
  ND_ROUTER_ADVERT, ND_ROUTER_SOLICIT,
} from '../../decode/icmp6.js';
import { MLD_LISTENER_QUERY, MLD_LISTENER_REDUCTION, MLD_LISTENER_REPORT, MLD_V2_LISTENER_REPORT } from '../../decode/mld.js';
import { L, type Packet } from '../../decode/packet.js';
import type { NameLookup } from './context.js';
import { type ByteText, textOf } from '../byte-text.js';
import { checksumText, EchoHeads, incompleteHeader, writeEchoSummary, writeTypeSummary } from './l4-common.js';
import type { ProtocolRenderer } from './protocol.js';

function available(pkt: Packet): number {
  return Math.max(0, Math.min(pkt.icmp6.off + pkt.icmp6.len, pkt.end) - pkt.icmp6.off);
}

/** `addr, name` as snoop's addrtoname() shows it (the address again when there is no name). */
function v6WithName(pkt: Packet, off: number, names: NameLookup): string {
  const text = ipv6String(pkt.bytes, off);
  return `${text}, ${names.ipv6(text) ?? text}`;
}

/** Destination port of the TCP/UDP header after a quoted fixed IPv6 header, or null. */
function quotedPort(pkt: Packet): { proto: number; port: number } | null {
  const q = pkt.icmp6.quotedOff;
  if (q === 0 || q + 40 + 4 > pkt.icmp6.off + available(pkt)) return null;
  return { proto: pkt.bytes[q + 6], port: u16(pkt.bytes, q + 42) };
}

function unreachText(pkt: Packet): string {
  switch (pkt.icmp6.code) {
    case 0: return 'No route to destination';
    case 1: return 'Communication administratively prohibited';
    case 3: return 'Address unreachable';
    case 4: {
      const q = quotedPort(pkt);
      if (!q) return 'Bad port';
      if (q.proto === 6) return `TCP port ${q.port} unreachable`;
      if (q.proto === 17) return `UDP port ${q.port} unreachable`;
      return 'Port unreachable';
    }
    default: return '';
  }
}

/** The MLD type text; the query version follows the message length as in snoop. */
export function mldTypeText(type: number, len: number): string {
  switch (type) {
    case MLD_LISTENER_QUERY:
      return len === 24 ? 'Group membership query - MLDv1' : len >= 28 ? 'Group membership query - MLDv2' : 'Unknown membership query';
    case MLD_LISTENER_REPORT: return 'Group membership report - MLDv1';
    case MLD_LISTENER_REDUCTION: return 'Group membership termination - MLDv1';
    case MLD_V2_LISTENER_REPORT: return 'Group membership report - MLDv2';
    default: return 'Unknown';
  }
}

function typeAndCode(pkt: Packet): [string, string] {
  const ic = pkt.icmp6;
  switch (ic.type) {
    case ICMP6_DST_UNREACH: return ['Destination unreachable', unreachText(pkt)];
    case ICMP6_PACKET_TOO_BIG: return ['Packet too big', ''];
    case ND_REDIRECT: return ['Redirect', ''];
    case ICMP6_TIME_EXCEEDED:
      return ['Time exceeded', ic.code === 0 ? 'Hop limit exceeded in transit' : ic.code === 1 ? 'Fragment reassembly time exceeded' : ''];
    case ICMP6_PARAM_PROB:
      return ['Parameter problem', ['Erroneous header field', 'Unrecognized next header type', 'Unrecognized IPv6 option'][ic.code] ?? ''];
    case ICMP6_ECHO_REQUEST: return ['Echo request', `ID: ${ic.id} Sequence number: ${ic.seq}`];
    case ICMP6_ECHO_REPLY: return ['Echo reply', `ID: ${ic.id} Sequence number: ${ic.seq}`];
    case MLD_LISTENER_QUERY:
    case MLD_LISTENER_REPORT:
    case MLD_LISTENER_REDUCTION:
    case MLD_V2_LISTENER_REPORT:
      return [mldTypeText(ic.type, ic.len), ''];
    case ND_ROUTER_SOLICIT: return ['Router solicitation', ''];
    case ND_ROUTER_ADVERT: return ['Router advertisement', ''];
    case ND_NEIGHBOR_SOLICIT: return ['Neighbor solicitation', ''];
    case ND_NEIGHBOR_ADVERT: return ['Neighbor advertisement', ''];
    default: return ['Unknown', ''];
  }
}

const ECHO_HEADS = new EchoHeads('ICMPv6');

function writeSummary(pkt: Packet, out: ByteText): void {
  const ic = pkt.icmp6;
  if (available(pkt) < 8) out.text('ICMPv6 (short packet)');
  // Echoes (every probe) skip the pair typeAndCode builds; the text is the same.
  else if (ic.type === ICMP6_ECHO_REQUEST || ic.type === ICMP6_ECHO_REPLY) writeEchoSummary(out, pkt, ECHO_HEADS, ic.type === ICMP6_ECHO_REQUEST, ic.id, ic.seq);
  else writeTypeSummary(out, pkt, 'ICMPv6', typeAndCode(pkt));
}

const setText = (on: boolean): string => (on ? 'SET' : 'NOT SET');
const lifetime = (v: number): string => (v === 0xffffffff ? 'INFINITY' : String(v));

/** A DNSSL domain list (RFC 1035 labels, no compression) between p and stop. */
function dnsNames(b: Uint8Array, p: number, stop: number): string[] {
  const out: string[] = [];
  let name = '';
  while (p < stop) {
    const n = b[p++];
    if (n === 0) {
      if (name) out.push(name);
      name = '';
      continue;
    }
    if (n > 63 || p + n > stop) break;
    let label = '';
    for (let i = 0; i < n; i++) label += String.fromCharCode(b[p + i]);
    name += (name ? '.' : '') + label;
    p += n;
  }
  return out;
}

/** snoop's interpret_options(), over the options the decoder found whole. */
function optionLines(pkt: Packet, out: string[]): void {
  const b = pkt.bytes;
  let p = pkt.icmp6.optOff;
  const stop = p + pkt.icmp6.optLen;
  while (p + 2 <= stop) {
    const type = b[p];
    const len = b[p + 1] * 8;
    if (len === 0 || p + len > stop) return;
    switch (type) {
      case ND_OPT_SOURCE_LINKADDR:
      case ND_OPT_TARGET_LINKADDR:
        out.push(type === ND_OPT_SOURCE_LINKADDR ? '+++ ICMPv6 Source LL Addr option +++' : '+++ ICMPv6 Target LL Addr option +++');
        out.push(`Link Layer address: ${macSnoop(b, p + 2, len - 2)}`, '');
        break;
      case ND_OPT_MTU:
        if (len !== 8) break;
        out.push('+++ ICMPv6 MTU option +++', `MTU = ${u32(b, p + 4)} `, '');
        break;
      case ND_OPT_PREFIX_INFORMATION:
        if (len !== 32) break;
        out.push(
          '+++ ICMPv6 Prefix option +++',
          `Prefix length = ${b[p + 2]} `,
          `Onlink flag: ${setText((b[p + 3] & 0x80) !== 0)}, Autonomous addr conf flag: ${setText((b[p + 3] & 0x40) !== 0)}`,
          `Valid Lifetime ${lifetime(u32(b, p + 4))}, Preferred Lifetime ${lifetime(u32(b, p + 8))}`,
          `Prefix ${ipv6String(b, p + 16)}`,
          '',
        );
        break;
      case ND_OPT_RDNSS:
        out.push('+++ ICMPv6 Recursive DNS Server option +++', `Lifetime ${lifetime(u32(b, p + 4))}`);
        for (let a = p + 8; a + 16 <= p + len; a += 16) out.push(`Nameserver ${ipv6String(b, a)}`);
        out.push('');
        break;
      case ND_OPT_DNSSL:
        out.push('+++ ICMPv6 DNS Search List option +++', `Lifetime ${lifetime(u32(b, p + 4))}`);
        for (const n of dnsNames(b, p + 8, p + len)) out.push(`Name: ${n}`);
        out.push('');
        break;
    }
    p += len;
  }
}

/** The body lines after Type/Code/Checksum, as snoop prints them per type. */
function bodyLines(pkt: Packet, names: NameLookup, out: string[]): void {
  const ic = pkt.icmp6;
  const b = pkt.bytes;
  switch (ic.type) {
    case ICMP6_DST_UNREACH:
      if (ic.quotedOff !== 0 && ic.quotedOff + 40 <= ic.off + available(pkt)) {
        const q = ic.quotedOff;
        out.push('', '[ subject header follows ]', '');
        out.push(`IPv6:  Source address = ${ipv6String(b, q + 8)}, Destination address = ${ipv6String(b, q + 24)}`);
        out.push(`IPv6:  Next Header = ${b[q + 6]}, Payload length = ${u16(b, q + 4)}, Hop Limit = ${b[q + 7]}`);
      }
      break;
    case ICMP6_PACKET_TOO_BIG:
      out.push('', ` Packet too big MTU = ${ic.mtu}`, '');
      break;
    case ICMP6_PARAM_PROB:
      out.push(`Ptr = ${ic.pointer}`, '');
      break;
    case ND_REDIRECT:
      if (ic.targetOff === 0) break;
      out.push(`Target address= ${ipv6String(b, ic.targetOff)}`, `Destination address= ${ipv6String(b, ic.redirectDstOff)}`, '');
      optionLines(pkt, out);
      break;
    case ND_NEIGHBOR_SOLICIT:
      if (ic.targetOff === 0) break;
      out.push(`Target node = ${v6WithName(pkt, ic.targetOff, names)}`, '');
      optionLines(pkt, out);
      break;
    case ND_NEIGHBOR_ADVERT:
      if (ic.targetOff === 0) break;
      out.push(
        `Target node = ${v6WithName(pkt, ic.targetOff, names)}`,
        `Router flag: ${setText((ic.ndFlags & 0x80) !== 0)}, Solicited flag: ${setText((ic.ndFlags & 0x40) !== 0)}, Override flag: ${setText((ic.ndFlags & 0x20) !== 0)}`,
        '',
      );
      optionLines(pkt, out);
      break;
    case ND_ROUTER_SOLICIT:
      optionLines(pkt, out);
      break;
    case ND_ROUTER_ADVERT:
      if (ic.optOff === 0) break;
      out.push(
        `Max hops= ${ic.raHopLimit}, Router lifetime= ${ic.raLifetime}`,
        `Managed addr conf flag: ${setText((ic.ndFlags & 0x80) !== 0)}, Other conf flag: ${setText((ic.ndFlags & 0x40) !== 0)}`,
        `Reachable time: ${ic.raReachable}, Reachable retrans time ${ic.raRetrans}`,
        '',
      );
      optionLines(pkt, out);
      break;
  }
}

export const icmp6Renderer: ProtocolRenderer = {
  layer: L.ICMP6,
  prefix: 'ICMPv6:  ',
  title: 'ICMPv6 Header',
  jsonKey: 'icmp6',

  summary: (pkt, _names, out) => writeSummary(pkt, out),

  layerLine: (pkt) => textOf((out) => writeSummary(pkt, out)),

  detail(pkt, names, out) {
    const ic = pkt.icmp6;
    if (incompleteHeader(available(pkt), 8, out)) return;
    const [pt, pc] = typeAndCode(pkt);
    out.push(`Type = ${ic.type} (${pt})`);
    out.push(pc ? `Code = ${ic.code} (${pc})` : `Code = ${ic.code}`);
    out.push(`Checksum = ${ic.checksum.toString(16)}${checksumText(ic.checksumOk)}`);
    bodyLines(pkt, names, out);
    // The formatter closes the section with a blank line of its own.
    if (out.length && out[out.length - 1] === '') out.pop();
  },

  json(pkt) {
    const ic = pkt.icmp6;
    const o: Record<string, unknown> = { type: ic.type, code: ic.code, id: ic.id, seq: ic.seq, cksumOk: ic.checksumOk };
    if (ic.targetOff !== 0) o.target = ipv6String(pkt.bytes, ic.targetOff);
    return o;
  },
};
