import { describe, expect, it } from 'vitest';
import { LinkType } from '../../src/capture/frame.js';
import { arp, ether, EtherType, icmpEcho, icmp6Echo, IpProto, ipv4, ipv6, udp } from '../../src/craft/frames.js';
import { decodeFrame } from '../../src/decode/decode.js';
import { L, Packet } from '../../src/decode/packet.js';
import { batchFor, concatBytes, decode, hex, linkAndNetworkLayers, render, snapshot } from './l3-harness.js';

const MACS = { dst: '0:11:22:33:44:55', src: '8:0:20:1:2:3' };
const v4Echo = ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: IpProto.ICMP, id: 1 }, icmpEcho({ id: 1, seq: 1, data: new Uint8Array(8) }));
const v4Udp = ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: IpProto.UDP, routerAlert: true }, udp({ sport: 1, dport: 2 }, new Uint8Array(4)));
const v6Chain = ipv6(
  {
    src: '2001:db8::1',
    dst: 'ff02::16',
    nxt: IpProto.UDP,
    routerAlert: 'padn',
    ext: [
      { type: IpProto.DSTOPTS, body: hex('00 040101 010100') },
      { type: IpProto.ROUTING, body: concatBytes(hex('02 04 01 00000000'), new Uint8Array(16)) },
      { type: IpProto.FRAGMENT, body: hex('00 0001 00000007') },
    ],
  },
  udp({ sport: 1, dport: 2 }, new Uint8Array(4)),
);
const v6Echo = ipv6({ src: '2001:db8::1', dst: '2001:db8::2', nxt: IpProto.ICMPV6 }, icmp6Echo({ id: 1, seq: 1 }));

/** Frames that between them reach every branch of the link and network decoders. */
const CORPUS: Array<{ name: string; linkType: number; frame: Uint8Array }> = [
  { name: 'ether ipv4 icmp', linkType: LinkType.ETHERNET, frame: ether({ ...MACS, type: EtherType.IPV4, pad: false }, v4Echo) },
  { name: 'ether ipv4 router alert', linkType: LinkType.ETHERNET, frame: ether({ ...MACS, type: EtherType.IPV4, pad: false }, v4Udp) },
  { name: 'qinq ipv6 ext chain', linkType: LinkType.ETHERNET, frame: ether({ ...MACS, type: EtherType.IPV6, vlan: [10, 20], qinq: true }, v6Chain) },
  { name: 'ether arp', linkType: LinkType.ETHERNET, frame: ether({ ...MACS, type: EtherType.ARP, pad: false }, arp({ op: 2, sha: MACS.src, spa: '192.0.2.1', tha: MACS.dst, tpa: '192.0.2.2' })) },
  { name: '802.3 snap ipv4', linkType: LinkType.ETHERNET, frame: concatBytes(hex(`${MACS.dst.split(':').map((x) => x.padStart(2, '0')).join('')} 080020010203 0032 aaaa03 000000 0800`), v4Echo) },
  { name: '802.3 llc', linkType: LinkType.ETHERNET, frame: concatBytes(hex('0180c2000000 080020010203 0026 424203'), new Uint8Array(10)) },
  { name: 'ipip', linkType: LinkType.ETHERNET, frame: ether({ ...MACS, type: EtherType.IPV4, pad: false }, ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: IpProto.IPIP }, v4Echo)) },
  { name: '6in4', linkType: LinkType.ETHERNET, frame: ether({ ...MACS, type: EtherType.IPV4, pad: false }, ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: IpProto.IPV6 }, v6Echo)) },
  { name: 'ipv4 in ipv6', linkType: LinkType.ETHERNET, frame: ether({ ...MACS, type: EtherType.IPV6, pad: false }, ipv6({ src: '2001:db8::1', dst: '2001:db8::2', nxt: IpProto.IPIP, upperChecksum: false }, v4Echo)) },
  { name: 'sll', linkType: LinkType.LINUX_SLL, frame: concatBytes(hex('0004 0001 0006 080020010203 0000 8100 0064 0800'), v4Echo) },
  { name: 'sll2', linkType: LinkType.LINUX_SLL2, frame: concatBytes(hex('86dd 0000 00000003 0001 00 06 080020010203 0000'), v6Echo) },
  { name: 'null', linkType: LinkType.NULL, frame: concatBytes(hex('1e000000'), v6Echo) },
  { name: 'loop', linkType: LinkType.LOOP, frame: concatBytes(hex('00000002'), v4Echo) },
  { name: 'raw', linkType: LinkType.RAW, frame: v6Chain },
  { name: 'ipv4', linkType: LinkType.IPV4, frame: v4Udp },
  { name: 'ipv6', linkType: LinkType.IPV6, frame: v6Echo },
];

