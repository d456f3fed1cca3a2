// Address text: RFC 5952 forms, and the text caches never hand one address's text to another.
import { describe, expect, it } from 'vitest';
import { ipv4String, ipv6String, macString, onesSum, parseIpv4, parseIpv6 } from '../../src/decode/addr.js';

function v6(text: string): Uint8Array {
  const b = parseIpv6(text);
  if (!b) throw new Error(`bad test address ${text}`);
  return b;
}

describe('ipv6String', () => {
  it('writes RFC 5952 text', () => {
    expect(ipv6String(v6('2001:0db8:0000:0000:0000:0000:0000:0001'), 0)).toBe('2001:db8::1');
    expect(ipv6String(v6('2001:db8:0:1:1:1:1:1'), 0)).toBe('2001:db8:0:1:1:1:1:1');
    expect(ipv6String(v6('2001:db8:0:0:1:0:0:1'), 0)).toBe('2001:db8::1:0:0:1');
    expect(ipv6String(v6('::'), 0)).toBe('::');
    expect(ipv6String(v6('::ffff:192.0.2.1'), 0)).toBe('::ffff:192.0.2.1');
    expect(ipv6String(v6('ff02::1:ff00:2'), 0)).toBe('ff02::1:ff00:2');
  });

  it('reads the address at the offset given, cached or not', () => {
    const frame = new Uint8Array(40);
    frame.set(v6('fe80::1'), 8);
    frame.set(v6('fe80::2'), 24);
    for (let round = 0; round < 3; round++) {
      expect(ipv6String(frame, 8)).toBe('fe80::1');
      expect(ipv6String(frame, 24)).toBe('fe80::2');
    }
    // The same buffer rewritten in place (as capture buffers are) gives the new address.
    frame.set(v6('2001:db8::99'), 8);
    expect(ipv6String(frame, 8)).toBe('2001:db8::99');
  });

  it('keeps its own copy of a cached address: a capture Buffer rewritten in place cannot fake a hit', () => {
    // B shares A's 32-bit cache hash (the hash of words w0..w3 below): its third word differs,
    // and its fourth is chosen to cancel that. Only the stored bytes tell the two apart.
    const K = 0x9e3779b1;
    const a = v6('2001:db8:0:1::a');
    const word = (b: Uint8Array, i: number): number => (b[4 * i] << 24) | (b[4 * i + 1] << 16) | (b[4 * i + 2] << 8) | b[4 * i + 3];
    const h1 = Math.imul(Math.imul(word(a, 0), K) ^ word(a, 1), K);
    const w2 = 0x00000002;
    const w3 = Math.imul(h1 ^ word(a, 2), K) ^ word(a, 3) ^ Math.imul(h1 ^ w2, K);
    const b = a.slice();
    new DataView(b.buffer).setInt32(8, w2);
    new DataView(b.buffer).setInt32(12, w3);
    const textOfB = ipv6String(b.slice(), 0);
    const frame = Buffer.alloc(16);
    frame.set(a);
    expect(ipv6String(frame, 0)).toBe('2001:db8:0:1::a');
    frame.set(b);
    expect(ipv6String(frame, 0)).toBe(textOfB);
    expect(parseIpv6(textOfB)).toEqual(new Uint8Array(b));
  });

  it('round-trips many pseudo-random addresses through the cache', () => {
    let seed = 12345;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    const seen = new Map<string, Uint8Array>();
    for (let n = 0; n < 20_000; n++) {
      const bytes = new Uint8Array(16);
      // Mostly zero bytes, so many addresses share long runs and differ in one or two places.
      for (let i = 0; i < 16; i++) bytes[i] = next() < 40 ? next() : 0;
      const text = ipv6String(bytes, 0);
      expect(parseIpv6(text)).toEqual(bytes);
      const earlier = seen.get(text);
      if (earlier) expect(earlier).toEqual(bytes);
      seen.set(text, bytes);
    }
  });
});

describe('ipv4String and macString', () => {
  it('format and cache by value', () => {
    expect(ipv4String(parseIpv4('192.0.2.1')!)).toBe('192.0.2.1');
    expect(ipv4String(0xcb007105)).toBe('203.0.113.5');
    const mac = Uint8Array.of(0, 2, 0, 0x5e, 0x10, 0, 0x0a);
    expect(macString(mac, 1)).toBe('02:00:5e:10:00:0a');
    mac[6] = 0x0b;
    expect(macString(mac, 1)).toBe('02:00:5e:10:00:0b');
  });

  it('give the same text for an address as a u32 and as its int32 view', () => {
    for (const a of [0, 1, 0x7fffffff, 0x80000000, 0xc0000201, 0xffffffff]) {
      expect(ipv4String(a | 0)).toBe(ipv4String(a));
    }
    expect(ipv4String(0xc0000201 | 0)).toBe('192.0.2.1');
    expect(ipv4String(-1)).toBe('255.255.255.255');
  });

  it('tell apart MACs that differ only in the two bytes the cache key leaves out', () => {
    const a = Uint8Array.of(0x02, 0x00, 0x5e, 0x10, 0x00, 0x0a);
    const b = Uint8Array.of(0x0a, 0x0b, 0x5e, 0x10, 0x00, 0x0a);
    for (let round = 0; round < 3; round++) {
      expect(macString(a, 0)).toBe('02:00:5e:10:00:0a');
      expect(macString(b, 0)).toBe('0a:0b:5e:10:00:0a');
    }
  });
});

describe('onesSum', () => {
  /** RFC 1071 the plain way: 16-bit big-endian words, an odd last byte padded, end-around carry at the end. */
  function reference(b: Uint8Array, off: number, len: number, initial: number): number {
    let sum = initial;
    for (let i = 0; i < len; i += 2) sum += ((b[off + i] ?? 0) << 8) + (i + 1 < len ? (b[off + i + 1] ?? 0) : 0);
    while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
    return sum;
  }

  it('equals the plain RFC 1071 sum at every offset and length, odd ones included', () => {
    let seed = 7;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    const b = Uint8Array.from({ length: 300 }, () => next());
    for (let off = 0; off < 9; off++) {
      for (let len = 0; len < 120; len++) expect(onesSum(b, off, len, off * 1000)).toBe(reference(b, off, len, off * 1000));
    }
  });

  it('stays exact for frames past 128 KiB, whose sum no longer fits 32 bits', () => {
    const b = new Uint8Array(262144).fill(0xff);
    expect(onesSum(b, 0, b.length)).toBe(0xffff);
    b[1] = 0xfe;
    expect(onesSum(b, 0, b.length)).toBe(reference(b, 0, b.length, 0));
  });

  it('counts a range running past the buffer as zeros rather than failing', () => {
    const b = Uint8Array.of(0x12, 0x34, 0x56, 0x78, 0x9a);
    expect(onesSum(b, 1, 16)).toBe(reference(b, 1, 16, 0));
    expect(onesSum(b.subarray(1), 0, 16)).toBe(reference(b, 1, 16, 0));
  });
});
