// snoop's text output: the summary line (`show_pktinfo` layout), -V one line per layer, -v detail
// blocks and the -x hex dump. Protocol text comes from the per-layer renderers; this module only
// lays it out, so the TUI and the CLI print exactly the same words.
import type { Annotation } from '../annotate/annotation.js';
import type { LinkDesc } from '../capture/frame.js';
import { ipv4String, ipv6String } from '../decode/addr.js';
import type { Packet } from '../decode/packet.js';
import type { NameLookup } from './render/context.js';
import { linkDestinationName } from './render/ethernet.js';
import { RENDERERS } from './render/index.js';
import type { ProtocolRenderer } from './render/protocol.js';

export type TimeFormat = 'none' | 'relative' | 'absolute' | 'delta';

export interface LineParts {
  src: string;
  dst: string;
  protocol: string;
  summary: string;
}

/** The renderers whose layers this packet has, bottom to top. */
function presentRenderers(pkt: Packet): ProtocolRenderer[] {
  const out: ProtocolRenderer[] = [];
  for (const r of RENDERERS) if (pkt.layers & r.layer) out.push(r);
  return out;
}

function topRenderer(pkt: Packet): ProtocolRenderer | undefined {
  for (let i = RENDERERS.length - 1; i >= 0; i--) if (pkt.layers & RENDERERS[i].layer) return RENDERERS[i];
  return undefined;
}

function ipv4Name(addr: number, names: NameLookup): string {
  return names.ipv4(addr) ?? ipv4String(addr);
}

function ipv6Name(pkt: Packet, off: number, names: NameLookup): string {
  const text = ipv6String(pkt.bytes, off);
  return names.ipv6(text) ?? text;
}

/**
 * Source and destination as snoop shows them: `?` and `*` until a layer knows better; Ethernet
 * marks broadcast/multicast destinations, ARP names the sender (and the target of a reply), and
 * IP names both ends. The innermost IP header wins, as in snoop where each decoder overwrites.
 */
export function lineParts(pkt: Packet, names: NameLookup): LineParts {
  let src = '?';
  let dst = linkDestinationName(pkt) ?? '*';
  if (pkt.arp.present && pkt.arp.ipv4) {
    src = ipv4Name(pkt.arp.spa, names);
    if (pkt.arp.op === 2 || pkt.arp.op === 4) dst = ipv4Name(pkt.arp.tpa, names);
  }
  if (pkt.ip6.present) {
    src = ipv6Name(pkt, pkt.ip6.srcOff, names);
    dst = ipv6Name(pkt, pkt.ip6.dstOff, names);
  } else if (pkt.ip.present) {
    src = ipv4Name(pkt.ip.src, names);
    dst = ipv4Name(pkt.ip.dst, names);
  }
  const top = topRenderer(pkt);
  return {
    src,
    dst,
    protocol: top ? top.prefix.replace(/:\s*$/, '') : 'RAW',
    summary: top ? top.summary(pkt, names) : `(unknown link type ${pkt.linkType}, ${pkt.capLen} bytes)`,
  };
}

/** The -V lines, one per layer. */
export function layerLines(pkt: Packet, names: NameLookup): string[] {
  return presentRenderers(pkt).map((r) => r.layerLine(pkt, names));
}

const ANNOTATION_TITLES = { ipmp: ['IPMP:  ', 'IPMP Probe'], ilm: ['ILM:   ', 'Multicast Membership'] } as const;

/** The full -v block: every layer's section, then the annotations, then problems found. */
export function verboseLines(pkt: Packet, names: NameLookup, annotations: readonly Annotation[]): string[] {
  const out: string[] = [];
  const scratch: string[] = [];
  const section = (prefix: string, title: string, lines: readonly string[]): void => {
    out.push(`${prefix}----- ${title} -----`, prefix);
    for (const l of lines) out.push(prefix + l);
    out.push(prefix);
  };
  for (const r of presentRenderers(pkt)) {
    scratch.length = 0;
    r.detail(pkt, names, scratch);
    section(r.prefix, r.title, scratch);
  }
  for (const a of annotations) {
    const [prefix, title] = ANNOTATION_TITLES[a.source];
    section(prefix, title, a.detail);
  }
  if (pkt.notes.length) section('NOTE:  ', 'Problems', pkt.notes);
  return out;
}

const PRINTABLE = Array.from({ length: 256 }, (_, i) => (i >= 0x20 && i < 0x7f ? String.fromCharCode(i) : '.'));

/**
 * snoop's hexdump(): a decimal offset, sixteen bytes as big-endian 16-bit words, then ASCII.
 * Offsets count from `start`.
 */
