import { beforeAll, describe, expect, it } from 'vitest';
import { Direction, LinkType, PacketType } from '../../src/capture/frame.js';
import { arp, ether, EtherType, icmpEcho, IpProto, ipv4, ipv6, icmp6Echo, udp } from '../../src/craft/frames.js';
import { L } from '../../src/decode/packet.js';
import { linkDestinationName } from '../../src/output/render/ethernet.js';
import { concatBytes, decode, hex, linkAndNetworkLayers, render } from './l3-harness.js';

const A = '0:11:22:33:44:55';
const SUN = '8:0:20:1:2:3';

function echoFrame(o: { vlan?: number[]; qinq?: boolean; dst?: string } = {}): Uint8Array {
  const ip = ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: IpProto.ICMP, id: 4711, ttl: 64 }, icmpEcho({ id: 1, seq: 0, data: new Uint8Array(56) }));
  return ether({ dst: o.dst ?? A, src: SUN, type: EtherType.IPV4, vlan: o.vlan, qinq: o.qinq }, ip);
}

beforeAll(() => {
  // snoop prints local time; pin the zone so the arrival-time lines are deterministic.
  process.env.TZ = 'UTC';
});

describe('Ethernet II', () => {
  it('decodes addresses, type and payload offset', () => {
    const pkt = decode(echoFrame());
    expect(pkt.has(L.ETH)).toBe(true);
    expect(pkt.eth.type).toBe(0x0800);
    expect(pkt.eth.dstOff).toBe(0);
    expect(pkt.eth.srcOff).toBe(6);
    expect(pkt.eth.payloadOff).toBe(14);
    expect(pkt.eth.vlanCount).toBe(0);
    expect(pkt.has(L.IP)).toBe(true);
    expect(pkt.ip.off).toBe(14);
  });

  it('renders the -V line and the -v Ether Header block like snoop', () => {
    const tsSec = Date.UTC(2024, 0, 2, 10, 15, 3) / 1000;
    const pkt = decode(echoFrame(), LinkType.ETHERNET, { tsSec, tsNsec: 123_456_789, number: 3 });
    const r = render(pkt);
    expect(r.layers[0]).toBe('ETHER Type=0800 (IP), size=98 bytes');
    expect(r.detail.slice(0, 7)).toEqual([
      'ETHER:  ----- Ether Header -----',
      'Packet 3 arrived at 10:15:3.12345',
      'Packet size = 98 bytes',
      'Destination = 0:11:22:33:44:55, ',
      'Source      = 8:0:20:1:2:3, Sun',
      'Ethertype = 0800 (IP)',
      'IP:   ----- IP Header -----',
    ]);
    expect(r.json.eth).toEqual({ src: '08:00:20:01:02:03', dst: '00:11:22:33:44:55', type: 0x0800, vlan: [] });
  });

  it('shows the wire length in size= and the captured length in Packet size', () => {
    const frame = echoFrame();
    const pkt = decode(frame.subarray(0, 60), LinkType.ETHERNET, { wireLen: 98 });
    const r = render(pkt);
    expect(r.layers[0]).toBe('ETHER Type=0800 (IP), size=98 bytes');
    expect(r.detail).toContain('Packet size = 60 bytes');
  });

  it('names broadcast and multicast destinations', () => {
    const bcast = decode(echoFrame({ dst: 'ff:ff:ff:ff:ff:ff' }));
    expect(linkDestinationName(bcast)).toBe('(broadcast)');
    expect(render(bcast).detail).toContain('Destination = ff:ff:ff:ff:ff:ff, (broadcast)');
    const mcast = decode(echoFrame({ dst: '01:00:5e:00:00:16' }));
    expect(linkDestinationName(mcast)).toBe('(multicast)');
    expect(render(mcast).detail).toContain('Destination = 1:0:5e:0:0:16, (multicast)');
    expect(linkDestinationName(decode(echoFrame()))).toBeNull();
  });

  it('names unknown and 802.3-length types as snoop does', () => {
    const frame = ether({ dst: A, src: SUN, type: 0x1234 }, new Uint8Array(46));
    expect(render(decode(frame)).layers[0]).toBe('ETHER Type=1234 (Unknown), size=60 bytes');
    const lldp = ether({ dst: '01:80:c2:00:00:0e', src: SUN, type: 0x88cc }, new Uint8Array(46));
    expect(render(decode(lldp)).layers[0]).toBe('ETHER Type=88CC (LLDP), size=60 bytes');
  });
});

