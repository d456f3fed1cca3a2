import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ether, EtherType, icmpEcho, icmp6Echo, IpProto, ipv4, ipv6, udp } from '../../src/craft/frames.js';
import { L } from '../../src/decode/packet.js';
import { concatBytes, decode, hex, linesAfter, namesFrom, render } from './l3-harness.js';

// What the network layer hands to the transport layer is the contract under test here; the
// transport decoders themselves have their own tests.
const upperCalls = vi.hoisted(() => [] as Array<{ proto: number; off: number; len: number; family: 4 | 6 }>);
vi.mock('../../src/decode/upper.js', () => ({
  decodeUpper: (_pkt: unknown, proto: number, off: number, len: number, family: 4 | 6) => {
    upperCalls.push({ proto, off, len, family });
  },
}));

beforeEach(() => {
  upperCalls.length = 0;
});

const MACS = { dst: '0:11:22:33:44:55', src: '8:0:20:1:2:3' };
const ECHO_DATA = new Uint8Array(56);

function v4Frame(o: Partial<Parameters<typeof ipv4>[0]> = {}, payload: Uint8Array = icmpEcho({ id: 1, seq: 0, data: ECHO_DATA })): Uint8Array {
  return ether({ ...MACS, type: EtherType.IPV4 }, ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: IpProto.ICMP, id: 4711, ttl: 64, ...o }, payload));
}

function v6Frame(o: Partial<Parameters<typeof ipv6>[0]> = {}, payload: Uint8Array = icmp6Echo({ id: 7, seq: 1 })): Uint8Array {
  return ether({ ...MACS, type: EtherType.IPV6 }, ipv6({ src: '2001:db8::1', dst: '2001:db8::2', nxt: IpProto.ICMPV6, hopLimit: 64, ...o }, payload));
}

