// Packet.checksums: off, the IPv4 header, ICMP, ICMPv6, UDP and TCP sums are skipped (their
// verdicts stay null and no note is made), while IGMP and MLD are still verified for the ilm
// observer. Every frame here has a wrong checksum, so a verified one reads false.
import { describe, expect, it } from 'vitest';
import { allocBatch, LinkType } from '../../src/capture/frame.js';
import * as c from '../../src/craft/frames.js';
import { decodeFrame } from '../../src/decode/decode.js';
import { Packet } from '../../src/decode/packet.js';

const A = '02:00:00:00:00:01';
const B = '02:00:00:00:00:02';

/** The frame with its last byte changed: whatever checksum covers that byte is now wrong (the
 * frames are past Ethernet's 60-byte minimum, so that byte is the message's, not padding). */
function spoiled(frame: Uint8Array): Uint8Array {
  const out = frame.slice();
  out[out.length - 1] ^= 0xff;
  return out;
}

const v4 = (proto: number, payload: Uint8Array, o: Partial<c.Ipv4Options> = {}) =>
  c.ether({ dst: B, src: A, type: c.EtherType.IPV4 }, c.ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto, ...o }, payload));
const v6 = (nxt: number, payload: Uint8Array, o: Partial<c.Ipv6Options> = {}) =>
  c.ether({ dst: B, src: A, type: c.EtherType.IPV6 }, c.ipv6({ src: 'fe80::1', dst: 'fe80::2', nxt, ...o }, payload));

const FRAMES = {
  ipHeader: v4(c.IpProto.UDP, c.udp({ sport: 1, dport: 2 }, new Uint8Array(4)), { badChecksum: true }),
  icmp: spoiled(v4(c.IpProto.ICMP, c.icmpEcho({ id: 1, seq: 1, data: new Uint8Array(32) }))),
  udp: spoiled(v4(c.IpProto.UDP, c.udp({ sport: 1, dport: 2 }, new Uint8Array(32)))),
  tcp: spoiled(v4(c.IpProto.TCP, c.tcp({ sport: 1, dport: 2, flags: c.TcpFlag.ACK }, new Uint8Array(32)))),
  icmp6: spoiled(v6(c.IpProto.ICMPV6, c.icmp6Echo({ id: 1, seq: 1, data: new Uint8Array(32) }))),
  igmp: v4(c.IpProto.IGMP, c.igmp({ type: 0x16, group: '239.1.1.1', badChecksum: true }), { dst: '239.1.1.1', ttl: 1, routerAlert: true }),
  mld: spoiled(v6(c.IpProto.ICMPV6, c.mldv1({ type: 131, group: 'ff15::1' }), { dst: 'ff15::1', hopLimit: 1, routerAlert: 'padn' })),
};

function decoded(frame: Uint8Array, checksums: boolean): Packet {
  const batch = allocBatch(1);
  batch.bytes = frame;
  batch.count = 1;
  batch.capLen[0] = batch.wireLen[0] = frame.length;
  const pkt = new Packet();
  pkt.checksums = checksums;
  decodeFrame(pkt, batch, 0, LinkType.ETHERNET, 1);
  return pkt;
}

/** Each frame's verdict on the layer whose sum is wrong, and the notes it made. */
function verdicts(checksums: boolean): Record<keyof typeof FRAMES, [boolean | null, string[]]> {
  const v = (name: keyof typeof FRAMES, read: (p: Packet) => boolean | null): [boolean | null, string[]] => {
    const p = decoded(FRAMES[name], checksums);
    return [read(p), p.notes.filter((n) => n.includes('checksum'))];
  };
  return {
    ipHeader: v('ipHeader', (p) => p.ip.checksumOk),
    icmp: v('icmp', (p) => p.icmp.checksumOk),
    udp: v('udp', (p) => p.udp.checksumOk),
    tcp: v('tcp', (p) => p.tcp.checksumOk),
    icmp6: v('icmp6', (p) => p.icmp6.checksumOk),
    igmp: v('igmp', (p) => p.igmp.checksumOk),
    mld: v('mld', (p) => p.mld.checksumOk),
  };
}

describe('Packet.checksums', () => {
  it('on (the default), every wrong sum is found and noted', () => {
    expect(new Packet().checksums).toBe(true);
    expect(verdicts(true)).toEqual({
      ipHeader: [false, ['bad IP checksum']],
      icmp: [false, ['bad ICMP checksum']],
      udp: [false, ['bad UDP checksum']],
      tcp: [false, ['bad TCP checksum']],
      icmp6: [false, ['bad ICMPv6 checksum']],
      igmp: [false, ['bad IGMP checksum']],
      mld: [false, ['bad ICMPv6 checksum']],
    });
  });

  it('off, only IGMP and MLD are verified; the rest stay unverified (null) and unnoted', () => {
    expect(verdicts(false)).toEqual({
      ipHeader: [null, []],
      icmp: [null, []],
      udp: [null, []],
      tcp: [null, []],
      icmp6: [null, []],
      igmp: [false, ['bad IGMP checksum']],
      mld: [false, ['bad ICMPv6 checksum']],
    });
  });
});
