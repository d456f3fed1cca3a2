// snoop's interpret_icmp(): ICMP summary, -V line, -v header block and JSON. Beyond snoop, the
// checksum is verified (`Checksum = 3b2e (correct)`), and an in.mpathd probe adds a tail to the
// echo summary: ` [mpathd <UNI|MULTI|RTT> <ms32|ns64>]`, e.g.
// `ICMP Echo request (ID: 53762 Sequence number: 17) [mpathd UNI ms32]`.
import { ipv4String, u16, u32 } from '../../decode/addr.js';
import {
  ICMP_ECHO, ICMP_ECHOREPLY, ICMP_IREQ, ICMP_IREQREPLY, ICMP_MASKREPLY, ICMP_MASKREQ, ICMP_PARAMPROB,
  ICMP_REDIRECT, ICMP_ROUTERADVERT, ICMP_ROUTERSOLICIT, ICMP_SOURCEQUENCH, ICMP_TIMXCEED, ICMP_TSTAMP,
  ICMP_TSTAMPREPLY, ICMP_UNREACH,
} from '../../decode/icmp.js';
import { L, type Packet } from '../../decode/packet.js';
import type { NameLookup } from './context.js';
import { type ByteText, textOf } from '../byte-text.js';
import { checksumText, EchoHeads, incompleteHeader, writeEchoSummary, writeTypeSummary } from './l4-common.js';
import type { ProtocolRenderer } from './protocol.js';

/** Captured bytes of the ICMP message (never beyond what IP claims). */
function available(pkt: Packet): number {
  return Math.max(0, Math.min(pkt.icmp.off + pkt.icmp.len, pkt.end) - pkt.icmp.off);
}

function v4Name(addr: number, names: NameLookup): string {
  return names.ipv4(addr) ?? ipv4String(addr);
}

/** The quoted datagram's IPv4 header, when its fixed 20 bytes are readable. */
function quotedIp(pkt: Packet): { dst: number; src: number; proto: number; hl: number } | null {
  const q = pkt.icmp.quotedOff;
  const stop = pkt.icmp.off + available(pkt);
  if (q === 0 || q + 20 > stop || pkt.bytes[q] >> 4 !== 4) return null;
  return { src: u32(pkt.bytes, q + 12), dst: u32(pkt.bytes, q + 16), proto: pkt.bytes[q + 9], hl: (pkt.bytes[q] & 15) * 4 };
}

/** Destination port of the quoted TCP/UDP header, or -1 when it was not captured. */
function quotedDstPort(pkt: Packet, hl: number): number {
  const p = pkt.icmp.quotedOff + hl;
  return p + 4 <= pkt.icmp.off + available(pkt) ? u16(pkt.bytes, p + 2) : -1;
}

function unreachText(pkt: Packet, names: NameLookup): string {
  const ic = pkt.icmp;
  const q = quotedIp(pkt);
  switch (ic.code) {
    case 0: return q ? `Net ${v4Name(q.dst, names)} unreachable` : 'Bad net';
    case 1: return q ? `Host ${v4Name(q.dst, names)} unreachable` : 'Bad host';
    case 2: return q ? `Bad protocol ${q.proto}` : 'Bad protocol';
    case 3: {
      const port = q ? quotedDstPort(pkt, q.hl) : -1;
      if (!q || port < 0) return 'Bad port';
      if (q.proto === 6) return `TCP port ${port} unreachable`;
      if (q.proto === 17) return `UDP port ${port} unreachable`;
      return 'Port unreachable';
    }
    case 4: return ic.mtu !== 0 ? `Needed to fragment: next hop MTU = ${ic.mtu}` : 'Needed to fragment';
    case 5: return 'Source route failed';
    case 6: return 'Unknown network';
    case 7: return 'Unknown host';
    case 8: return 'Source host isolated';
    case 9: return 'Net administratively prohibited';
    case 10: return 'Host administratively prohibited';
    case 11: return 'Net unreachable for this TOS';
    case 12: return 'Host unreachable for this TOS';
    case 13: return 'Communication administratively prohibited';
    case 14: return 'Host precedence violation';
    case 15: return 'Precedence cutoff in effect';
    default: return '';
  }
}

const REDIRECT_CODES = ['for network', 'for host', 'for tos and net', 'for tos and host'];

/** Router advertisement: `Lifetime 1800s [1]: {gw 0}` with the entries that were captured. */
function routerAdvText(pkt: Packet, names: NameLookup): string {
  const b = pkt.bytes;
  const off = pkt.icmp.off;
  const count = b[off + 4];
  let s = `Lifetime ${u16(b, off + 6)}s [${count}]:`;
  if (b[off + 5] !== 2) return s;
  const n = Math.min(count, Math.floor((available(pkt) - 8) / 8));
  for (let i = 0, p = off + 8; i < n; i++, p += 8) s += ` {${v4Name(u32(b, p), names)} ${u32(b, p + 4)}}`;
  return s;
}

