// snoop's text output: the summary line (`show_pktinfo` layout), -V one line per layer, -v detail
// blocks and the -x hex dump. Protocol text comes from the per-layer renderers; this module only
// lays it out, so the TUI and the CLI print exactly the same words.
import type { Annotation } from '../annotate/annotation.js';
import type { LinkDesc } from '../capture/frame.js';
import { ipv4String, ipv6String } from '../decode/addr.js';
import { NumberCache } from '../decode/number-cache.js';
import type { Packet } from '../decode/packet.js';
import { type ByteText, textOf } from './byte-text.js';
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
  return { src: endpoints.src, dst: endpoints.dst, protocol: top ? protocolName(top) : 'RAW', summary: textOf((out) => writeTopSummary(pkt, top, names, out)) };
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
  } else if (endpointsAreIpv4(pkt)) {
    src = ipv4Name(pkt.ip.src, names);
    dst = ipv4Name(pkt.ip.dst, names);
  }
  endpoints.src = src;
  endpoints.dst = dst;
}

/** fillEndpoints names the IPv4 header's two addresses (no IPv6 header overrides them). */
function endpointsAreIpv4(pkt: Packet): boolean {
  return pkt.ip.present && !pkt.ip6.present;
}

/** The protocol column: the renderer's -v prefix without its colon (`ICMPv6:  ` → `ICMPv6`). */
function protocolName(r: ProtocolRenderer): string {
  return r.prefix.slice(0, r.prefix.indexOf(':'));
}

