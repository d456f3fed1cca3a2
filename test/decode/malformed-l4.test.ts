// Every upper-layer message cut at every length, decoded twice: once in a buffer that ends at the
// cut and once with 0xEE garbage after it. Nothing may throw, and the garbage must change nothing
// (a decoder or renderer that reads past `end` would see it).
import { describe, expect, it } from 'vitest';
import {
  icmp, icmp6, icmp6Echo, icmpEcho, igmp, igmpv3Query, igmpv3Report, ip6, ipv4, IpProto, mldv1, mldv2Query, mldv2Report,
  ndAdvert, ndSolicit, probePayload, tcp, TcpFlag, udp,
} from '../../src/craft/frames.js';
import type { Packet } from '../../src/decode/packet.js';
import { concatBytes } from './l3-harness.js';
import { decodeL4, icmp6Frame, icmpFrame, igmpFrame, mldFrame, renderL4, v4Frame, v6Frame } from './l4-harness.js';

const quoted = ipv4({ src: '192.0.2.2', dst: '198.51.100.7', proto: IpProto.UDP }, udp({ sport: 1, dport: 53 }, new Uint8Array(0)));

const FRAMES: Record<string, Uint8Array> = {
  echo: icmpFrame(icmpEcho({ id: 1, seq: 2, data: new Uint8Array(20) })),
  probeMs32: icmpFrame(icmpEcho({ id: 1, seq: 2, data: probePayload({ kind: 'UNI', format: 'ms32', ts: 9n }) })),
  unreach: icmpFrame(icmp(3, 3, concatBytes(new Uint8Array(4), quoted))),
  redirect: icmpFrame(icmp(5, 1, concatBytes(Uint8Array.from([192, 0, 2, 254]), quoted))),
  routerAdv: icmpFrame(icmp(9, 0, Uint8Array.from([2, 2, 7, 8, 192, 0, 2, 1, 0, 0, 0, 0, 192, 0, 2, 2, 0, 0, 0, 1]))),
  echo6: icmp6Frame(icmp6Echo({ id: 1, seq: 2, data: new Uint8Array(10) })),
  probeNs64: icmp6Frame(icmp6Echo({ id: 1, seq: 2, data: probePayload({ kind: 'MULTI', format: 'ns64', ts: 99n, size: 24 }) })),
  ns: icmp6Frame(ndSolicit('2001:db8::2', '02:00:00:00:00:01')),
  na: icmp6Frame(ndAdvert('2001:db8::2', 0xe0, '02:00:00:00:00:01')),
  ra: icmp6Frame(icmp6(134, 0, concatBytes(new Uint8Array(12), Uint8Array.from([5, 1, 0, 0, 0, 0, 5, 220]), Uint8Array.from([25, 3, 0, 0, 0, 0, 0, 9]), ip6('2001:db8::53')))),
  redirect6: icmp6Frame(icmp6(137, 0, concatBytes(new Uint8Array(4), ip6('fe80::9'), ip6('2001:db8::5')))),
  tooBig: icmp6Frame(icmp6(2, 0, concatBytes(Uint8Array.from([0, 0, 5, 0]), new Uint8Array(48)))),
  mldv1: mldFrame(mldv1({ type: 131, group: 'ff05::1:3' })),
  mldv2q: mldFrame(mldv2Query({ mrc: 0x9000, group: 'ff05::1', sources: ['2001:db8::1', '2001:db8::2'] })),
  mldv2r: mldFrame(mldv2Report([{ type: 4, group: 'ff02::fb' }, { type: 1, group: 'ff05::1', sources: ['2001:db8::1', '2001:db8::2'] }])),
  igmpv2: igmpFrame(igmp({ type: 0x16, group: '239.1.1.1' })),
  igmpv3q: igmpFrame(igmpv3Query({ mrc: 0x8c, group: '239.1.1.1', sources: ['192.0.2.1', '192.0.2.2'] })),
  igmpv3r: igmpFrame(igmpv3Report([{ type: 1, group: '239.1.1.1', sources: ['192.0.2.1'] }, { type: 6, group: '239.1.1.2', sources: ['192.0.2.3'] }])),
  udp4: v4Frame(IpProto.UDP, udp({ sport: 1, dport: 2 }, new Uint8Array(30))),
  udp6: v6Frame(IpProto.UDP, udp({ sport: 1, dport: 2 }, new Uint8Array(30))),
  tcp4: v4Frame(IpProto.TCP, tcp({ sport: 1, dport: 2, seq: 3, flags: TcpFlag.SYN, options: Uint8Array.from([2, 4, 5, 0xb4, 4, 2, 1, 0]) }, new Uint8Array(9))),
  tcp6: v6Frame(IpProto.TCP, tcp({ sport: 1, dport: 2, seq: 3, ack: 4, flags: TcpFlag.ACK | TcpFlag.PSH }, new Uint8Array(9))),
};