describe('IPv4 header', () => {
  it('decodes every field and hands the payload to the transport layer', () => {
    const pkt = decode(v4Frame({ tos: 0xb8, df: true }));
    const ip = pkt.ip;
    expect(pkt.layers).toBe(L.ETH | L.IP);
    expect([ip.off, ip.headerLen, ip.tos, ip.totalLen, ip.id, ip.flags, ip.fragOffset, ip.ttl, ip.proto]).toEqual([14, 20, 0xb8, 84, 4711, 2, 0, 64, 1]);
    expect(ip.src).toBe(0xc0000201);
    expect(ip.dst).toBe(0xc0000202);
    expect(ip.checksumOk).toBe(true);
    expect(ip.routerAlert).toBe(false);
    expect(ip.short).toBe(false);
    expect([ip.payloadOff, ip.payloadLen]).toEqual([34, 64]);
    expect(pkt.notes).toEqual([]);
    expect(upperCalls).toEqual([{ proto: 1, off: 34, len: 64, family: 4 }]);
  });

  it('passes the IP-claimed length even when the frame has Ethernet padding', () => {
    const pkt = decode(v4Frame({ proto: IpProto.UDP }, udp({ sport: 1, dport: 2 }, new Uint8Array(2))));
    expect(pkt.capLen).toBe(60);
    expect(upperCalls).toEqual([{ proto: 17, off: 34, len: 10, family: 4 }]);
  });

  it('renders the -V line, the JSON object and the -v block like snoop', () => {
    const r = render(decode(v4Frame({ df: true })), namesFrom({ '192.0.2.1': 'alpha' }));
    expect(r.summary).toBe('IP  D=192.0.2.2 S=192.0.2.1 LEN=84, ID=4711, TOS=0x0, TTL=64');
    expect(r.layers).toEqual(['ETHER Type=0800 (IP), size=98 bytes', 'IP  D=192.0.2.2 S=192.0.2.1 LEN=84, ID=4711, TOS=0x0, TTL=64']);
    expect(r.json.ip).toEqual({ src: '192.0.2.1', dst: '192.0.2.2', ttl: 64, proto: 1, len: 84, id: 4711, ra: false, tos: 0, cksumOk: true });
    expect(linesAfter(r.detail, 'IP:   ----- IP Header -----')).toEqual([
      'Version = 4',
      'Header length = 20 bytes',
      'Type of service = 0x00',
      '      xxx. .... = 0 (precedence)',
      '      ...0 .... = normal delay',
      '      .... 0... = normal throughput',
      '      .... .0.. = normal reliability',
      '      .... ..0. = not ECN capable transport',
      '      .... ...0 = no ECN congestion experienced',
      'Total length = 84 bytes',
      'Identification = 4711',
      'Flags = 0x4',
      '      .1.. .... = do not fragment',
      '      ..0. .... = last fragment',
      'Fragment offset = 0 bytes',
      'Time to live = 64 seconds/hops',
      'Protocol = 1 (ICMP)',
      'Header checksum = a43e',
      'Source address = 192.0.2.1, alpha',
      'Destination address = 192.0.2.2, 192.0.2.2',
      'No options',
    ]);
  });

  it('draws every TOS bit', () => {
    const r = render(decode(v4Frame({ tos: 0xff })));
    expect(r.detail).toContain('Type of service = 0xff');
    expect(r.detail).toContain('      xxx. .... = 7 (precedence)');
    for (const l of ['...1 .... = low delay', '.... 1... = high throughput', '.... .1.. = high reliability', '.... ..1. = ECN capable transport', '.... ...1 = ECN congestion experienced']) {
      expect(r.detail).toContain('      ' + l);
    }
    expect(r.summary).toContain('TOS=0xff');
  });

  it('finds a Router Alert option (IHL 6) and shows it', () => {
    const pkt = decode(v4Frame({ routerAlert: true, ttl: 1, proto: IpProto.IGMP, tos: 0xc0 }, new Uint8Array(8)));
    expect(pkt.ip.headerLen).toBe(24);
    expect(pkt.ip.routerAlert).toBe(true);
    expect(pkt.ip.checksumOk).toBe(true);
    expect(pkt.ip.payloadOff).toBe(38);
    expect(upperCalls).toEqual([{ proto: 2, off: 38, len: 8, family: 4 }]);
    const r = render(pkt);
    expect(r.detail).toContain('Options: (4 bytes)');
    expect(r.detail).toContain('  - Router alert (4 bytes)');
    expect(r.json.ip).toMatchObject({ ra: true, tos: 0xc0, ttl: 1 });
  });

  it('shows other options the way snoop does', () => {
    // NOP, record route (7 bytes: pointer 8, one address filled), EOL, padding: IHL 8.
    const ip = ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: IpProto.UDP }, udp({ sport: 1, dport: 2 }, new Uint8Array(0)));
    const opts = hex('01 07 07 08 c0000201 00 000000');
    const hdr = concatBytes(ip.subarray(0, 20), opts);
    hdr[0] = 0x48;
    const total = hdr.length + 8;
    hdr[2] = total >> 8;
    hdr[3] = total & 255;
    hdr[10] = hdr[11] = 0;
    const pkt = decode(ether({ ...MACS, type: EtherType.IPV4 }, concatBytes(hdr, ip.subarray(20))));
    expect(pkt.ip.headerLen).toBe(32);
    expect(pkt.ip.checksumOk).toBe(false);
    const r = render(pkt, namesFrom({ '192.0.2.1': 'alpha' }));
    const at = r.detail.indexOf('Options: (12 bytes)');
    expect(r.detail.slice(at)).toEqual([
      'Options: (12 bytes)',
      '  - No op',
      '  - Record route (7 bytes)',
      '    Pointer = 8',
      '      alpha',
      '  - End of option list',
    ]);
  });

  it('verifies the header checksum and notes a bad one', () => {
    const good = decode(v4Frame());
    expect(good.ip.checksumOk).toBe(true);
    const pkt = decode(v4Frame({ badChecksum: true }));
    expect(pkt.ip.checksumOk).toBe(false);
    expect(pkt.notes).toEqual(['bad IP checksum']);
    const r = render(pkt);
    expect(r.detail.find((l) => l.startsWith('Header checksum'))).toMatch(/^Header checksum = [0-9a-f]{4} \(bad\)$/);
    expect(r.json.ip).toMatchObject({ cksumOk: false });
    // A bad checksum does not stop the decode.
    expect(upperCalls).toHaveLength(2);
  });

  it('marks LEN with ? and the total length as truncated when the datagram was cut', () => {
    const frame = v4Frame();
    const pkt = decode(frame.subarray(0, 54), undefined, { wireLen: 98 });
    expect(pkt.ip.short).toBe(true);
    expect(pkt.ip.checksumOk).toBe(true);
    expect(upperCalls).toEqual([{ proto: 1, off: 34, len: 64, family: 4 }]);
    const r = render(pkt);
    expect(r.summary).toBe('IP  D=192.0.2.2 S=192.0.2.1 LEN=84?, ID=4711, TOS=0x0, TTL=64');
    expect(r.detail).toContain('Total length = 84 bytes -- truncated');
  });
});

