// Shared by the upper-layer tests: build frames with the craft builders, decode them through
// decodeFrame, and collect what every renderer says (summary, -V, -v, JSON) for the layers present.
import { textOf } from '../../src/output/byte-text.js';
import { ether, EtherType, IpProto, ipv4, ipv6, type Ipv4Options, type Ipv6Options } from '../../src/craft/frames.js';
import type { Packet } from '../../src/decode/packet.js';
import { NO_NAMES, type NameLookup } from '../../src/output/render/context.js';
import { icmpRenderer } from '../../src/output/render/icmp.js';
import { icmp6Renderer } from '../../src/output/render/icmp6.js';
import { igmpRenderer } from '../../src/output/render/igmp.js';
import { mldRenderer } from '../../src/output/render/mld.js';
import { probeRenderer } from '../../src/output/render/probe.js';
import type { ProtocolRenderer } from '../../src/output/render/protocol.js';
import { tcpRenderer } from '../../src/output/render/tcp.js';
import { udpRenderer } from '../../src/output/render/udp.js';
import { decode, L2L3_RENDERERS, type FrameMeta } from './l3-harness.js';

export const L4_RENDERERS: ProtocolRenderer[] = [icmpRenderer, icmp6Renderer, mldRenderer, igmpRenderer, udpRenderer, tcpRenderer, probeRenderer];
const ALL = [...L2L3_RENDERERS, ...L4_RENDERERS];

const MAC_A = '02:00:00:00:00:01';
const MAC_B = '02:00:00:00:00:02';

/** An Ethernet + IPv4 frame around `payload` (default addresses 192.0.2.1 -> 192.0.2.2). */
export function v4Frame(proto: number, payload: Uint8Array, o: Partial<Ipv4Options> = {}): Uint8Array {
  return ether({ dst: MAC_B, src: MAC_A, type: EtherType.IPV4 }, ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto, ...o }, payload));
}

/** An Ethernet + IPv6 frame around `payload` (default 2001:db8::1 -> 2001:db8::2). */
export function v6Frame(nxt: number, payload: Uint8Array, o: Partial<Ipv6Options> = {}): Uint8Array {
  return ether({ dst: MAC_B, src: MAC_A, type: EtherType.IPV6 }, ipv6({ src: '2001:db8::1', dst: '2001:db8::2', nxt, ...o }, payload));
}

export const icmpFrame = (msg: Uint8Array, o: Partial<Ipv4Options> = {}): Uint8Array => v4Frame(IpProto.ICMP, msg, o);
export const icmp6Frame = (msg: Uint8Array, o: Partial<Ipv6Options> = {}): Uint8Array => v6Frame(IpProto.ICMPV6, msg, o);
export const igmpFrame = (msg: Uint8Array): Uint8Array => v4Frame(IpProto.IGMP, msg, { dst: '224.0.0.22', ttl: 1, routerAlert: true });
export const mldFrame = (msg: Uint8Array): Uint8Array =>
  v6Frame(IpProto.ICMPV6, msg, { src: 'fe80::1', dst: 'ff02::16', hopLimit: 1, routerAlert: 'padn' });

export interface L4Rendered {
  summary: string;
  layers: string[];
  /** -v lines of the upper layers only, each with its renderer's prefix. */
  detail: string[];
  json: Record<string, unknown>;
}

/** What the upper-layer renderers produce; the summary is the top present renderer's, as snoop. */
export function renderL4(pkt: Packet, names: NameLookup = NO_NAMES): L4Rendered {
  const present = ALL.filter((r) => pkt.has(r.layer));
  const detail: string[] = [];
  const json: Record<string, unknown> = {};
  const layers: string[] = [];
  for (const r of present) {
    layers.push(r.layerLine(pkt, names));
    json[r.jsonKey] = r.json(pkt);
    if (!L4_RENDERERS.includes(r)) continue;
    const lines: string[] = [];
    r.detail(pkt, names, lines);
    for (const l of lines) detail.push(r.prefix + l);
  }
  const top = present[present.length - 1];
  return { summary: top ? textOf((out) => top.summary(pkt, names, out)) : '', layers, detail, json };
}

export function decodeL4(frame: Uint8Array, meta: FrameMeta = {}): Packet {
  return decode(frame, undefined, meta);
}

/** Flip one byte so a checksum no longer matches. */
export function corrupt(frame: Uint8Array, at: number): Uint8Array {
  const copy = Uint8Array.from(frame);
  copy[at] ^= 0xff;
  return copy;
}

/** Bytes from 16-bit words, for hand-built message bodies. */
export function words(...w: number[]): Uint8Array {
  const b = new Uint8Array(w.length * 2);
  w.forEach((v, i) => {
    b[2 * i] = v >> 8;
    b[2 * i + 1] = v & 255;
  });
  return b;
}
