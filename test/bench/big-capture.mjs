// The benchmark's probe-heavy Ethernet capture: a mix weighted like a busy IPMP link (probes and
// replies, ARP, IGMP/MLD, some UDP/TCP), built from dlsnoop's own frame builders in dist/.
import { closeSync, openSync, writeSync } from 'node:fs';
import * as c from '../../dist/craft/frames.js';

function mix() {
  const A = '02:00:5e:10:00:0a';
  const R = '02:00:5e:10:00:01';
  const probe = (seq, reply) => c.ether({ dst: reply ? A : R, src: reply ? R : A, type: c.EtherType.IPV4 },
    c.ipv4({ src: reply ? '192.0.2.1' : '192.0.2.10', dst: reply ? '192.0.2.10' : '192.0.2.1', proto: c.IpProto.ICMP, ttl: reply ? 255 : 1 },
      c.icmpEcho({ reply, id: 0xd202, seq, data: c.probePayload({ kind: 'UNI', format: 'ns64', size: 24, ts: BigInt(seq) * 1000000n }) })));
  const frames = [];
  for (let s = 0; s < 8; s++) frames.push(probe(s, false), probe(s, true));
  frames.push(
    c.ether({ dst: 'ff:ff:ff:ff:ff:ff', src: A, type: c.EtherType.ARP }, c.arp({ op: 1, sha: A, spa: '192.0.2.10', tha: '00:00:00:00:00:00', tpa: '192.0.2.1' })),
    c.ether({ dst: R, src: A, type: c.EtherType.IPV4 }, c.ipv4({ src: '192.0.2.10', dst: '192.0.2.1', proto: c.IpProto.ICMP }, c.icmpEcho({ id: 9, seq: 1, data: new Uint8Array(56) }))),
    c.ether({ dst: c.ipv4MulticastMac('239.1.2.3'), src: A, type: c.EtherType.IPV4 }, c.ipv4({ src: '192.0.2.10', dst: '239.1.2.3', proto: c.IpProto.IGMP, ttl: 1, routerAlert: true }, c.igmp({ type: 0x16, group: '239.1.2.3' }))),
    c.ether({ dst: '01:00:5e:00:00:16', src: A, type: c.EtherType.IPV4 }, c.ipv4({ src: '192.0.2.10', dst: '224.0.0.22', proto: c.IpProto.IGMP, ttl: 1, tos: 0xc0, routerAlert: true }, c.igmpv3Report([{ type: c.RecordType.MODE_IS_EXCLUDE, group: '239.1.2.3' }]))),
    c.ether({ dst: c.ipv6MulticastMac('ff15::1234'), src: A, type: c.EtherType.IPV6 }, c.ipv6({ src: 'fe80::a', dst: 'ff15::1234', nxt: c.IpProto.ICMPV6, hopLimit: 1, routerAlert: 'padn' }, c.mldv1({ type: 131, group: 'ff15::1234' }))),
    c.ether({ dst: '33:33:00:00:00:16', src: A, type: c.EtherType.IPV6 }, c.ipv6({ src: 'fe80::a', dst: 'ff02::16', nxt: c.IpProto.ICMPV6, hopLimit: 1, routerAlert: 'padn' }, c.mldv2Report([{ type: c.RecordType.MODE_IS_EXCLUDE, group: 'ff15::1234' }]))),
    c.ether({ dst: R, src: A, type: c.EtherType.IPV4 }, c.ipv4({ src: '192.0.2.10', dst: '198.51.100.53', proto: c.IpProto.UDP }, c.udp({ sport: 40000, dport: 53 }, new Uint8Array(30)))),
    c.ether({ dst: R, src: A, type: c.EtherType.IPV4 }, c.ipv4({ src: '192.0.2.10', dst: '203.0.113.5', proto: c.IpProto.TCP }, c.tcp({ sport: 40001, dport: 22, flags: c.TcpFlag.ACK, seq: 1, ack: 1 }, new Uint8Array(40)))),
  );
  return frames;
}

/** Write `count` packets cycling through the mix, 1 ms apart, as a µs pcap. */
export function writeBigCapture(path, count) {
  const frames = mix();
  const fd = openSync(path, 'w');
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(262144, 16);
  head.writeUInt32LE(1, 20);
  writeSync(fd, head);
  const chunk = Buffer.alloc(8 << 20);
  let used = 0;
  const t0 = 1_750_000_000;
  for (let i = 0; i < count; i++) {
    const f = frames[i % frames.length];
    if (used + 16 + f.length > chunk.length) {
      writeSync(fd, chunk, 0, used);
      used = 0;
    }
    const us = i * 1000;
    chunk.writeUInt32LE(t0 + Math.floor(us / 1e6), used);
    chunk.writeUInt32LE(us % 1e6, used + 4);
    chunk.writeUInt32LE(f.length, used + 8);
    chunk.writeUInt32LE(f.length, used + 12);
    chunk.set(f, used + 16);
    used += 16 + f.length;
  }
  writeSync(fd, chunk, 0, used);
  closeSync(fd);
}