/** Decode `frame` exactly and again with 0xEE garbage after its end; both must agree. */
function expectBounded(frame: Uint8Array, linkType: number): void {
  const exact = snapshot(decode(frame, linkType, { wireLen: 1500 }));
  const trailed = snapshot(decode(frame, linkType, { wireLen: 1500, trail: 96 }));
  expect(trailed).toEqual(exact);
}

describe('truncation at every length', () => {
  for (const { name, linkType, frame } of CORPUS) {
    it(`${name}: never throws and never reads past the captured end`, () => {
      for (let len = 0; len <= frame.length; len++) expectBounded(frame.subarray(0, len), linkType);
    });
  }

  it('decodes the same wherever the frame sits in the batch buffer', () => {
    for (const { linkType, frame } of CORPUS) {
      const a = decode(frame, linkType);
      const b = decode(frame, linkType, { lead: 13, trail: 7 });
      expect(b.layers).toBe(a.layers);
      expect(render(b)).toEqual(render(a));
    }
  });

  it('decodes the whole corpus to the layers expected', () => {
    const layers = CORPUS.map(({ frame, linkType }) => linkAndNetworkLayers(decode(frame, linkType)));
    expect(layers).toEqual([
      L.ETH | L.IP, L.ETH | L.IP, L.ETH | L.IP6, L.ETH | L.ARP, L.ETH | L.IP, L.ETH, L.ETH | L.IP, L.ETH | L.IP | L.IP6,
      L.ETH | L.IP6 | L.IP, L.SLL | L.IP, L.SLL | L.IP6, L.IP6, L.IP, L.IP6, L.IP, L.IP6,
    ]);
  });
});

/** A small deterministic generator so fuzz failures reproduce. */
function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

describe('mutated and random input', () => {
  it('survives byte mutations of every corpus frame', () => {
    const next = xorshift(0x5eed);
    for (const { linkType, frame } of CORPUS) {
      for (let round = 0; round < 200; round++) {
        const m = Uint8Array.from(frame);
        const flips = 1 + (next() % 4);
        for (let i = 0; i < flips; i++) m[next() % m.length] = next() & 255;
        expectBounded(m.subarray(0, next() % (m.length + 1)), linkType);
      }
    }
  });

  it('survives random bytes on every link type', () => {
    const next = xorshift(42);
    const linkTypes = [LinkType.ETHERNET, LinkType.LINUX_SLL, LinkType.LINUX_SLL2, LinkType.RAW, LinkType.IPV4, LinkType.IPV6, LinkType.NULL, LinkType.LOOP];
    for (const lt of linkTypes) {
      for (let round = 0; round < 300; round++) {
        const len = next() % 120;
        const frame = new Uint8Array(len);
        for (let i = 0; i < len; i++) frame[i] = next() & 255;
        // Steer the first bytes towards the decoders so random input reaches the deep branches.
        if (lt === LinkType.RAW && len) frame[0] = (round & 1 ? 0x45 : 0x60) | (frame[0] & 0x0f);
        if (lt === LinkType.ETHERNET && len >= 14) frame.set(round & 1 ? [0x08, 0x00] : [0x86, 0xdd], 12);
        expectBounded(frame, lt);
      }
    }
  });
});

