// Address text: RFC 5952 forms, and the text caches never hand one address's text to another.
import { describe, expect, it } from 'vitest';
import { ipv4String, ipv6String, macString, parseIpv4, parseIpv6 } from '../../src/decode/addr.js';

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
});