/** Everything observable about a decode: layers, notes, rendered text and JSON, fields with relative offsets. */
function observe(pkt: Packet): unknown {
  const fields: Record<string, unknown> = {};
  for (const key of ['icmp', 'icmp6', 'igmp', 'mld', 'udp', 'tcp', 'probe'] as const) {
    const layer = pkt[key];
    if (!layer.present) continue;
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(layer)) {
      if (ArrayBuffer.isView(v)) continue;
      o[k] = typeof v === 'number' && /Off$|^off$/.test(k) && v !== 0 ? v - pkt.start : v;
    }
    fields[key] = o;
  }
  return { layers: pkt.layers, notes: [...pkt.notes], fields, rendered: renderL4(pkt) };
}

describe('truncated upper-layer messages', () => {
  for (const [name, frame] of Object.entries(FRAMES)) {
    it(`${name}: every cut decodes without throwing and without reading past the end`, () => {
      const ipEnd = 14 + (frame[12] === 0x86 ? 40 : 20);
      for (let cut = ipEnd - 1; cut <= frame.length; cut++) {
        const part = frame.subarray(0, cut);
        const exact = observe(decodeL4(part));
        const padded = observe(decodeL4(part, { lead: 7, trail: 64 }));
        expect(padded, `${name} cut at ${cut}`).toEqual(exact);
      }
      // The whole frame decodes cleanly.
      expect(decodeL4(frame).notes, name).toEqual([]);
    });
  }

  it('a cut inside a message marks the layer short with one "short packet" note', () => {
    const pkt = decodeL4(FRAMES.mldv2r.subarray(0, FRAMES.mldv2r.length - 10));
    expect(pkt.mld.short).toBe(true);
    expect(pkt.notes.filter((n) => n === 'short packet')).toHaveLength(1);
    expect(pkt.mld.recordCount).toBe(2);
    expect(pkt.mld.recordSourceCount[1]).toBe(1);
    const tcpCut = decodeL4(FRAMES.tcp4.subarray(0, 14 + 20 + 10));
    expect(tcpCut.tcp.short).toBe(true);
    expect(renderL4(tcpCut).summary).toBe('TCP (short packet)');
  });

  it('counts that claim more than the message holds are malformed, not read', () => {
    const report = igmpv3Report([{ type: 1, group: '239.1.1.1', sources: ['192.0.2.1'] }]);
    report[6] = 0xff; // 65280+ records claimed
    report[7] = 0xff;
    const pkt = decodeL4(igmpFrame(report));
    expect(pkt.igmp.recordCount).toBe(1);
    expect(pkt.notes).toContain('malformed IGMPv3 report');
    const q = mldv2Query({ mrc: 1, group: 'ff05::1', sources: ['2001:db8::1'] });
    q[4 + 22] = 0x10; // 4096+ sources claimed
    const m = decodeL4(mldFrame(q));
    expect(m.mld.sourceCount).toBe(1);
    expect(m.notes).toContain('malformed MLD query');
  });

  it('an IP header that claims less than the transport header needs is malformed', () => {
    for (const [proto, body] of [[IpProto.ICMP, icmpEcho({ id: 1, seq: 1 })], [IpProto.UDP, udp({ sport: 1, dport: 2 }, new Uint8Array(0))], [IpProto.TCP, tcp({ sport: 1, dport: 2, flags: 2 })], [IpProto.IGMP, igmp({ type: 0x16, group: '239.1.1.1' })]] as const) {
      const pkt = decodeL4(v4Frame(proto, body.subarray(0, 4), { upperChecksum: false }));
      expect(pkt.notes.some((n) => n.startsWith('malformed')), String(proto)).toBe(true);
      expect(() => renderL4(pkt)).not.toThrow();
    }
    const short6 = decodeL4(v6Frame(IpProto.ICMPV6, icmp6(128, 0, new Uint8Array(0))));
    expect(short6.notes).toContain('malformed ICMPv6 header');
    expect(renderL4(short6).summary).toBe('ICMPv6 (short packet)');
  });
});