describe('malformed IPv4', () => {
  function ethIp(ip: Uint8Array): Uint8Array {
    return ether({ ...MACS, type: EtherType.IPV4 }, ip);
  }

  it('rejects a header length below 5 words', () => {
    const ip = Uint8Array.from(v4Echo);
    ip[0] = 0x44;
    const pkt = decode(ethIp(ip));
    expect(pkt.ip.present).toBe(false);
    expect(pkt.has(L.IP)).toBe(false);
    expect(pkt.notes).toEqual(['malformed IP header']);
  });

  it('rejects a version other than 4 under ethertype 0800', () => {
    const pkt = decode(ether({ ...MACS, type: EtherType.IPV4 }, v6Echo));
    expect(pkt.has(L.IP)).toBe(false);
    expect(pkt.has(L.IP6)).toBe(false);
    expect(pkt.notes).toEqual(['malformed IP header']);
  });

  it('keeps the header but decodes no further when the total length is below the header length', () => {
    const ip = Uint8Array.from(v4Echo);
    ip[2] = 0;
    ip[3] = 12;
    const pkt = decode(ethIp(ip));
    expect(pkt.ip.present).toBe(true);
    expect(pkt.ip.payloadLen).toBe(0);
    expect(pkt.notes).toContain('malformed IP header');
    expect(pkt.has(L.ICMP)).toBe(false);
  });

  it('is short, with no checksum verdict, when the options were not captured', () => {
    const frame = ether({ ...MACS, type: EtherType.IPV4, pad: false }, v4Udp).subarray(0, 14 + 22);
    const pkt = decode(frame);
    expect(pkt.ip.present).toBe(true);
    expect(pkt.ip.short).toBe(true);
    expect(pkt.ip.checksumOk).toBeNull();
    expect(pkt.notes).toEqual(['short packet']);
    const r = render(pkt);
    expect(r.summary).toContain('LEN=36?');
    expect(r.detail.some((l) => l.startsWith('Options'))).toBe(false);
    expect(r.json.ip).toMatchObject({ cksumOk: null });
  });

  it('notes an option whose length runs past the header', () => {
    const ip = Uint8Array.from(v4Udp);
    ip[21] = 9; // Router Alert claiming 9 bytes in a 4-byte options area
    const pkt = decode(ethIp(ip));
    expect(pkt.ip.routerAlert).toBe(false);
    expect(pkt.notes).toContain('malformed IP options');
    expect(render(pkt).detail).toContain('  - Router alert (9 bytes?)');
  });

  it('notes an option with a zero length', () => {
    const ip = Uint8Array.from(v4Udp);
    ip[20] = 0x44; // timestamp type
    ip[21] = 0;
    const pkt = decode(ethIp(ip));
    expect(pkt.notes).toContain('malformed IP options');
    expect(render(pkt).detail).toContain('  - Incomplete option len 0');
  });
});

