// Shared by the link/network layer tests: decode one frame through decodeFrame and take a
// comparable snapshot of everything the link and network decoders and renderers produce.
import { textOf } from '../../src/output/byte-text.js';
import { allocBatch, LinkType, type FrameBatch } from '../../src/capture/frame.js';
import { parseIpv4 } from '../../src/decode/addr.js';
import { decodeFrame } from '../../src/decode/decode.js';
import { L, Packet } from '../../src/decode/packet.js';
import { arpRenderer } from '../../src/output/render/arp.js';
import { NO_NAMES, type NameLookup } from '../../src/output/render/context.js';
import { ethernetRenderer } from '../../src/output/render/ethernet.js';
import { ipv4Renderer } from '../../src/output/render/ipv4.js';
import { ipv6Renderer } from '../../src/output/render/ipv6.js';
import type { ProtocolRenderer } from '../../src/output/render/protocol.js';
import { sllRenderer } from '../../src/output/render/sll.js';

// The tests build frames from hand-written pieces with the frame builders' own join.
export { concatBytes } from '../../src/craft/frames.js';

export const L2L3_RENDERERS: ProtocolRenderer[] = [ethernetRenderer, sllRenderer, arpRenderer, ipv4Renderer, ipv6Renderer];

export interface FrameMeta {
  /** Bytes of the backing buffer before the frame. */
  lead?: number;
  /** Bytes of 0xEE garbage after the captured end. */
  trail?: number;
  wireLen?: number;
  tsSec?: number;
  tsNsec?: number;
  number?: number;
  pktType?: number;
  direction?: number;
}

/** A one-frame batch whose backing buffer may hold garbage around the frame. */
export function batchFor(frame: Uint8Array, meta: FrameMeta = {}): FrameBatch {
  const lead = meta.lead ?? 0;
  const trail = meta.trail ?? 0;
  const batch = allocBatch(1);
  const bytes = new Uint8Array(lead + frame.length + trail).fill(0xee);
  bytes.set(frame, lead);
  batch.bytes = bytes;
  batch.count = 1;
  batch.offset[0] = lead;
  batch.capLen[0] = frame.length;
  batch.wireLen[0] = meta.wireLen ?? frame.length;
  batch.tsSec[0] = meta.tsSec ?? 0;
  batch.tsNsec[0] = meta.tsNsec ?? 0;
  batch.pktType[0] = meta.pktType ?? 255;
  batch.direction[0] = meta.direction ?? 0;
  return batch;
}

export function decode(frame: Uint8Array, linkType: number = LinkType.ETHERNET, meta: FrameMeta = {}): Packet {
  const pkt = new Packet();
  decodeFrame(pkt, batchFor(frame, meta), 0, linkType, meta.number ?? 1);
  return pkt;
}

/** The layer bits this part of the decoder sets (transport bits belong to the upper decoders). */
export function linkAndNetworkLayers(pkt: Packet): number {
  return pkt.layers & (L.ETH | L.SLL | L.ARP | L.IP | L.IP6);
}

export interface Rendered {
  summary: string;
  layers: string[];
  detail: string[];
  json: Record<string, unknown>;
}

/** Everything our renderers say about the packet, for the layers it has. */
export function render(pkt: Packet, names: NameLookup = NO_NAMES): Rendered {
  const present = L2L3_RENDERERS.filter((r) => pkt.has(r.layer));
  const detail: string[] = [];
  const json: Record<string, unknown> = {};
  for (const r of present) {
    detail.push(`${r.prefix}----- ${r.title} -----`);
    r.detail(pkt, names, detail);
    json[r.jsonKey] = r.json(pkt);
  }
  const top = present[present.length - 1];
  return {
    summary: top ? textOf((out) => top.summary(pkt, names, out)) : '',
    layers: present.map((r) => r.layerLine(pkt, names)),
    detail,
    json,
  };
}

/** Present layers' fields with offsets made relative to the frame start, plus notes and render output. */
export function snapshot(pkt: Packet): unknown {
  const rel = (layer: object): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(layer)) {
      if (ArrayBuffer.isView(v)) o[k] = Array.from(v as Uint8Array);
      else if (typeof v === 'number' && /Off$|^off$/.test(k)) o[k] = v - pkt.start;
      else o[k] = v;
    }
    return o;
  };
  const layers: Record<string, unknown> = {};
  for (const key of ['eth', 'sll', 'arp', 'ip', 'ip6'] as const) {
    const layer = pkt[key];
    if (layer.present || layer.short) layers[key] = layer.present ? rel(layer) : { short: true };
  }
  return { layers: pkt.layers, encap: pkt.encap, notes: [...pkt.notes], decoded: layers, rendered: render(pkt) };
}

/** Hex text (spaces and newlines allowed) to bytes. */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}


/** The lines after `heading`, which must be there: a -v section's body and what follows it. */
export function linesAfter(lines: readonly string[], heading: string): string[] {
  const at = lines.indexOf(heading);
  if (at < 0) throw new Error(`no line ${JSON.stringify(heading)} in ${JSON.stringify(lines)}`);
  return lines.slice(at + 1);
}

/** Names for the tests that check `addr, name` output. */
export function namesFrom(v4: Record<string, string>, v6: Record<string, string> = {}): NameLookup {
  const byNum = new Map<number, string>();
  for (const [addr, name] of Object.entries(v4)) byNum.set(parseIpv4(addr) ?? -1, name);
  return { ipv4: (a) => byNum.get(a), ipv6: (t) => v6[t] };
}
