// Address formatting and the Internet checksum: the helpers every decoder, renderer, filter and
// annotator shares. Callers have already bounds-checked the bytes they pass.

import { NumberCache } from './number-cache.js';

const HEX2: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const HEX1: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16));

export function u16(b: Uint8Array, off: number): number {
  return (b[off] << 8) | b[off + 1];
}

/** Four bytes, big-endian, as an int32: the view of an IPv4 address that V8 passes without boxing. */
export function i32(b: Uint8Array, off: number): number {
  return (b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3];
}

export function u32(b: Uint8Array, off: number): number {
  return i32(b, off) >>> 0;
}

// Printing and annotating format the same few addresses over and over; a cache lookup is
// several times cheaper than building the text again. The caches have a fixed size, so a scan
// across a whole address space cannot hold memory.
const TEXT_CACHE_SET_BITS = 11;
const ipv4Texts = new NumberCache<string>(TEXT_CACHE_SET_BITS);
/** A cached MAC text with the two bytes its key leaves out. */
interface MacText {
  high: number;
  text: string;
}
const macTexts = new NumberCache<MacText>(TEXT_CACHE_SET_BITS);

/**
 * IPv4 address as a dotted quad, from the address held as an unsigned 32-bit number or as its
 * int32 view (`addr | 0`). Hot callers pass the int32 view: V8 keeps it a small integer, where a
 * u32 past 2^31 (any address from 128.0.0.0 up) needs a heap number made to pass it.
 */
export function ipv4String(a: number): string {
  const key = a | 0;
  let text = ipv4Texts.get(key);
  if (text === undefined) {
    text = `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
    ipv4Texts.set(key, text);
  }
  return text;
}

/** Parse a dotted quad; returns null when it is not one. */
export function parseIpv4(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return v >>> 0;
}

/** MAC in the stable lowercase two-digit colon form (JSON, pcapng comments). */
export function macString(b: Uint8Array, off: number, len = 6): string {
  if (len !== 6) return hexColons(b, off, len);
  // Keyed by the low four bytes; the entry holds the first two, to tell MACs that share the rest apart.
  const low = i32(b, off + 2);
  const high = (b[off] << 8) | b[off + 1];
  const cached = macTexts.get(low);
  if (cached !== undefined && cached.high === high) return cached.text;
  const text = hexColons(b, off, 6);
  macTexts.set(low, { high, text });
  return text;
}

function hexColons(b: Uint8Array, off: number, len: number): string {
  let s = HEX2[b[off]];
  for (let i = 1; i < len; i++) s += ':' + HEX2[b[off + i]];
  return s;
}

/** MAC the way snoop prints it: `%x:` with no zero padding (8:0:20:1:2:3). */
export function macSnoop(b: Uint8Array, off: number, len = 6): string {
  let s = HEX1[b[off]];
  for (let i = 1; i < len; i++) s += ':' + HEX1[b[off + i]];
  return s;
}

/** A cached IPv6 text with the address it spells, to tell hash collisions apart. */
interface Ipv6Text {
  bytes: Uint8Array;
  text: string;
}
const ipv6Texts = new NumberCache<Ipv6Text>(TEXT_CACHE_SET_BITS);

function sameAddress16(a: Uint8Array, b: Uint8Array, off: number): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== b[off + i]) return false;
  return true;
}

/** IPv6 address in RFC 5952 form: lowercase, longest run (>= 2) of zero groups as ::, v4-mapped dotted. */
export function ipv6String(b: Uint8Array, off: number): string {
  let hash = 0;
  for (let i = 0; i < 16; i += 4) hash = Math.imul(hash ^ ((b[off + i] << 24) | (b[off + i + 1] << 16) | (b[off + i + 2] << 8) | b[off + i + 3]), 0x9e3779b1);
  const cached = ipv6Texts.get(hash);
  if (cached !== undefined && sameAddress16(cached.bytes, b, off)) return cached.text;
  const text = formatIpv6(b, off);
  // A copy: Buffer's slice() would be a view of the capture buffer, which the reader rewrites.
  const bytes = new Uint8Array(16);
  bytes.set(b.subarray(off, off + 16));
  ipv6Texts.set(hash, { bytes, text });
  return text;
}

function formatIpv6(b: Uint8Array, off: number): string {
  const g = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 8; i++) g[i] = (b[off + 2 * i] << 8) | b[off + 2 * i + 1];
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestStart = -1;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += i === 0 ? '::' : ':';
      i += bestLen - 1;
      continue;
    }
    s += g[i].toString(16);
    if (i < 7) s += ':';
  }
  return s;
}

/** Parse an IPv6 address (with optional embedded dotted quad) into 16 bytes; null if invalid. */
export function parseIpv6(text: string): Uint8Array | null {
  let s = text;
  const out = new Uint8Array(16);
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.')) {
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (v4 === null || lastColon < 0) return null;
    tail = [(v4 >>> 16) & 0xffff, v4 & 0xffff];
    // Keep a trailing '::' (it means zeros before the quad); drop a lone separator colon.
    s = s.endsWith('::', lastColon + 1) ? s.slice(0, lastColon + 1) : s.slice(0, lastColon);
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const h of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(h)) return null;
      out.push(parseInt(h, 16));
    }
    return out;
  };
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  if (!head || !rest) return null;
  const groups = halves.length === 2 ? [...rest, ...tail] : [...head, ...tail];
  if (halves.length === 2) {
    const fill = 8 - head.length - groups.length;
    if (fill < 1) return null;
    const all = [...head, ...new Array(fill).fill(0), ...groups];
    all.forEach((v, i) => { out[2 * i] = v >> 8; out[2 * i + 1] = v & 255; });
    return out;
  }
  if (groups.length !== 8) return null;
  groups.forEach((v, i) => { out[2 * i] = v >> 8; out[2 * i + 1] = v & 255; });
  return out;
}

/** Ones-complement sum of bytes [off, off+len), folded to 16 bits but not inverted. */
export function onesSum(b: Uint8Array, off: number, len: number, initial = 0): number {
  let sum = initial;
  const end = off + len - 1;
  let i = off;
  for (; i < end; i += 2) sum += (b[i] << 8) | b[i + 1];
  if (i === end) sum += b[i] << 8;
  // The sum of a frame past 128 KiB exceeds 32 bits, which shifts would cut: fold it by division first.
  if (sum > 0xffffffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** Pseudo-header sum for TCP/UDP/ICMPv6 over IPv6 (addresses at srcOff/dstOff). */
export function ipv6PseudoSum(b: Uint8Array, srcOff: number, dstOff: number, upperLen: number, proto: number): number {
  let sum = onesSum(b, srcOff, 16);
  sum = onesSum(b, dstOff, 16, sum);
  sum += (upperLen >>> 16) + (upperLen & 0xffff) + proto;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** Pseudo-header sum for TCP/UDP over IPv4. */
export function ipv4PseudoSum(src: number, dst: number, upperLen: number, proto: number): number {
  let sum = (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + upperLen + proto;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** fe80::/10 from IPv6 text (any case). */
export function isLinkLocalText(addr: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(addr);
}