describe('malformed IPv6', () => {
  function ethIp6(ip: Uint8Array): Uint8Array {
    return ether({ ...MACS, type: EtherType.IPV6, pad: false }, ip);
  }

  it('rejects a version other than 6', () => {
    const ip = Uint8Array.from(v6Echo);
    ip[0] = 0x40;
    const pkt = decode(ethIp6(ip));
    expect(pkt.has(L.IP6)).toBe(false);
    expect(pkt.notes).toEqual(['malformed IPv6 header']);
  });

  it('is short when an extension header is cut, and stops there', () => {
    const frame = ethIp6(v6Chain);
    const pkt = decode(frame.subarray(0, 14 + 40 + 8 + 4));
    expect(pkt.ip6.present).toBe(true);
    expect(pkt.ip6.short).toBe(true);
    expect(pkt.ip6.extCount).toBe(1);
    expect(pkt.ip6.upperProto).toBe(IpProto.DSTOPTS);
    expect(pkt.ip6.payloadOff).toBe(14 + 48);
    expect(pkt.notes).toEqual(['short packet']);
  });

  it('notes extension headers that run past the payload length', () => {
    const ip = Uint8Array.from(v6Chain);
    ip[4] = 0;
    ip[5] = 8; // payload length covers only the hop-by-hop header
    const pkt = decode(ethIp6(ip));
    expect(pkt.ip6.extCount).toBe(4);
    expect(pkt.notes).toEqual(['malformed IPv6 header']);
    expect(pkt.has(L.UDP)).toBe(false);
  });

  it('notes a hop-by-hop option that overruns its header', () => {
    const ip = Uint8Array.from(v6Chain);
    ip[40 + 3] = 9; // Router Alert option length 9 inside an 8-byte header
    const pkt = decode(ethIp6(ip));
    expect(pkt.ip6.routerAlert).toBe(false);
    expect(pkt.notes).toContain('malformed IPv6 options');
    expect(render(pkt).detail).toContain('Hop-by-hop options: option 5 truncated');
  });

  it('stops after MAX_EXT_HEADERS extension headers', () => {
    const ext = Array.from({ length: 9 }, () => ({ type: IpProto.DSTOPTS, body: hex('00 01040000 0000') }));
    const pkt = decode(ethIp6(ipv6({ src: '2001:db8::1', dst: '2001:db8::2', nxt: IpProto.UDP, ext }, udp({ sport: 1, dport: 2 }, new Uint8Array(0)))));
    expect(pkt.ip6.extCount).toBe(8);
    expect(pkt.ip6.upperProto).toBe(IpProto.DSTOPTS);
    expect(pkt.notes).toEqual(['malformed: too many IPv6 extension headers']);
    expect(pkt.has(L.UDP)).toBe(false);
  });

  it('is short but present when the payload length claims more than was captured', () => {
    const pkt = decode(ethIp6(v6Echo).subarray(0, 14 + 40 + 2));
    expect(pkt.ip6.present).toBe(true);
    expect(pkt.ip6.short).toBe(true);
    expect(pkt.ip6.payloadLen).toBe(8);
  });
});

describe('malformed link layers', () => {
  it('notes a VLAN tag cut short', () => {
    const frame = ether({ ...MACS, type: EtherType.IPV4, vlan: [5] }, v4Echo).subarray(0, 16);
    const pkt = decode(frame);
    expect(pkt.eth.present).toBe(true);
    expect(pkt.eth.short).toBe(true);
    expect(pkt.eth.vlanCount).toBe(0);
    expect(pkt.notes).toEqual(['short packet']);
    expect(render(pkt).layers[0]).toBe('ETHER Type=8100 (VLAN), size=16 bytes');
  });

  it('notes an 802.3 frame cut inside its LLC header', () => {
    const pkt = decode(hex('0180c2000000 080020010203 0026 42'));
    expect(pkt.eth.llc).toBe(true);
    expect(pkt.eth.short).toBe(true);
    expect(pkt.notes).toEqual(['short packet']);
    expect(render(pkt).layers[0]).toBe('ETHER 802.3 SSAP ?? DSAP ??, size=15 bytes');
  });

  it('notes cooked headers cut short', () => {
    for (const [lt, len] of [[LinkType.LINUX_SLL, 15], [LinkType.LINUX_SLL2, 19]] as const) {
      const pkt = decode(new Uint8Array(len), lt);
      expect(pkt.layers).toBe(0);
      expect(pkt.sll.short).toBe(true);
      expect(pkt.notes).toEqual(['short packet']);
    }
  });

  it('notes NULL and RAW frames too short for their header', () => {
    expect(decode(hex('020000'), LinkType.NULL).notes).toEqual(['short packet']);
    expect(decode(new Uint8Array(0), LinkType.RAW).notes).toEqual(['short packet']);
    expect(decode(hex('4500'), LinkType.RAW).notes).toEqual(['short packet']);
  });

  it('clips a batch entry whose capture length overruns its buffer', () => {
    const batch = batchFor(v4Echo.subarray(0, 30));
    batch.capLen[0] = 200;
    const pkt = new Packet();
    decodeFrame(pkt, batch, 0, LinkType.IPV4, 1);
    expect(pkt.end).toBe(30);
    expect(snapshot(pkt)).toEqual(snapshot(decode(v4Echo.subarray(0, 30), LinkType.IPV4, { wireLen: 0 })));
  });
});
