import { describe, expect, it } from 'vitest';
import { icmp6, icmp6Echo, ip6, ipv6, IpProto, ndAdvert, ndSolicit, udp } from '../../src/craft/frames.js';
import { concatBytes, namesFrom } from './l3-harness.js';
import { corrupt, decodeL4, icmp6Frame, renderL4, words } from './l4-harness.js';

const ETH_IP6 = 14 + 40;

describe('ICMPv6 decoding and snoop rendering', () => {
  it('echo request with a pseudo-header checksum', () => {
    const frame = icmp6Frame(icmp6Echo({ id: 7, seq: 1, data: new Uint8Array(16) }));
    const pkt = decodeL4(frame);
    const r = renderL4(pkt);
    expect(r.summary).toBe('ICMPv6 Echo request (ID: 7 Sequence number: 1)');
    expect(r.layers[2]).toBe('ICMPv6 Echo request (ID: 7 Sequence number: 1)');
    expect(r.detail).toEqual([
      'ICMPv6:  Type = 128 (Echo request)',
      'ICMPv6:  Code = 0 (ID: 7 Sequence number: 1)',
      `ICMPv6:  Checksum = ${pkt.icmp6.checksum.toString(16)} (correct)`,
    ]);
    expect(r.json.icmp6).toEqual({ type: 128, code: 0, id: 7, seq: 1, cksumOk: true });
    // One changed data byte (or source address byte) breaks the checksum.
    const bad = decodeL4(corrupt(frame, ETH_IP6 + 12));
    expect(bad.icmp6.checksumOk).toBe(false);
    expect(bad.notes).toContain('bad ICMPv6 checksum');
    expect(decodeL4(corrupt(frame, 14 + 8 + 15)).icmp6.checksumOk).toBe(false);
  });

  it('echo reply', () => {
    expect(renderL4(decodeL4(icmp6Frame(icmp6Echo({ reply: true, id: 9, seq: 3 })))).summary).toBe('ICMPv6 Echo reply (ID: 9 Sequence number: 3)');
  });

  it('neighbor solicitation with a source link-layer option', () => {
    const pkt = decodeL4(icmp6Frame(ndSolicit('2001:db8::2', '02:00:00:00:00:01')));
    const r = renderL4(pkt, namesFrom({}, { '2001:db8::2': 'beta' }));
    expect(r.summary).toBe('ICMPv6 Neighbor solicitation');
    expect(r.detail.slice(3)).toEqual([
      'ICMPv6:  Target node = 2001:db8::2, beta',
      'ICMPv6:  ',
      'ICMPv6:  +++ ICMPv6 Source LL Addr option +++',
      'ICMPv6:  Link Layer address: 2:0:0:0:0:1',
    ]);
    expect(r.json.icmp6).toEqual({ type: 135, code: 0, id: 0, seq: 0, cksumOk: true, target: '2001:db8::2' });
  });

  it('neighbor advertisement flags and target option', () => {
    const pkt = decodeL4(icmp6Frame(ndAdvert('2001:db8::1', 0x60, '02:00:00:00:00:01')));
    const r = renderL4(pkt);
    expect(r.summary).toBe('ICMPv6 Neighbor advertisement');
    expect(r.detail.slice(3)).toEqual([
      'ICMPv6:  Target node = 2001:db8::1, 2001:db8::1',
      'ICMPv6:  Router flag: NOT SET, Solicited flag: SET, Override flag: SET',
      'ICMPv6:  ',
      'ICMPv6:  +++ ICMPv6 Target LL Addr option +++',
      'ICMPv6:  Link Layer address: 2:0:0:0:0:1',
    ]);
  });

  it('router advertisement with prefix, MTU, RDNSS and DNSSL options', () => {
    const prefix = concatBytes(Uint8Array.from([3, 4, 64, 0xc0]), words(0xffff, 0xffff, 0, 3600, 0, 0), ip6('2001:db8:1::'));
    const mtu = concatBytes(Uint8Array.from([5, 1, 0, 0]), words(0, 1500));
    const rdnss = concatBytes(Uint8Array.from([25, 3, 0, 0]), words(0, 600), ip6('2001:db8::53'));
    const dnssl = concatBytes(Uint8Array.from([31, 3, 0, 0]), words(0, 600), Uint8Array.from([7, ...Buffer.from('example'), 3, ...Buffer.from('com'), 0]), new Uint8Array(3));
    const body = concatBytes(Uint8Array.from([64, 0x80]), words(1800), words(0, 30000), words(0, 1000), prefix, mtu, rdnss, dnssl);
    const pkt = decodeL4(icmp6Frame(icmp6(134, 0, body), { src: 'fe80::1', dst: 'ff02::1', hopLimit: 255 }));
    expect(pkt.notes).toEqual([]);
    const r = renderL4(pkt);
    expect(r.summary).toBe('ICMPv6 Router advertisement');
    expect(r.detail.slice(3)).toEqual([
      'ICMPv6:  Max hops= 64, Router lifetime= 1800',
      'ICMPv6:  Managed addr conf flag: SET, Other conf flag: NOT SET',
      'ICMPv6:  Reachable time: 30000, Reachable retrans time 1000',
      'ICMPv6:  ',
      'ICMPv6:  +++ ICMPv6 Prefix option +++',
      'ICMPv6:  Prefix length = 64 ',
      'ICMPv6:  Onlink flag: SET, Autonomous addr conf flag: SET',
      'ICMPv6:  Valid Lifetime INFINITY, Preferred Lifetime 3600',
      'ICMPv6:  Prefix 2001:db8:1::',
      'ICMPv6:  ',
      'ICMPv6:  +++ ICMPv6 MTU option +++',
      'ICMPv6:  MTU = 1500 ',
      'ICMPv6:  ',
      'ICMPv6:  +++ ICMPv6 Recursive DNS Server option +++',
      'ICMPv6:  Lifetime 600',
      'ICMPv6:  Nameserver 2001:db8::53',
      'ICMPv6:  ',
      'ICMPv6:  +++ ICMPv6 DNS Search List option +++',
      'ICMPv6:  Lifetime 600',
      'ICMPv6:  Name: example.com',
    ]);
  });

  it('router solicitation and redirect', () => {
    expect(renderL4(decodeL4(icmp6Frame(icmp6(133, 0, new Uint8Array(4))))).summary).toBe('ICMPv6 Router solicitation');
    const redirect = decodeL4(icmp6Frame(icmp6(137, 0, concatBytes(new Uint8Array(4), ip6('fe80::9'), ip6('2001:db8:5::1')))));
    const r = renderL4(redirect);
    expect(r.summary).toBe('ICMPv6 Redirect');
    expect(r.detail.slice(3)).toEqual(['ICMPv6:  Target address= fe80::9', 'ICMPv6:  Destination address= 2001:db8:5::1']);
    expect(r.json.icmp6).toMatchObject({ target: 'fe80::9' });
  });

  it('errors: unreachable port, too big, time exceeded, parameter problem', () => {
    const quoted = ipv6({ src: '2001:db8::2', dst: '2001:db8::1', nxt: IpProto.UDP }, udp({ sport: 5000, dport: 53 }, new Uint8Array(4)));
    const unreach = renderL4(decodeL4(icmp6Frame(icmp6(1, 4, concatBytes(new Uint8Array(4), quoted)))));
    expect(unreach.summary).toBe('ICMPv6 Destination unreachable (UDP port 53 unreachable)');
    expect(unreach.detail.slice(3, 6)).toEqual(['ICMPv6:  ', 'ICMPv6:  [ subject header follows ]', 'ICMPv6:  ']);
    expect(renderL4(decodeL4(icmp6Frame(icmp6(1, 0, new Uint8Array(4))))).summary).toBe('ICMPv6 Destination unreachable (No route to destination)');
    expect(renderL4(decodeL4(icmp6Frame(icmp6(1, 3, new Uint8Array(4))))).summary).toBe('ICMPv6 Destination unreachable (Address unreachable)');
    const big = decodeL4(icmp6Frame(icmp6(2, 0, concatBytes(words(0, 1280), quoted))));
    expect(big.icmp6.mtu).toBe(1280);
    expect(renderL4(big).summary).toBe('ICMPv6 Packet too big');
    expect(renderL4(big).detail.slice(3)).toEqual(['ICMPv6:  ', 'ICMPv6:   Packet too big MTU = 1280']);
    expect(renderL4(decodeL4(icmp6Frame(icmp6(3, 0, new Uint8Array(4))))).summary).toBe('ICMPv6 Time exceeded (Hop limit exceeded in transit)');
    const pp = decodeL4(icmp6Frame(icmp6(4, 1, words(0, 40))));
    expect(renderL4(pp).summary).toBe('ICMPv6 Parameter problem (Unrecognized next header type)');
    expect(renderL4(pp).detail[3]).toBe('ICMPv6:  Ptr = 40');
  });

  it('a zero-length ND option is malformed and stops the option walk', () => {
    const body = concatBytes(new Uint8Array(4), ip6('2001:db8::2'), Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0]));
    const pkt = decodeL4(icmp6Frame(icmp6(135, 0, body)));
    expect(pkt.notes).toContain('malformed ND option');
    expect(pkt.icmp6.optLen).toBe(0);
    expect(renderL4(pkt).detail.slice(3)).toEqual(['ICMPv6:  Target node = 2001:db8::2, 2001:db8::2']);
  });
});