/** snoop's (pt, pc) pair: the type text and the code text (empty when snoop prints none). */
function typeAndCode(pkt: Packet, names: NameLookup): [string, string] {
  const ic = pkt.icmp;
  switch (ic.type) {
    case ICMP_ECHOREPLY: return ['Echo reply', `ID: ${ic.id} Sequence number: ${ic.seq}`];
    case ICMP_ECHO: return ['Echo request', `ID: ${ic.id} Sequence number: ${ic.seq}`];
    case ICMP_UNREACH: return ['Destination unreachable', unreachText(pkt, names)];
    case ICMP_SOURCEQUENCH: return ['Packet lost, slow down', ''];
    case ICMP_REDIRECT: {
      const q = quotedIp(pkt);
      const what = REDIRECT_CODES[ic.code] ?? '';
      return ['Redirect', `${what} ${q ? v4Name(q.dst, names) : '?'} to ${v4Name(ic.gateway, names)}`];
    }
    case ICMP_ROUTERADVERT: return ['Router advertisement', routerAdvText(pkt, names)];
    case ICMP_ROUTERSOLICIT: return ['Router solicitation', ''];
    case ICMP_TIMXCEED: return ['Time exceeded', ic.code === 0 ? 'in transit' : ic.code === 1 ? 'in reassembly' : ''];
    case ICMP_PARAMPROB:
      return ['IP parameter problem', ic.code === 1 ? 'Required option missing' : ic.code === 2 ? 'Bad length' : ic.code === 0 ? `Problem at octet ${ic.pointer}` : ''];
    case ICMP_TSTAMP: return ['Timestamp request', ''];
    case ICMP_TSTAMPREPLY: return ['Timestamp reply', ''];
    case ICMP_IREQ: return ['Information request', ''];
    case ICMP_IREQREPLY: return ['Information reply', ''];
    case ICMP_MASKREQ: return ['Address mask request', ''];
    case ICMP_MASKREPLY:
      return ['Address mask reply', available(pkt) >= 12 ? `Mask = 0x${u32(pkt.bytes, ic.off + 8).toString(16)}` : ''];
    default: return ['Unknown', ''];
  }
}

const ECHO_HEADS = new EchoHeads('ICMP');

function writeSummary(pkt: Packet, names: NameLookup, out: ByteText): void {
  const ic = pkt.icmp;
  if (available(pkt) < 8) out.text('ICMP (short packet)');
  // Echoes (every probe) skip the pair typeAndCode builds; the text is the same.
  else if (ic.type === ICMP_ECHO || ic.type === ICMP_ECHOREPLY) writeEchoSummary(out, pkt, ECHO_HEADS, ic.type === ICMP_ECHO, ic.id, ic.seq);
  else writeTypeSummary(out, pkt, 'ICMP', typeAndCode(pkt, names));
}

/** The quoted datagram in brief: snoop decodes it with a nested `ICMP:IP:` prefix. */
function quotedLines(pkt: Packet, names: NameLookup, out: string[]): void {
  const q = quotedIp(pkt);
  if (!q) return;
  out.push('', '[ subject header follows ]', '');
  const b = pkt.bytes;
  const qo = pkt.icmp.quotedOff;
  out.push(`IP:   Source address = ${v4Name(q.src, names)}, Destination address = ${v4Name(q.dst, names)}`);
  out.push(`IP:   Protocol = ${q.proto}, Total length = ${u16(b, qo + 2)} bytes, TTL = ${b[qo + 8]}`);
  const p = qo + q.hl;
  if ((q.proto === 6 || q.proto === 17) && p + 4 <= pkt.icmp.off + available(pkt)) {
    out.push(`${q.proto === 6 ? 'TCP' : 'UDP'}:  Source port = ${u16(b, p)}, Destination port = ${u16(b, p + 2)}`);
  }
}

export const icmpRenderer: ProtocolRenderer = {
  layer: L.ICMP,
  prefix: 'ICMP:  ',
  title: 'ICMP Header',
  jsonKey: 'icmp',

  summary: writeSummary,

  layerLine: (pkt, names) => textOf((out) => writeSummary(pkt, names, out)),

  detail(pkt, names, out) {
    const ic = pkt.icmp;
    if (incompleteHeader(available(pkt), 8, out)) return;
    const [pt, pc] = typeAndCode(pkt, names);
    out.push(`Type = ${ic.type} (${pt})`);
    out.push(pc ? `Code = ${ic.code} (${pc})` : `Code = ${ic.code}`);
    out.push(`Checksum = ${ic.checksum.toString(16)}${checksumText(ic.checksumOk)}`);
    if (ic.type === ICMP_UNREACH || ic.type === ICMP_REDIRECT || ic.type === ICMP_PARAMPROB) {
      quotedLines(pkt, names, out);
    }
  },

  json(pkt) {
    const ic = pkt.icmp;
    return { type: ic.type, code: ic.code, id: ic.id, seq: ic.seq, cksumOk: ic.checksumOk };
  },
};
