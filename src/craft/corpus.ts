// A corpus of one frame per protocol case dlsnoop decodes: the fixture files, the filter
// differential tests and the benchmark's big capture are all built from it.
import * as c from './frames.js';

export interface CorpusFrame {
  /** What the frame is, for test names and the fixtures README. */
  label: string;
  bytes: Uint8Array;
}

const HOST_A = '02:00:5e:10:00:0a';
const HOST_B = '02:00:5e:10:00:0b';
const ROUTER = '02:00:5e:10:00:01';
const BCAST = 'ff:ff:ff:ff:ff:ff';

function eth4(dst: string, src: string, ip: c.Ipv4Options, payload: Uint8Array, vlan?: number[]): Uint8Array {
  return c.ether({ dst, src, type: c.EtherType.IPV4, vlan }, c.ipv4(ip, payload));
}

function eth6(dst: string, src: string, ip: c.Ipv6Options, payload: Uint8Array): Uint8Array {
  return c.ether({ dst, src, type: c.EtherType.IPV6 }, c.ipv6(ip, payload));
}

export function corpus(): CorpusFrame[] {
  const probe = (kind: 'UNI' | 'MULTI' | 'RTT', format: 'ms32' | 'ns64', size?: 16 | 20 | 24) => c.probePayload({ kind, format, size, ts: 123456789012n });
  return [
    { label: 'ARP request', bytes: c.ether({ dst: BCAST, src: HOST_A, type: c.EtherType.ARP }, c.arp({ op: 1, sha: HOST_A, spa: '192.0.2.10', tha: '00:00:00:00:00:00', tpa: '192.0.2.1' })) },
    { label: 'ARP reply', bytes: c.ether({ dst: HOST_A, src: ROUTER, type: c.EtherType.ARP }, c.arp({ op: 2, sha: ROUTER, spa: '192.0.2.1', tha: HOST_A, tpa: '192.0.2.10' })) },
    { label: 'RARP request', bytes: c.ether({ dst: BCAST, src: HOST_B, type: c.EtherType.RARP }, c.arp({ op: 3, sha: HOST_B, spa: '0.0.0.0', tha: HOST_B, tpa: '0.0.0.0' })) },
    { label: 'ICMP echo request', bytes: eth4(ROUTER, HOST_A, { src: '192.0.2.10', dst: '192.0.2.1', proto: c.IpProto.ICMP, id: 4711 }, c.icmpEcho({ id: 1, seq: 0, data: new Uint8Array(56).fill(0x61) })) },
    { label: 'ICMP echo reply', bytes: eth4(HOST_A, ROUTER, { src: '192.0.2.1', dst: '192.0.2.10', proto: c.IpProto.ICMP }, c.icmpEcho({ reply: true, id: 1, seq: 0, data: new Uint8Array(56).fill(0x61) })) },
    { label: 'mpathd UNI probe ms32', bytes: eth4(ROUTER, HOST_A, { src: '192.0.2.10', dst: '192.0.2.1', proto: c.IpProto.ICMP, ttl: 1 }, c.icmpEcho({ id: 0xd202, seq: 17, data: probe('UNI', 'ms32') })) },
    { label: 'mpathd UNI reply ms32', bytes: eth4(HOST_A, ROUTER, { src: '192.0.2.1', dst: '192.0.2.10', proto: c.IpProto.ICMP }, c.icmpEcho({ reply: true, id: 0xd202, seq: 17, data: probe('UNI', 'ms32') })) },
    { label: 'mpathd UNI probe ns64/24', bytes: eth4(ROUTER, HOST_B, { src: '192.0.2.11', dst: '192.0.2.1', proto: c.IpProto.ICMP, ttl: 1 }, c.icmpEcho({ id: 0xd203, seq: 5, data: probe('UNI', 'ns64', 24) })) },
    { label: 'mpathd MULTI probe', bytes: eth4('01:00:5e:00:00:01', HOST_A, { src: '192.0.2.10', dst: '224.0.0.1', proto: c.IpProto.ICMP, ttl: 1 }, c.icmpEcho({ id: 0xd202, seq: 1, data: probe('MULTI', 'ns64', 20) })) },
    { label: 'mpathd RTT probe v6', bytes: eth6(ROUTER, HOST_A, { src: 'fe80::a', dst: 'fe80::1', nxt: c.IpProto.ICMPV6, hopLimit: 1 }, c.icmp6Echo({ id: 0xd202, seq: 18, data: probe('RTT', 'ns64', 24) })) },
    { label: 'ICMP port unreachable', bytes: eth4(HOST_A, ROUTER, { src: '192.0.2.1', dst: '192.0.2.10', proto: c.IpProto.ICMP }, c.icmp(3, 3, new Uint8Array([0, 0, 0, 0, ...c.ipv4({ src: '192.0.2.10', dst: '192.0.2.1', proto: c.IpProto.UDP }, c.udp({ sport: 33000, dport: 53 }, new Uint8Array(4))).subarray(0, 28)]))) },
    { label: 'ICMP time exceeded', bytes: eth4(HOST_A, ROUTER, { src: '192.0.2.1', dst: '192.0.2.10', proto: c.IpProto.ICMP }, c.icmp(11, 0, new Uint8Array([0, 0, 0, 0, ...c.ipv4({ src: '192.0.2.10', dst: '203.0.113.9', proto: c.IpProto.UDP, ttl: 1 }, c.udp({ sport: 33434, dport: 33435 }, new Uint8Array(0)))]))) },
    { label: 'ICMP bad checksum', bytes: eth4(ROUTER, HOST_A, { src: '192.0.2.10', dst: '192.0.2.1', proto: c.IpProto.ICMP }, c.icmp(8, 0, new Uint8Array([0, 9, 0, 1]), true)) },
    { label: 'IPv6 echo request', bytes: eth6(ROUTER, HOST_A, { src: '2001:db8::a', dst: '2001:db8::1', nxt: c.IpProto.ICMPV6 }, c.icmp6Echo({ id: 7, seq: 1 })) },
    { label: 'IPv6 echo reply', bytes: eth6(HOST_A, ROUTER, { src: '2001:db8::1', dst: '2001:db8::a', nxt: c.IpProto.ICMPV6 }, c.icmp6Echo({ reply: true, id: 7, seq: 1 })) },
    { label: 'ND neighbor solicitation', bytes: eth6(c.ipv6MulticastMac('ff02::1:ff00:1'), HOST_A, { src: 'fe80::a', dst: 'ff02::1:ff00:1', nxt: c.IpProto.ICMPV6, hopLimit: 255 }, c.ndSolicit('fe80::1', HOST_A)) },
    { label: 'ND neighbor advertisement', bytes: eth6(HOST_A, ROUTER, { src: 'fe80::1', dst: 'fe80::a', nxt: c.IpProto.ICMPV6, hopLimit: 255 }, c.ndAdvert('fe80::1', 0xe0, ROUTER)) },
    { label: 'IGMPv1 query', bytes: eth4('01:00:5e:00:00:01', ROUTER, { src: '192.0.2.1', dst: '224.0.0.1', proto: c.IpProto.IGMP, ttl: 1 }, c.igmp({ type: 0x11, group: '0.0.0.0' })) },
    { label: 'IGMPv1 report', bytes: eth4(c.ipv4MulticastMac('239.1.1.1'), HOST_A, { src: '192.0.2.10', dst: '239.1.1.1', proto: c.IpProto.IGMP, ttl: 1 }, c.igmp({ type: 0x12, group: '239.1.1.1' })) },
    { label: 'IGMPv2 general query', bytes: eth4('01:00:5e:00:00:01', ROUTER, { src: '192.0.2.1', dst: '224.0.0.1', proto: c.IpProto.IGMP, ttl: 1, routerAlert: true }, c.igmp({ type: 0x11, code: 100, group: '0.0.0.0' })) },
    { label: 'IGMPv2 report', bytes: eth4(c.ipv4MulticastMac('239.1.2.3'), HOST_A, { src: '192.0.2.10', dst: '239.1.2.3', proto: c.IpProto.IGMP, ttl: 1, routerAlert: true }, c.igmp({ type: 0x16, group: '239.1.2.3' })) },
    { label: 'IGMPv2 leave', bytes: eth4('01:00:5e:00:00:02', HOST_A, { src: '192.0.2.10', dst: '224.0.0.2', proto: c.IpProto.IGMP, ttl: 1, routerAlert: true }, c.igmp({ type: 0x17, group: '239.1.2.3' })) },
    { label: 'IGMPv3 general query', bytes: eth4('01:00:5e:00:00:01', ROUTER, { src: '192.0.2.1', dst: '224.0.0.1', proto: c.IpProto.IGMP, ttl: 1, tos: 0xc0, routerAlert: true }, c.igmpv3Query({ mrc: 100, group: '0.0.0.0', qrv: 2, qqic: 125 })) },
    { label: 'IGMPv3 group-and-source query', bytes: eth4(c.ipv4MulticastMac('232.1.1.1'), ROUTER, { src: '192.0.2.1', dst: '232.1.1.1', proto: c.IpProto.IGMP, ttl: 1, tos: 0xc0, routerAlert: true }, c.igmpv3Query({ mrc: 0x8c, group: '232.1.1.1', suppress: true, sources: ['198.51.100.7', '198.51.100.8'] })) },
    {
      label: 'IGMPv3 report (all record types)',
      bytes: eth4('01:00:5e:00:00:16', HOST_A, { src: '192.0.2.10', dst: '224.0.0.22', proto: c.IpProto.IGMP, ttl: 1, tos: 0xc0, routerAlert: true }, c.igmpv3Report([
        { type: c.RecordType.MODE_IS_INCLUDE, group: '232.1.1.1', sources: ['198.51.100.7'] },
        { type: c.RecordType.MODE_IS_EXCLUDE, group: '239.1.2.3' },
        { type: c.RecordType.CHANGE_TO_INCLUDE, group: '239.1.2.4', sources: ['198.51.100.9'] },
        { type: c.RecordType.CHANGE_TO_EXCLUDE, group: '239.1.2.5' },
        { type: c.RecordType.ALLOW_NEW_SOURCES, group: '232.1.1.2', sources: ['198.51.100.7', '198.51.100.8'] },
        { type: c.RecordType.BLOCK_OLD_SOURCES, group: '232.1.1.1', sources: ['198.51.100.7'] },
      ])),
    },
    { label: 'MLDv1 query', bytes: eth6('33:33:00:00:00:01', ROUTER, { src: 'fe80::1', dst: 'ff02::1', nxt: c.IpProto.ICMPV6, hopLimit: 1, routerAlert: 'padn' }, c.mldv1({ type: 130, mrd: 10000, group: '::' })) },
    { label: 'MLDv1 report', bytes: eth6(c.ipv6MulticastMac('ff15::1234'), HOST_A, { src: 'fe80::a', dst: 'ff15::1234', nxt: c.IpProto.ICMPV6, hopLimit: 1, routerAlert: 'pad1' }, c.mldv1({ type: 131, group: 'ff15::1234' })) },
    { label: 'MLDv1 done', bytes: eth6('33:33:00:00:00:02', HOST_A, { src: 'fe80::a', dst: 'ff02::2', nxt: c.IpProto.ICMPV6, hopLimit: 1, routerAlert: 'pad1' }, c.mldv1({ type: 132, group: 'ff15::1234' })) },
    { label: 'MLDv2 query', bytes: eth6('33:33:00:00:00:01', ROUTER, { src: 'fe80::1', dst: 'ff02::1', nxt: c.IpProto.ICMPV6, hopLimit: 1, routerAlert: 'padn' }, c.mldv2Query({ mrc: 10000, group: '::', qrv: 2, qqic: 125 })) },
    { label: 'MLDv2 report', bytes: eth6('33:33:00:00:00:16', HOST_A, { src: 'fe80::a', dst: 'ff02::16', nxt: c.IpProto.ICMPV6, hopLimit: 1, routerAlert: 'padn' }, c.mldv2Report([{ type: c.RecordType.CHANGE_TO_EXCLUDE, group: 'ff15::1234' }, { type: c.RecordType.ALLOW_NEW_SOURCES, group: 'ff35::1', sources: ['2001:db8::7'] }])) },
    { label: 'UDP DNS query on VLAN 100', bytes: eth4(ROUTER, HOST_A, { src: '192.0.2.10', dst: '192.0.2.1', proto: c.IpProto.UDP }, c.udp({ sport: 40000, dport: 53 }, new Uint8Array(20)), [100]) },
    { label: 'QinQ UDP', bytes: c.ether({ dst: ROUTER, src: HOST_B, type: c.EtherType.IPV4, vlan: [200, 300], qinq: true }, c.ipv4({ src: '198.51.100.2', dst: '198.51.100.1', proto: c.IpProto.UDP }, c.udp({ sport: 68, dport: 67 }, new Uint8Array(8)))) },
    { label: 'TCP SYN', bytes: eth4(ROUTER, HOST_A, { src: '192.0.2.10', dst: '203.0.113.5', proto: c.IpProto.TCP, df: true }, c.tcp({ sport: 40001, dport: 22, flags: c.TcpFlag.SYN, seq: 1000 })) },
    { label: 'TCP SYN-ACK over IPv6', bytes: eth6(HOST_A, ROUTER, { src: '2001:db8::5', dst: '2001:db8::a', nxt: c.IpProto.TCP }, c.tcp({ sport: 22, dport: 40001, flags: c.TcpFlag.SYN | c.TcpFlag.ACK, seq: 5000, ack: 1001 })) },
    { label: 'IPv4 fragment', bytes: eth4(ROUTER, HOST_A, { src: '192.0.2.10', dst: '192.0.2.1', proto: c.IpProto.UDP, id: 77, fragOffset: 1480 }, new Uint8Array(40)) },
    { label: 'IPv6 with fragment header', bytes: eth6(ROUTER, HOST_A, { src: '2001:db8::a', dst: '2001:db8::1', nxt: c.IpProto.UDP, ext: [{ type: c.IpProto.FRAGMENT, body: Uint8Array.from([0, 0, 1, 0, 0, 0, 9]) }] }, c.udp({ sport: 1000, dport: 2000 }, new Uint8Array(8))) },
    { label: 'IPv4 bad header checksum', bytes: eth4(ROUTER, HOST_A, { src: '192.0.2.10', dst: '192.0.2.1', proto: c.IpProto.UDP, badChecksum: true }, c.udp({ sport: 1, dport: 2 }, new Uint8Array(4))) },
    { label: 'LLC/SNAP frame', bytes: Uint8Array.from([0x01, 0x80, 0xc2, 0, 0, 0, 0x02, 0, 0x5e, 0x10, 0, 0x0a, 0, 38, 0x42, 0x42, 0x03, ...new Array(43).fill(0)]) },
  ];
}