function writeTopSummary(pkt: Packet, top: ProtocolRenderer | undefined, names: NameLookup, out: ByteText): void {
  if (top) {
    top.summary(pkt, names, out);
    return;
  }
  out.text('(unknown link type ');
  out.int(pkt.linkType);
  out.text(', ');
  out.int(pkt.capLen);
  out.text(' bytes)');
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

const SPACE = 0x20;
const NEWLINE = 0x0a;
/** Address column pairs kept encoded per formatter: 2^11 sets of two. */
const COLUMN_CACHE_SET_BITS = 11;
const ARROW = Buffer.from(' -> ');

/** The source column: the name right-aligned in 12 columns, then the arrow. */
function writeSrcColumn(name: string, out: ByteText): void {
  out.padStart(name, 12);
  out.bytes(ARROW, 0, ARROW.length);
}

/** The destination column: the name left-aligned in 12 columns, then a space. */
function writeDstColumn(name: string, out: ByteText): void {
  out.padEnd(name, 12);
  out.byte(SPACE);
}

/** A cached pair of address columns with the two addresses (int32), to tell hash collisions apart. */
interface Ipv4Columns {
  src: number;
  dst: number;
  bytes: Buffer;
}

/** Formats packets one after another; keeps the time base for relative and delta times. */
export class TextFormatter {
  private firstSec = -1;
  private firstNsec = 0;
  private prevSec = -1;
  private prevNsec = 0;
  /**
   * Both IPv4 address columns of a line, by the hash of the address pair: names or dotted quads
   * padded to 12 with the arrow between and the space after, encoded. Most lines carry one of a
   * few pairs, and names never change during a run.
   */
  private readonly ipv4Columns = new NumberCache<Ipv4Columns>(COLUMN_CACHE_SET_BITS);

  constructor(
    private readonly opts: TextOptions,
    private readonly links: readonly LinkDesc[],
  ) {}

  private writeTime(pkt: Packet, out: ByteText): void {
    const { tsSec, tsNsec } = pkt;
    if (this.firstSec < 0) {
      this.firstSec = this.prevSec = tsSec;
      this.firstNsec = this.prevNsec = tsNsec;
    }
    if (this.opts.time === 'absolute') {
      const d = new Date(tsSec * 1000);
      out.intPadded(d.getHours(), 2, true);
      out.byte(0x3a);
      out.intPadded(d.getMinutes(), 2, true);
      out.byte(0x3a);
      out.intPadded(d.getSeconds(), 2, true);
      out.byte(0x2e);
      out.intPadded(Math.floor(tsNsec / 10000), 5, true);
      out.byte(SPACE);
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
      if (negative) {
        const whole = `-${sec}`;
        out.spaces(3 - whole.length);
        out.text(whole);
      } else {
        out.intPadded(sec, 3);
      }
      out.byte(0x2e);
      out.intPadded(Math.floor(nsec / 10000), 5, true);
      out.byte(SPACE);
    }
    this.prevSec = tsSec;
    this.prevNsec = tsNsec;
  }

  /** Packet number and time: what every line (or -v block) of a packet starts with. */
  private writeHead(pkt: Packet, out: ByteText): void {
    if (this.opts.numbers) {
      out.intPadded(pkt.number, 3);
      out.byte(SPACE);
    }
    this.writeTime(pkt, out);
  }

  /** The rest of a -V line's lead: link, VLAN (summary only), addresses, drops and length. */
  private writeLead(pkt: Packet, out: ByteText): void {
    const o = this.opts;
    if (o.showLink) {
      out.recurring(this.links[pkt.linkIndex]?.name ?? '?');
      out.byte(SPACE);
    }
    const vlan = pkt.eth.present && pkt.eth.vlanCount ? pkt.eth.vlanTci[0] & 0x0fff : 0;
    if (o.mode === 'summary' && vlan !== 0) {
      out.text('VLAN#');
      out.int(vlan);
      out.text(': ');
    }
    if (endpointsAreIpv4(pkt)) {
      // The IPv4 addresses fillEndpoints would name, from the column cache (arrow and space included).
      // The addresses go as int32 views: small integers to V8, which a u32 past 2^31 is not, so
      // no heap number is made to pass them (two per line otherwise).
      this.writeIpv4Columns(pkt.ip.src | 0, pkt.ip.dst | 0, out);
    } else {
      fillEndpoints(pkt, o.names);
      writeSrcColumn(endpoints.src, out);
      writeDstColumn(endpoints.dst, out);
    }
    if (o.showDrops) {
      out.text('drops: ');
      out.int(pkt.drops);
      out.byte(SPACE);
    }
    if (o.showLength) {
      out.text('length: ');
      out.intPadded(pkt.wireLen, 4);
      out.text('  ');
    }
  }

  /** The src and dst columns of an IPv4 line (addresses as int32) from the pair cache: one copy. */
  private writeIpv4Columns(src: number, dst: number, out: ByteText): void {
    const key = Math.imul(src ^ Math.imul(dst, 0x85ebca6b), 0x9e3779b1);
    const cached = this.ipv4Columns.get(key);
    const columns = cached !== undefined && cached.src === src && cached.dst === dst ? cached.bytes : this.encodeIpv4Columns(src, dst, key);
    out.bytes(columns, 0, columns.length);
  }

  /**
   * A cache miss of writeIpv4Columns, kept out of it: the closure here captures the two names,
   * and a function that makes a closure allocates a context for them on every call, hit or miss.
   */
  private encodeIpv4Columns(src: number, dst: number, key: number): Buffer {
    const names = this.opts.names;
    const srcName = ipv4Name(src >>> 0, names);
    const dstName = ipv4Name(dst >>> 0, names);
    const bytes = Buffer.from(
      textOf((o) => {
        writeSrcColumn(srcName, o);
        writeDstColumn(dstName, o);
      }),
      'utf8',
    );
    this.ipv4Columns.set(key, { src, dst, bytes });
    return bytes;
  }

  /** The text for one packet, ending in a newline, as a string. */
  format(pkt: Packet, annotations: readonly Annotation[]): string {
    return textOf((out) => this.write(pkt, annotations, out));
  }

  /** Write one packet's text, ending in a newline. */
  write(pkt: Packet, annotations: readonly Annotation[], out: ByteText): void {
    const mode = this.opts.mode;
    if (mode === 'layers') this.layers(pkt, annotations, out);
    else if (mode === 'verbose') this.verbose(pkt, annotations, out);
    else this.summary(pkt, annotations, out);
    this.hex(pkt, out);
  }

  // The three modes are methods of their own: -V and -v make closures over the packet, and a
  // function that makes a closure allocates a context on every call, even where it does not.

  private summary(pkt: Packet, annotations: readonly Annotation[], out: ByteText): void {
    this.writeHead(pkt, out);
    this.writeLead(pkt, out);
    writeTopSummary(pkt, topRenderer(pkt), this.opts.names, out);
    if (pkt.encap > 0) {
      out.text('  (');
      out.int(pkt.encap);
      out.text(' encap)');
    }
    // An index loop: for-of over the frozen NO_ANNOTATIONS, most packets' list, makes V8
    // allocate an iterator and its results on every line.
    for (let i = 0; i < annotations.length; i++) {
      const a = annotations[i];
      out.text(' [');
      if (a.writeSummary) a.writeSummary(out);
      else out.text(a.summary);
      out.byte(0x5d);
    }
    out.byte(NEWLINE);
  }

  private layers(pkt: Packet, annotations: readonly Annotation[], out: ByteText): void {
    const head = textOf((o) => {
      this.writeHead(pkt, o);
      this.writeLead(pkt, o);
    });
    let text = '________________________________\n';
    for (const l of layerLines(pkt, this.opts.names)) text += head + l + '\n';
    // The ilm summary already starts with its own tag; -V names the observer once, like a layer.
    for (const a of annotations) text += head + `${a.source.toUpperCase()}  ${a.summary.replace(/^ilm /, '')}\n`;
    out.text(text);
  }

  private verbose(pkt: Packet, annotations: readonly Annotation[], out: ByteText): void {
    // snoop prints no summary line in -v; a time asked for with -t leads the block.
    const head = textOf((o) => this.writeHead(pkt, o));
    let text = head ? head.trimEnd() + '\n' : '';
    for (const l of verboseLines(pkt, this.opts.names, annotations)) text += l + '\n';
    out.text(text + '\n');
  }

  private hex(pkt: Packet, out: ByteText): void {
    const h = this.opts.hex;
    if (!h) return;
    let off = Math.min(h.offset, pkt.capLen);
    off -= off % 2;
    const len = Math.min(pkt.capLen - off, h.length);
    const start = pkt.start + off;
    out.text('\n' + hexDumpLines(pkt.bytes, start, start + len).join('\n') + (len > 0 ? '\n' : '') + '\n');
  }
}