export function hexDumpLines(bytes: Uint8Array, start: number, end: number): string[] {
  const out: string[] = [];
  for (let p = start; p < end; p += 16) {
    const len = Math.min(16, end - p);
    let line = `\t${String(p - start).padStart(4)}: `;
    let i = 0;
    for (; i + 1 < len; i += 2) line += ((bytes[p + i] << 8) | bytes[p + i + 1]).toString(16).padStart(4, '0') + ' ';
    if (len % 2) line += bytes[p + i].toString(16).padStart(2, '0') + '   ';
    line += '     '.repeat(Math.floor((16 - len) / 2)) + '   ';
    for (let j = 0; j < len; j++) line += PRINTABLE[bytes[p + j]];
    out.push(line);
  }
  return out;
}

export interface TextOptions {
  mode: 'summary' | 'layers' | 'verbose';
  time: TimeFormat;
  /** Packet numbers (snoop shows them when reading a file). */
  numbers: boolean;
  /** -S: original length. */
  showLength: boolean;
  /** -D: cumulative drops. */
  showDrops: boolean;
  /** -x offset[,length]. */
  hex?: { offset: number; length: number };
  /** Show the link name before the addresses (several links). */
  showLink: boolean;
  names: NameLookup;
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** Formats packets one after another; keeps the time base for relative and delta times. */
export class TextFormatter {
  private firstSec = -1;
  private firstNsec = 0;
  private prevSec = -1;
  private prevNsec = 0;

  constructor(
    private readonly opts: TextOptions,
    private readonly links: readonly LinkDesc[],
  ) {}

  private timeText(pkt: Packet): string {
    const { tsSec, tsNsec } = pkt;
    if (this.firstSec < 0) {
      this.firstSec = this.prevSec = tsSec;
      this.firstNsec = this.prevNsec = tsNsec;
    }
    let text = '';
    if (this.opts.time === 'absolute') {
      const d = new Date(tsSec * 1000);
      text = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.${String(Math.floor(tsNsec / 10000)).padStart(5, '0')} `;
    } else if (this.opts.time !== 'none') {
      const baseSec = this.opts.time === 'relative' ? this.firstSec : this.prevSec;
      const baseNsec = this.opts.time === 'relative' ? this.firstNsec : this.prevNsec;
      let sec = tsSec - baseSec;
      let nsec = tsNsec - baseNsec;
      if (nsec < 0) {
        nsec += 1e9;
        sec -= 1;
      }
      text = `${String(sec).padStart(3)}.${String(Math.floor(nsec / 10000)).padStart(5, '0')} `;
    }
    this.prevSec = tsSec;
    this.prevNsec = tsNsec;
    return text;
  }

  /** The text for one packet, ending in a newline. */
  format(pkt: Packet, annotations: readonly Annotation[]): string {
    const o = this.opts;
    let head = o.numbers ? String(pkt.number).padStart(3) + ' ' : '';
    head += this.timeText(pkt);
    if (o.mode === 'verbose') return this.verbose(pkt, annotations, head);
    if (o.showLink) head += (this.links[pkt.linkIndex]?.name ?? '?') + ' ';
    const parts = lineParts(pkt, o.names);
    const vlan = pkt.eth.present && pkt.eth.vlanCount ? pkt.eth.vlanTci[0] & 0x0fff : 0;
    if (o.mode === 'summary' && vlan !== 0) head += `VLAN#${vlan}: `;
    head += `${parts.src.padStart(12)} -> ${parts.dst.padEnd(12)} `;
    if (o.showDrops) head += `drops: ${pkt.drops} `;
    if (o.showLength) head += `length: ${String(pkt.wireLen).padStart(4)}  `;
    let text: string;
    if (o.mode === 'layers') {
      text = '________________________________\n';
      for (const l of layerLines(pkt, o.names)) text += head + l + '\n';
      // The ilm summary already starts with its own tag; -V names the observer once, like a layer.
      for (const a of annotations) text += head + `${a.source.toUpperCase()}  ${a.summary.replace(/^ilm /, '')}\n`;
    } else {
      text = head + parts.summary;
      if (pkt.encap > 0) text += `  (${pkt.encap} encap)`;
      for (const a of annotations) text += ` [${a.summary}]`;
      text += '\n';
    }
    return text + this.hex(pkt);
  }

  private verbose(pkt: Packet, annotations: readonly Annotation[], head: string): string {
    // snoop prints no summary line in -v; a time asked for with -t leads the block.
    let text = head ? head.trimEnd() + '\n' : '';
    for (const l of verboseLines(pkt, this.opts.names, annotations)) text += l + '\n';
    return text + '\n' + this.hex(pkt);
  }

  private hex(pkt: Packet): string {
    const h = this.opts.hex;
    if (!h) return '';
    let off = Math.min(h.offset, pkt.capLen);
    off -= off % 2;
    const len = Math.min(pkt.capLen - off, h.length);
    const start = pkt.start + off;
    return '\n' + hexDumpLines(pkt.bytes, start, start + len).join('\n') + (len > 0 ? '\n' : '') + '\n';
  }
}
