// The frame builders are the ground truth for every other test, so check them against an
// independent dissector: tshark must see the fields we set and agree every checksum is right.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as c from '../../src/craft/frames.js';
import { pcapFileBytes } from '../helpers/pcap-file.js';
import { requireCommandInCi } from '../helpers/tools.js';

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';

const frames = [
  c.ether({ dst: B, src: A, type: c.EtherType.IPV4 }, c.ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: c.IpProto.ICMP, ttl: 1 }, c.icmpEcho({ id: 0xd202, seq: 17, data: c.probePayload({ kind: 'UNI', format: 'ms32', ts: 1234n }) }))),
  c.ether({ dst: B, src: A, type: c.EtherType.IPV6 }, c.ipv6({ src: 'fe80::a', dst: 'fe80::b', nxt: c.IpProto.ICMPV6, hopLimit: 1 }, c.icmp6Echo({ id: 7, seq: 1 }))),
  c.ether({ dst: c.ipv4MulticastMac('224.0.0.22'), src: A, type: c.EtherType.IPV4 }, c.ipv4({ src: '192.0.2.1', dst: '224.0.0.22', proto: c.IpProto.IGMP, ttl: 1, tos: 0xc0, routerAlert: true }, c.igmpv3Report([{ type: c.RecordType.CHANGE_TO_EXCLUDE, group: '239.1.2.3' }, { type: c.RecordType.ALLOW_NEW_SOURCES, group: '239.1.2.4', sources: ['198.51.100.7'] }]))),
  c.ether({ dst: c.ipv6MulticastMac('ff02::16'), src: A, type: c.EtherType.IPV6 }, c.ipv6({ src: 'fe80::a', dst: 'ff02::16', nxt: c.IpProto.ICMPV6, hopLimit: 1, routerAlert: 'padn' }, c.mldv2Report([{ type: c.RecordType.MODE_IS_EXCLUDE, group: 'ff15::1234' }]))),
  c.ether({ dst: B, src: A, type: c.EtherType.IPV4, vlan: [100] }, c.ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: c.IpProto.UDP }, c.udp({ sport: 5000, dport: 53 }, new Uint8Array([1, 2, 3])))),
  c.ether({ dst: B, src: A, type: c.EtherType.IPV6 }, c.ipv6({ src: '2001:db8::1', dst: '2001:db8::2', nxt: c.IpProto.TCP }, c.tcp({ sport: 40000, dport: 22, flags: c.TcpFlag.SYN, seq: 99 }))),
  c.ether({ dst: 'ff:ff:ff:ff:ff:ff', src: A, type: c.EtherType.ARP }, c.arp({ op: 1, sha: A, spa: '192.0.2.1', tha: '00:00:00:00:00:00', tpa: '192.0.2.2' })),
  c.ether({ dst: B, src: A, type: c.EtherType.IPV6 }, c.ipv6({ src: 'fe80::a', dst: 'ff02::1:ff00:b', nxt: c.IpProto.ICMPV6, hopLimit: 255 }, c.ndSolicit('fe80::b', A))),
];

describe.runIf(requireCommandInCi('tshark'))('frame builders agree with tshark', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dls-craft-'));
  const file = join(dir, 'craft.pcap');
  writeFileSync(file, pcapFileBytes(frames));
  const fields = ['frame.protocols', 'ip.checksum.status', 'icmp.checksum.status', 'icmpv6.checksum.status', 'igmp.checksum.status', 'udp.checksum.status', 'tcp.checksum.status', 'vlan.id', 'icmpv6.mldr.mar.multicast_address', 'igmp.maddr'];
  const out = execFileSync('tshark', ['-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8' })
    .trim().split('\n').map((l) => l.split('|'));

  it('dissects every frame as the protocols we built', () => {
    expect(out.map((r) => r[0])).toEqual([
      'eth:ethertype:ip:icmp:data',
      'eth:ethertype:ipv6:icmpv6',
      'eth:ethertype:ip:igmp:igmp', // tshark lists igmp once per v3 group record
      'eth:ethertype:ipv6:ipv6.hopopts:icmpv6',
      'eth:ethertype:vlan:ethertype:ip:udp:dns',
      'eth:ethertype:ipv6:tcp',
      'eth:ethertype:arp',
      'eth:ethertype:ipv6:icmpv6',
    ]);
  });

  it('computes every checksum correctly (tshark status 1 = good)', () => {
    const statuses = out.flatMap((r) => r.slice(1, 7)).filter((s) => s !== '');
    expect(statuses.length).toBeGreaterThan(8);
    expect(new Set(statuses)).toEqual(new Set(['1']));
  });

  it('places VLAN ids and group addresses where tshark finds them', () => {
    expect(out[4][7]).toBe('100');
    expect(out[3][8]).toBe('ff15::1234');
    expect(out[2][9]).toBe('239.1.2.3,239.1.2.4');
  });
});