describe('IPv4 fragments', () => {
  it('decodes the transport header of a first fragment and shows the fragment line', () => {
    const pkt = decode(v4Frame({ proto: IpProto.UDP, mf: true, id: 99 }, udp({ sport: 1, dport: 2 }, new Uint8Array(32))));
    expect(pkt.ip.flags).toBe(1);
    expect(pkt.ip.fragOffset).toBe(0);
    expect(upperCalls).toHaveLength(1);
    const r = render(pkt);
    expect(r.layers[1]).toBe('UDP IP fragment ID=99 Offset=0    MF=1 TOS=0x0 TTL=64');
    expect(r.json.ip).toMatchObject({ frag: { off: 0, mf: true } });
  });

  it('does not decode a later fragment as transport', () => {
    const pkt = decode(v4Frame({ proto: IpProto.UDP, fragOffset: 1480, id: 99 }, new Uint8Array(40)));
    expect(pkt.ip.fragOffset).toBe(1480);
    expect(pkt.ip.flags).toBe(0);
    expect(upperCalls).toEqual([]);
    const r = render(pkt);
    expect(r.summary).toBe('UDP IP fragment ID=99 Offset=1480 MF=0 TOS=0x0 TTL=64');
    expect(r.detail).toContain('Fragment offset = 1480 bytes');
    expect(r.detail).toContain('      ..0. .... = last fragment');
    expect(r.detail).toContain('UDP:  [40 byte(s) of data, continuation of IP ident=99]');
  });
});

describe('IP-in-IP', () => {
  it('decodes the inner IPv4 header and counts the encapsulation', () => {
    const inner = ipv4({ src: '198.51.100.1', dst: '198.51.100.2', proto: IpProto.UDP, id: 2 }, udp({ sport: 5, dport: 6 }, new Uint8Array(4)));
    const pkt = decode(v4Frame({ proto: IpProto.IPIP, id: 1 }, inner));
    expect(pkt.encap).toBe(1);
    expect(pkt.ip.id).toBe(2);
    expect(pkt.ip.off).toBe(34);
    expect(pkt.ip.src).toBe(0xc6336401);
    expect(upperCalls).toEqual([{ proto: 17, off: 54, len: 12, family: 4 }]);
  });

  it('decodes IPv6 inside IPv4 (6in4)', () => {
    const inner = ipv6({ src: '2001:db8::1', dst: '2001:db8::2', nxt: IpProto.UDP }, udp({ sport: 5, dport: 6 }, new Uint8Array(4)));
    const pkt = decode(v4Frame({ proto: IpProto.IPV6 }, inner));
    expect(pkt.encap).toBe(1);
    expect(pkt.layers).toBe(L.ETH | L.IP | L.IP6);
    expect(pkt.ip6.off).toBe(34);
    expect(upperCalls).toEqual([{ proto: 17, off: 74, len: 12, family: 6 }]);
  });

  it('keeps the outer header when the inner one was not captured', () => {
    const inner = ipv4({ src: '198.51.100.1', dst: '198.51.100.2', proto: IpProto.UDP, id: 2 }, new Uint8Array(8));
    const frame = v4Frame({ proto: IpProto.IPIP, id: 1 }, inner);
    const pkt = decode(frame.subarray(0, 34 + 10));
    expect(pkt.ip.present).toBe(true);
    expect(pkt.ip.id).toBe(1);
    expect(pkt.encap).toBe(1);
    expect(pkt.notes).toEqual(['short packet']);
  });

  it('stops after MAX_ENCAP levels', () => {
    let body: Uint8Array = udp({ sport: 1, dport: 2 }, new Uint8Array(0));
    body = ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: IpProto.UDP }, body);
    for (let i = 0; i < 10; i++) body = ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: IpProto.IPIP, id: i }, body);
    const pkt = decode(ether({ ...MACS, type: EtherType.IPV4 }, body));
    expect(pkt.encap).toBe(8);
    expect(pkt.notes).toEqual(['malformed: too many encapsulations']);
    expect(upperCalls).toEqual([]);
  });
});