describe('802.1Q and 802.1ad tags', () => {
  it('decodes one 802.1Q tag and shows VLAN ID and priority', () => {
    const frame = echoFrame({ vlan: [100] });
    frame[14] |= 0xa0; // priority 5 in the TCI
    const pkt = decode(frame);
    expect(pkt.eth.vlanCount).toBe(1);
    expect(pkt.eth.vlanTpid[0]).toBe(EtherType.VLAN);
    expect(pkt.eth.vlanTci[0] & 0x0fff).toBe(100);
    expect(pkt.eth.type).toBe(0x0800);
    expect(pkt.eth.payloadOff).toBe(18);
    expect(pkt.ip.present).toBe(true);
    const r = render(pkt);
    expect(r.layers[0]).toBe('ETHER Type=0800 (IP), VLAN ID=100, size=102 bytes');
    expect(r.detail).toContain('VLAN ID     = 100');
    expect(r.detail).toContain('VLAN Priority = 5');
    expect(r.json.eth).toMatchObject({ vlan: [100], type: 0x0800 });
  });

  it('decodes a QinQ stack outer to inner', () => {
    const pkt = decode(echoFrame({ vlan: [10, 20], qinq: true }));
    expect(pkt.eth.vlanCount).toBe(2);
    expect(pkt.eth.vlanTpid[0]).toBe(EtherType.QINQ);
    expect(pkt.eth.vlanTpid[1]).toBe(EtherType.VLAN);
    expect(pkt.eth.payloadOff).toBe(22);
    expect(pkt.ip.present).toBe(true);
    expect(pkt.ip.src).toBe(0xc0000201);
    const r = render(pkt);
    expect(r.layers[0]).toBe('ETHER Type=0800 (IP), VLAN ID=10/20, size=106 bytes');
    expect(r.json.eth).toMatchObject({ vlan: [10, 20] });
  });

  it('accepts MAX_VLAN_TAGS tags and notes a deeper stack without decoding it', () => {
    const inner = ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: IpProto.UDP }, udp({ sport: 1, dport: 2 }, new Uint8Array(4)));
    const four = decode(ether({ dst: A, src: SUN, type: EtherType.IPV4, vlan: [1, 2, 3, 4] }, inner));
    expect(four.eth.vlanCount).toBe(4);
    expect(four.ip.present).toBe(true);
    expect(four.notes).toEqual([]);
    const five = decode(ether({ dst: A, src: SUN, type: EtherType.IPV4, vlan: [1, 2, 3, 4, 5] }, inner));
    expect(five.eth.vlanCount).toBe(4);
    expect(five.ip.present).toBe(false);
    expect(five.notes).toEqual(['malformed: too many VLAN tags']);
  });
});

describe('802.3 with LLC', () => {
  it('shows a plain LLC frame with snoop\'s SSAP/DSAP wording', () => {
    // STP BPDU: DSAP 42, SSAP 42, UI.
    const frame = concatBytes(hex('0180c2000000 080020010203 0026 424203'), new Uint8Array(43));
    const pkt = decode(frame);
    expect(pkt.eth.llc).toBe(true);
    expect(pkt.eth.type).toBe(0x26);
    expect(pkt.eth.dsap).toBe(0x42);
    expect(pkt.eth.ssap).toBe(0x42);
    expect(pkt.eth.llcCtrl).toBe(3);
    expect(pkt.eth.payloadOff).toBe(17);
    const r = render(pkt);
    expect(r.layers[0]).toBe('ETHER 802.3 SSAP 42 DSAP 42, size=60 bytes');
    expect(r.detail).toContain('IEEE 802.3 length = 38 bytes');
    expect(r.detail).toContain('SSAP = 42, DSAP = 42, CTRL = 03');
    expect(r.detail.some((l) => l.startsWith('Ethertype'))).toBe(false);
  });

  it('decodes IP carried in SNAP', () => {
    const ip = ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: IpProto.ICMP, id: 9 }, icmpEcho({ id: 1, seq: 1 }));
    const frame = concatBytes(hex(`001122334455 080020010203 ${(8 + ip.length).toString(16).padStart(4, '0')} aaaa03 000000 0800`), ip);
    const pkt = decode(frame);
    expect(pkt.eth.llc).toBe(true);
    expect(pkt.eth.snapOui).toBe(0);
    expect(pkt.eth.snapType).toBe(0x0800);
    expect(pkt.eth.payloadOff).toBe(22);
    expect(pkt.ip.present).toBe(true);
    expect(pkt.ip.id).toBe(9);
    const r = render(pkt);
    expect(r.layers[0]).toBe(`ETHER Type=0800 (IP), size=${frame.length} bytes`);
    expect(r.detail).toContain(`IEEE 802.3 length = ${8 + ip.length} bytes`);
    expect(r.detail).toContain('Ethertype = 0800 (IP)');
  });
});

