// Which bytes a detail line talks about: each -v line belongs to a layer (by its prefix), and each
// layer to a byte range of the frame, which the hex pane highlights. Field-level ranges would need
// the renderers to report them; the layer is what the decoded Packet tells us exactly.
import { L, type Packet } from '../decode/packet.js';
import { RENDERERS } from '../output/render/index.js';

/** Layer bit of a verbose line, from its prefix; annotation sections point at what they describe. */
export function layerOfLine(line: string): number {
  if (line.startsWith('IPMP:')) return L.PROBE;
  if (line.startsWith('ILM:')) return L.IGMP | L.MLD;
  let best = 0;
  let bestLen = 0;
  for (const r of RENDERERS) {
    const word = r.prefix.trimEnd();
    if (line.startsWith(word) && word.length > bestLen) {
      best = r.layer;
      bestLen = word.length;
    }
  }
  return best;
}

/** Byte range [start, end) of layer `layer` (L.* bits, the first present wins), absolute in pkt.bytes. */
export function layerRange(pkt: Packet, layer: number): [number, number] | null {
  const clip = (a: number, b: number): [number, number] | null => {
    const s = Math.max(pkt.start, a);
    const e = Math.min(pkt.end, b);
    return e > s ? [s, e] : null;
  };
  const has = (bit: number) => (layer & bit) !== 0 && (pkt.layers & bit) !== 0;
  if (has(L.PROBE)) {
    const icmp = pkt.layers & L.ICMP6 ? pkt.icmp6 : pkt.icmp;
    return clip(icmp.dataOff, icmp.dataOff + pkt.probe.size);
  }
  if (has(L.IGMP)) return clip(pkt.igmp.off, pkt.igmp.off + pkt.igmp.len);
  if (has(L.MLD)) return clip(pkt.mld.off, pkt.mld.off + pkt.mld.len);
  if (has(L.ETH)) return clip(pkt.eth.dstOff, pkt.eth.payloadOff);
  if (has(L.SLL)) return clip(pkt.start, pkt.sll.payloadOff);
  if (has(L.ARP)) return clip(pkt.arp.off, pkt.arp.tpaOff + pkt.arp.plen);
  if (has(L.IP)) return clip(pkt.ip.off, pkt.ip.off + pkt.ip.headerLen);
  if (has(L.IP6)) return clip(pkt.ip6.off, pkt.ip6.payloadOff);
  if (has(L.ICMP)) return clip(pkt.icmp.off, pkt.icmp.off + pkt.icmp.len);
  if (has(L.ICMP6)) return clip(pkt.icmp6.off, pkt.icmp6.off + pkt.icmp6.len);
  if (has(L.UDP)) return clip(pkt.udp.off, pkt.udp.off + 8);
  if (has(L.TCP)) return clip(pkt.tcp.off, pkt.tcp.off + pkt.tcp.headerLen);
  return null;
}

/** Columns of hexDumpLines' layout (offset field, then 8 four-digit words, then ASCII). */
const HEX_START = 6;
const ASCII_START = HEX_START + 8 * 5 + 3;

/**
 * For hex line `line` (16 bytes each, from frame offset 0), the character columns to highlight
 * for frame-relative byte range [from, to): pairs of [column, length].
 */
export function hexHighlight(line: number, from: number, to: number): [number, number][] {
  const out: [number, number][] = [];
  const first = Math.max(from, line * 16);
  const last = Math.min(to, line * 16 + 16);
  for (let b = first; b < last; b++) {
    const j = b - line * 16;
    // Two digits per byte; the space between a word's bytes is not there, between words it is.
    const col = HEX_START + (j >> 1) * 5 + (j & 1) * 2;
    const len = j & 1 && b + 1 < last ? 3 : 2;
    out.push([col, len], [ASCII_START + j, 1]);
  }
  return out;
}