describe('IPv6 header', () => {
  it('decodes the fixed header', () => {
    const pkt = decode(v6Frame({ trafficClass: 0xb8, flowLabel: 0x12345 }));
    const ip6 = pkt.ip6;
    expect(pkt.layers).toBe(L.ETH | L.IP6);
    expect([ip6.off, ip6.trafficClass, ip6.flowLabel, ip6.payloadLen, ip6.nextHeader, ip6.hopLimit, ip6.srcOff, ip6.dstOff]).toEqual([14, 0xb8, 0x12345, 8, 58, 64, 22, 38]);
    expect([ip6.extCount, ip6.upperProto, ip6.payloadOff]).toEqual([0, 58, 54]);
    expect(upperCalls).toEqual([{ proto: 58, off: 54, len: 8, family: 6 }]);
  });

  it('renders the -V line with names, the -v block and JSON', () => {
    const names = namesFrom({}, { '2001:db8::1': 'alpha' });
    const r = render(decode(v6Frame({ trafficClass: 0xb8, flowLabel: 0x12345 })), names);
    expect(r.layers[1]).toBe('IPv6  S=alpha D=2001:db8::2 LEN=8 HOPS=64 CLASS=0xb8 FLOW=0x12345');
    expect(linesAfter(r.detail, 'IPv6:   ----- IPv6 Header -----')).toEqual([
      'Version = 6',
      'Traffic Class = 184',
      'Flow label = 0x12345',
      'Payload length = 8',
      'Next Header = 58 (ICMPv6)',
      'Hop Limit = 64',
      'Source address = 2001:db8::1, alpha',
      'Destination address = 2001:db8::2',
    ]);
    expect(r.json.ip6).toEqual({ src: '2001:db8::1', dst: '2001:db8::2', hlim: 64, nxt: 58, ra: false, ext: [] });
  });

  it('finds Router Alert (MLD) with the Linux PadN fingerprint', () => {
    const pkt = decode(v6Frame({ routerAlert: 'padn', hopLimit: 1, dst: 'ff02::16' }));
    const ip6 = pkt.ip6;
    expect(ip6.nextHeader).toBe(0);
    expect(ip6.extCount).toBe(1);
    expect([ip6.extType[0], ip6.extOff[0], ip6.extLen[0]]).toEqual([0, 54, 8]);
    expect(ip6.routerAlert).toBe(true);
    expect(ip6.routerAlertValue).toBe(0);
    expect(ip6.hbhPadding).toBe(2);
    expect([ip6.upperProto, ip6.payloadOff]).toEqual([58, 62]);
    expect(upperCalls).toEqual([{ proto: 58, off: 62, len: 8, family: 6 }]);
    const r = render(pkt);
    expect(r.detail).toContain('Next Header = 0 (IPv6-HopOpts)');
    expect(r.detail).toContain('Hop-by-hop options: Router Alert (MLD), PadN');
    expect(r.detail).toContain('Upper protocol = 58 (ICMPv6)');
    expect(r.json.ip6).toMatchObject({ ra: true, ext: [0], nxt: 58, pad: 'padn' });
  });

  it('tells the illumos Pad1 Pad1 padding apart', () => {
    const pkt = decode(v6Frame({ routerAlert: 'pad1' }));
    expect(pkt.ip6.routerAlert).toBe(true);
    expect(pkt.ip6.hbhPadding).toBe(1);
    expect(render(pkt).detail).toContain('Hop-by-hop options: Router Alert (MLD), Pad1, Pad1');
  });

  it('walks a chain of hop-by-hop, destination options, routing and AH headers', () => {
    const dst = { type: IpProto.DSTOPTS, body: hex('00 040101 010100') }; // Tunnel Limit 1, PadN of 1 byte
    const rt = { type: IpProto.ROUTING, body: concatBytes(hex('02 04 01 00000000'), new Uint8Array(16)) }; // type 4, 1 segment left, len 2 (24 bytes)
    const ah = { type: 51, body: concatBytes(hex('04 0000 00001000 00000001'), new Uint8Array(12)) }; // len 4: (4+2)*4 = 24 bytes
    const pkt = decode(v6Frame({ routerAlert: 'padn', ext: [dst, rt, ah], nxt: IpProto.UDP }, udp({ sport: 1, dport: 2 }, new Uint8Array(4))));
    const ip6 = pkt.ip6;
    expect(ip6.extCount).toBe(4);
    expect(Array.from(ip6.extType.subarray(0, 4))).toEqual([0, 60, 43, 51]);
    expect(Array.from(ip6.extLen.subarray(0, 4))).toEqual([8, 8, 24, 24]);
    expect(Array.from(ip6.extOff.subarray(0, 4))).toEqual([54, 62, 70, 94]);
    expect([ip6.upperProto, ip6.payloadOff]).toEqual([17, 118]);
    expect(upperCalls).toEqual([{ proto: 17, off: 118, len: 12, family: 6 }]);
    const r = render(pkt);
    expect(r.detail).toContain('Destination options: Tunnel Limit 1, PadN');
    expect(r.detail).toContain('Routing header: type 4, segments left 1, 24 bytes');
    expect(r.detail).toContain('Authentication header: 24 bytes');
    expect(r.json.ip6).toMatchObject({ ext: [0, 60, 43, 51], nxt: 17 });
  });

  it('decodes the first fragment\'s upper layer but not a later fragment\'s', () => {
    const first = { type: IpProto.FRAGMENT, body: hex('00 0001 0000abcd') }; // offset 0, M=1
    const pkt = decode(v6Frame({ ext: [first], nxt: IpProto.UDP }, udp({ sport: 1, dport: 2 }, new Uint8Array(16))));
    expect(pkt.ip6.fragment).toBe(true);
    expect([pkt.ip6.fragOffset, pkt.ip6.fragMore, pkt.ip6.fragId]).toEqual([0, true, 0xabcd]);
    expect(upperCalls).toHaveLength(1);
    expect(render(pkt).detail).toContain('Fragment header: offset 0, more fragments true, ID 43981');

    upperCalls.length = 0;
    const later = { type: IpProto.FRAGMENT, body: hex('00 05a8 0000abcd') }; // offset 1448 bytes, M=0
    const pkt2 = decode(v6Frame({ ext: [later], nxt: IpProto.UDP, upperChecksum: false }, new Uint8Array(24)));
    expect([pkt2.ip6.fragOffset, pkt2.ip6.fragMore]).toEqual([1448, false]);
    expect(pkt2.ip6.upperProto).toBe(17);
    expect(upperCalls).toEqual([]);
    const r = render(pkt2);
    expect(r.summary).toBe('IPv6 fragment ID=43981 Offset=1448 MF=0');
    expect(r.layers[1]).toMatch(/^IPv6  S=2001:db8::1 D=2001:db8::2 LEN=32 /);
    expect(r.json.ip6).toMatchObject({ frag: { off: 1448, mf: false, id: 43981 } });
  });

  it('stops at no-next-header', () => {
    const pkt = decode(v6Frame({ nxt: IpProto.NONE, upperChecksum: false }, new Uint8Array(0)));
    expect(pkt.ip6.upperProto).toBe(59);
    expect(upperCalls).toEqual([]);
  });

  it('decodes IPv6-in-IPv6 and IPv4-in-IPv6 and counts them', () => {
    const inner6 = ipv6({ src: '2001:db8:1::1', dst: '2001:db8:1::2', nxt: IpProto.UDP }, udp({ sport: 1, dport: 2 }, new Uint8Array(0)));
    const p6 = decode(v6Frame({ nxt: IpProto.IPV6, upperChecksum: false }, inner6));
    expect(p6.encap).toBe(1);
    expect(p6.ip6.off).toBe(54);
    expect(upperCalls).toEqual([{ proto: 17, off: 94, len: 8, family: 6 }]);

    upperCalls.length = 0;
    const inner4 = ipv4({ src: '192.0.2.7', dst: '192.0.2.8', proto: IpProto.UDP }, udp({ sport: 1, dport: 2 }, new Uint8Array(0)));
    const p4 = decode(v6Frame({ nxt: IpProto.IPIP, upperChecksum: false }, inner4));
    expect(p4.encap).toBe(1);
    expect(p4.layers).toBe(L.ETH | L.IP6 | L.IP);
    expect(p4.ip.off).toBe(54);
    expect(upperCalls).toEqual([{ proto: 17, off: 74, len: 8, family: 4 }]);
  });
});