describe('runts', () => {
  it('notes a frame shorter than an Ethernet header and decodes nothing', () => {
    const pkt = decode(hex('0011223344550800'));
    expect(pkt.layers).toBe(0);
    expect(pkt.eth.short).toBe(true);
    expect(pkt.notes).toEqual(['short packet']);
  });
});

describe('Linux cooked captures', () => {
  const ip = ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: IpProto.ICMP, id: 5 }, icmpEcho({ id: 2, seq: 3 }));

  it('decodes SLL v1 and takes the packet type and direction from it', () => {
    // pkttype 4 (outgoing), ARPHRD_ETHER, 6-byte address, 2 pad bytes, protocol 0800.
    const frame = concatBytes(hex('0004 0001 0006 080020010203 0000 0800'), ip);
    const pkt = decode(frame, LinkType.LINUX_SLL);
    expect(pkt.has(L.SLL)).toBe(true);
    expect(pkt.sll.version).toBe(1);
    expect(pkt.sll.pktType).toBe(PacketType.OUTGOING);
    expect(pkt.sll.hatype).toBe(1);
    expect(pkt.sll.addrLen).toBe(6);
    expect(pkt.sll.addrOff).toBe(6);
    expect(pkt.sll.protocol).toBe(0x0800);
    expect(pkt.sll.payloadOff).toBe(16);
    expect(pkt.pktType).toBe(PacketType.OUTGOING);
    expect(pkt.direction).toBe(Direction.OUT);
    expect(pkt.ip.present).toBe(true);
    const r = render(pkt);
    expect(r.layers[0]).toBe(`SLL Type=0800 (IP), Pkttype=outgoing, size=${frame.length} bytes`);
    expect(r.detail).toContain('Source      = 8:0:20:1:2:3');
    expect(r.json.sll).toEqual({ version: 1, pktType: 4, hatype: 1, src: '08:00:20:01:02:03', protocol: 0x0800 });
  });

  it('keeps the source\'s packet type and direction when it knew them', () => {
    const frame = concatBytes(hex('0004 0001 0006 080020010203 0000 0800'), ip);
    const pkt = decode(frame, LinkType.LINUX_SLL, { pktType: PacketType.HOST, direction: Direction.IN });
    expect(pkt.pktType).toBe(PacketType.HOST);
    expect(pkt.direction).toBe(Direction.IN);
  });

  it('decodes SLL2 with the interface index and a broadcast packet type', () => {
    const a = arp({ op: 1, sha: SUN, spa: '192.0.2.1', tha: '0:0:0:0:0:0', tpa: '192.0.2.2' });
    const frame = concatBytes(hex('0806 0000 00000007 0001 01 06 080020010203 0000'), a);
    const pkt = decode(frame, LinkType.LINUX_SLL2);
    expect(pkt.sll.version).toBe(2);
    expect(pkt.sll.protocol).toBe(0x0806);
    expect(pkt.sll.ifIndex).toBe(7);
    expect(pkt.sll.pktType).toBe(PacketType.BROADCAST);
    expect(pkt.sll.payloadOff).toBe(20);
    expect(pkt.has(L.ARP)).toBe(true);
    expect(pkt.arp.tpa).toBe(0xc0000202);
    expect(linkDestinationName(pkt)).toBe('(broadcast)');
    expect(render(pkt).detail).toContain('Interface index = 7');
  });

  it('steps over a VLAN tag libpcap re-inserted after the cooked header', () => {
    const frame = concatBytes(hex('0000 0001 0006 080020010203 0000 8100 0064 0800'), ip);
    const pkt = decode(frame, LinkType.LINUX_SLL);
    expect(pkt.ip.present).toBe(true);
    expect(pkt.ip.off).toBe(20);
  });

  it('leaves Linux pseudo protocols (802.2 LLC) undecoded', () => {
    const frame = concatBytes(hex('0000 0001 0006 080020010203 0000 0004'), hex('424203'), new Uint8Array(40));
    const pkt = decode(frame, LinkType.LINUX_SLL);
    expect(pkt.layers).toBe(L.SLL);
    expect(pkt.notes).toEqual([]);
  });
});

