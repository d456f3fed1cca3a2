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
  fillEndpoints(pkt, names);
  const top = topRenderer(pkt);
  return { src: endpoints.src, dst: endpoints.dst, protocol: top ? protocolName(top) : 'RAW', summary: topSummary(pkt, top, names) };
}

/** Reused result of fillEndpoints: the summary path allocates no object per packet. */
const endpoints = { src: '?', dst: '*' };

function fillEndpoints(pkt: Packet, names: NameLookup): void {
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
  endpoints.src = src;
  endpoints.dst = dst;
}

/** The protocol column: the renderer's -v prefix without its colon (`ICMPv6:  ` → `ICMPv6`). */
function protocolName(r: ProtocolRenderer): string {
  return r.prefix.slice(0, r.prefix.indexOf(':'));
}

function topSummary(pkt: Packet, top: ProtocolRenderer | undefined, names: NameLookup): string {
  return top ? top.summary(pkt, names) : `(unknown link type ${pkt.linkType}, ${pkt.capLen} bytes)`;
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

const SPACES = Array.from({ length: 13 }, (_, i) => ' '.repeat(i));

function padStart12(text: string): string {
  return text.length >= 12 ? text : SPACES[12 - text.length] + text;
}

function padEnd12(text: string): string {
  return text.length >= 12 ? text : text + SPACES[12 - text.length];
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
      const relative = this.opts.time === 'relative';
      let sec = tsSec - (relative ? this.firstSec : this.prevSec);
      let nsec = tsNsec - (relative ? this.firstNsec : this.prevNsec);
      // Links merged from separate rings can step back in time a little; show that as a
      // negative interval rather than a borrowed -1.99998.
      const negative = sec < 0 || (sec === 0 && nsec < 0);
      if (negative) {
        sec = -sec;
        nsec = -nsec;
      }
      if (nsec < 0) {
        nsec += 1e9;
        sec -= 1;
      }
      text = this.intervalText(negative ? -sec : sec, Math.floor(nsec / 10000), negative);
    }
    this.prevSec = tsSec;
    this.prevNsec = tsNsec;
    return text;
  }

  // Steady traffic repeats the same delta; keep the last one rather than format it again.
  private lastSec = -1;
  private lastFrac = -1;
  private lastNegative = false;
  private lastInterval = '';

  private intervalText(sec: number, frac: number, negative: boolean): string {
    if (sec !== this.lastSec || frac !== this.lastFrac || negative !== this.lastNegative) {
      this.lastSec = sec;
      this.lastFrac = frac;
      this.lastNegative = negative;
      const whole = negative ? `-${-sec}` : String(sec);
      this.lastInterval = `${whole.padStart(3)}.${String(frac).padStart(5, '0')} `;
    }
    return this.lastInterval;
  }

  /** The text for one packet, ending in a newline. */
  format(pkt: Packet, annotations: readonly Annotation[]): string {
    const o = this.opts;
    let head = o.numbers ? String(pkt.number).padStart(3) + ' ' : '';
    head += this.timeText(pkt);
    if (o.mode === 'verbose') return this.verbose(pkt, annotations, head);
    if (o.showLink) head += (this.links[pkt.linkIndex]?.name ?? '?') + ' ';
    fillEndpoints(pkt, o.names);
    const vlan = pkt.eth.present && pkt.eth.vlanCount ? pkt.eth.vlanTci[0] & 0x0fff : 0;
    if (o.mode === 'summary' && vlan !== 0) head += `VLAN#${vlan}: `;
    head += padStart12(endpoints.src) + ' -> ' + padEnd12(endpoints.dst) + ' ';
    if (o.showDrops) head += `drops: ${pkt.drops} `;
    if (o.showLength) head += `length: ${String(pkt.wireLen).padStart(4)}  `;
    let text: string;
    if (o.mode === 'layers') {
      text = '________________________________\n';
      for (const l of layerLines(pkt, o.names)) text += head + l + '\n';
      // The ilm summary already starts with its own tag; -V names the observer once, like a layer.
      for (const a of annotations) text += head + `${a.source.toUpperCase()}  ${a.summary.replace(/^ilm /, '')}\n`;
    } else {
      text = head + topSummary(pkt, topRenderer(pkt), o.names);
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