describe('NULL and LOOP', () => {
  const v4 = ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: IpProto.ICMP }, icmpEcho({ id: 1, seq: 1 }));
  const v6 = ipv6({ src: '2001:db8::1', dst: '2001:db8::2', nxt: IpProto.ICMPV6 }, icmp6Echo({ id: 1, seq: 1 }));

  it('reads AF_INET in either byte order', () => {
    for (const af of ['02000000', '00000002']) {
      for (const lt of [LinkType.NULL, LinkType.LOOP]) {
        const pkt = decode(concatBytes(hex(af), v4), lt);
        expect(linkAndNetworkLayers(pkt)).toBe(L.IP);
        expect(pkt.ip.off).toBe(4);
      }
    }
  });

  it('accepts every AF_INET6 value in either byte order', () => {
    for (const af of [10, 24, 28, 30]) {
      const le = hex(af.toString(16).padStart(2, '0') + '000000');
      const be = hex('000000' + af.toString(16).padStart(2, '0'));
      for (const head of [le, be]) {
        const pkt = decode(concatBytes(head, v6), LinkType.NULL);
        expect(linkAndNetworkLayers(pkt)).toBe(L.IP6);
        expect(pkt.ip6.off).toBe(4);
      }
    }
  });

  it('decodes nothing for another family', () => {
    const pkt = decode(concatBytes(hex('07000000'), v4), LinkType.NULL);
    expect(pkt.layers).toBe(0);
  });
});

describe('raw IP link types', () => {
  const v4 = ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: IpProto.ICMP }, icmpEcho({ id: 1, seq: 1 }));
  const v6 = ipv6({ src: '2001:db8::1', dst: '2001:db8::2', nxt: IpProto.ICMPV6 }, icmp6Echo({ id: 1, seq: 1 }));

  it('dispatches RAW by the version nibble', () => {
    expect(linkAndNetworkLayers(decode(v4, LinkType.RAW))).toBe(L.IP);
    expect(linkAndNetworkLayers(decode(v6, LinkType.RAW))).toBe(L.IP6);
    const bad = decode(hex('5000000000'), LinkType.RAW);
    expect(bad.layers).toBe(0);
    expect(bad.notes).toEqual(['malformed IP header']);
  });

  it('decodes IPV4 and IPV6 link types directly', () => {
    expect(decode(v4, LinkType.IPV4).ip.present).toBe(true);
    expect(decode(v6, LinkType.IPV6).ip6.present).toBe(true);
  });

  it('copies the frame metadata into the packet', () => {
    const pkt = decode(v4, LinkType.IPV4, { tsSec: 1700000000, tsNsec: 42, number: 17, wireLen: 1000, lead: 3 });
    expect(pkt.tsSec).toBe(1700000000);
    expect(pkt.tsNsec).toBe(42);
    expect(pkt.number).toBe(17);
    expect(pkt.wireLen).toBe(1000);
    expect(pkt.linkType).toBe(LinkType.IPV4);
    expect(pkt.start).toBe(3);
    expect(pkt.capLen).toBe(v4.length);
    expect(pkt.ip.off).toBe(3);
  });

  it('decodes nothing for an unknown link type', () => {
    const pkt = decode(v4, 147);
    expect(pkt.layers).toBe(0);
    expect(pkt.notes).toEqual([]);
  });
});
