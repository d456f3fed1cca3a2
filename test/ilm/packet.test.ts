// End to end through real frames: craft builders → decodeFrame → IlmObserver.observe.
import { describe, expect, it } from 'vitest';
import { Direction } from '../../src/capture/frame.js';
import {
  EtherType, ether, igmp, igmpv3Query, igmpv3Report, ipv4, ipv4MulticastMac, ipv6, ipv6MulticastMac, IpProto, mldv1,
  mldv2Query, mldv2Report, RecordType,
} from '../../src/craft/frames.js';
import type { HostMembership } from '../../src/annotate/ilm/host-tables.js';
import { IlmObserver } from '../../src/annotate/ilm/observer.js';
import { decode } from '../decode/l3-harness.js';

const HOST = '02:00:5e:10:00:01';
const HOST2 = '02:00:5e:10:00:02';
const ROUTER = '02:00:5e:10:00:fe';
const G = '239.1.2.3';
const G6 = 'ff15::1234';

interface V4 { src?: string; mac?: string; dst: string; ttl?: number; tos?: number; ra?: boolean; ethDst?: string }

function frame4(o: V4, body: Uint8Array): Uint8Array {
  return ether(
    { dst: o.ethDst ?? ipv4MulticastMac(o.dst), src: o.mac ?? HOST, type: EtherType.IPV4 },
    ipv4({ src: o.src ?? '192.0.2.10', dst: o.dst, proto: IpProto.IGMP, ttl: o.ttl ?? 1, tos: o.tos ?? 0xc0, routerAlert: o.ra ?? true }, body),
  );
}

interface V6 { src?: string; mac?: string; dst: string; pad?: 'padn' | 'pad1'; hop?: number }

function frame6(o: V6, body: Uint8Array): Uint8Array {
  return ether(
    { dst: ipv6MulticastMac(o.dst), src: o.mac ?? HOST, type: EtherType.IPV6 },
    ipv6({ src: o.src ?? 'fe80::10', dst: o.dst, nxt: IpProto.ICMPV6, hopLimit: o.hop ?? 1, routerAlert: o.pad ?? 'padn' }, body),
  );
}

function run(o: IlmObserver, frame: Uint8Array, tsSec: number, number: number, direction: number = Direction.UNKNOWN) {
  return o.observe(decode(frame, undefined, { tsSec, number, direction }), 'eth1');
}

describe('IGMP frames', () => {
  it('follows a v3 querier, a join with retransmissions, a refresh and a leave', () => {
    const o = new IlmObserver();
    const q = run(o, frame4({ src: '192.0.2.1', mac: ROUTER, dst: '224.0.0.1' }, igmpv3Query({ mrc: 100, group: '0.0.0.0', qrv: 2, qqic: 125 })), 0, 1);
    expect(q[0].summary).toBe('ilm eth1 QUERY general v3 mrt 10s querier 192.0.2.1 v3');
    expect(q[0].json).toMatchObject({ event: 'QUERY', group: null, querier: '192.0.2.1', query: { kind: 'general', qrv: 2, qqiSec: 125, mrtMs: 10000 } });

    const join = igmpv3Report([{ type: RecordType.CHANGE_TO_EXCLUDE, group: G }]);
    expect(run(o, frame4({ dst: '224.0.0.22' }, join), 20, 2)[0].summary).toBe(`ilm eth1 ${G} CREATE EX{} querier 192.0.2.1 v3`);
    expect(run(o, frame4({ dst: '224.0.0.22' }, join), 20.8, 3)[0].summary).toBe(`ilm eth1 ${G} CREATE EX{} rtx 1/2 querier 192.0.2.1 v3`);

    run(o, frame4({ src: '192.0.2.1', mac: ROUTER, dst: '224.0.0.1' }, igmpv3Query({ mrc: 100, group: '0.0.0.0' })), 125, 4);
    const current = igmpv3Report([{ type: RecordType.MODE_IS_EXCLUDE, group: G }]);
    const refresh = run(o, frame4({ dst: '224.0.0.22' }, current), 130, 5)[0];
    expect(refresh.summary).toBe(`ilm eth1 ${G} REFRESH EX{} (query #4) querier 192.0.2.1 v3`);
    expect(refresh.detail).toEqual([
      'Link = eth1', `Group = ${G}`, 'Event = REFRESH (IS_EX{}), answers query #4', 'Mode = EX', 'Sources = (none)',
      `Reporter = ${HOST} (192.0.2.10)`, 'State = MEMBER', 'Expires = 260.0 s', 'Querier = 192.0.2.1 v3', 'Anomalies = none',
    ]);

    const bye = run(o, frame4({ dst: '224.0.0.22' }, igmpv3Report([{ type: RecordType.CHANGE_TO_INCLUDE, group: G }])), 200, 6)[0];
    expect(bye.summary).toBe(`ilm eth1 ${G} REMOVE TO_IN{} querier 192.0.2.1 v3`);
    expect(bye.json).toMatchObject({ event: 'REMOVE', state: 'LEAVING' });
  });

  it('reads source lists of v3 records and group-and-source queries', () => {
    const o = new IlmObserver();
    const rep = igmpv3Report([{ type: RecordType.ALLOW_NEW_SOURCES, group: '232.1.1.1', sources: ['198.51.100.7', '198.51.100.8'] }]);
    const [a] = run(o, frame4({ dst: '224.0.0.22' }, rep), 1, 1);
    expect(a.json).toMatchObject({ event: 'CREATE', mode: 'IN', sources: ['198.51.100.7', '198.51.100.8'] });
    const gsq = igmpv3Query({ mrc: 10, group: '232.1.1.1', sources: ['198.51.100.8'] });
    const [q] = run(o, frame4({ src: '192.0.2.1', mac: ROUTER, dst: '232.1.1.1' }, gsq), 2, 2);
    expect(q.summary).toBe('ilm eth1 232.1.1.1 QUERY group-and-source {198.51.100.8} v3 mrt 1s querier 192.0.2.1 v3');
  });

  it('handles IGMPv2 report, suppression and leave, and IGMPv1 without Router Alert', () => {
    const o = new IlmObserver();
    run(o, frame4({ src: '192.0.2.1', mac: ROUTER, dst: '224.0.0.1' }, igmp({ type: 0x11, code: 100, group: '0.0.0.0' })), 0, 1);
    const first = run(o, frame4({ dst: G, tos: 0 }, igmp({ type: 0x16, group: G })), 1, 2);
    expect(first[0].json).toMatchObject({ event: 'REFRESH', record: 'v2 report', answers: 1, sender: { os: 'illumos' } });
    const second = run(o, frame4({ dst: G, mac: HOST2, src: '192.0.2.11' }, igmp({ type: 0x16, group: G })), 2, 3);
    expect(second.map((a) => a.json.event)).toEqual(['REFRESH', 'SUPPRESSED']);
    expect(second[1].json.suppressed).toEqual([HOST]);
    const bye = run(o, frame4({ dst: '224.0.0.2', mac: HOST2, src: '192.0.2.11' }, igmp({ type: 0x17, group: G })), 50, 4);
    expect(bye[0].summary).toBe(`ilm eth1 ${G} REMOVE leave querier 192.0.2.1 v2`);

    const v1 = run(o, frame4({ dst: '239.5.5.5', ra: false, tos: 0 }, igmp({ type: 0x12, group: '239.5.5.5' })), 60, 5);
    expect(v1[0].json).toMatchObject({ event: 'CREATE', record: 'v1 report' });
    expect(v1[0].json.anomalies).toBeUndefined();
  });

  it('reports anomalies found in real frames', () => {
    const o = new IlmObserver();
    const [bad] = run(o, frame4({ dst: G, ttl: 64, ra: false }, igmp({ type: 0x16, group: G, badChecksum: true })), 0, 1);
    expect(bad.json.anomalies).toEqual(['ttl 64 (want 1)', 'no router alert', 'bad checksum']);
    const [bcast] = run(o, frame4({ dst: '224.0.0.22', ethDst: 'ff:ff:ff:ff:ff:ff' }, igmpv3Report([{ type: 4, group: G }])), 1, 2);
    expect((bcast.json.anomalies as string[])[0]).toMatch(/^broadcast eth dst/);
    const [wrongMac] = run(o, frame4({ dst: G, ethDst: '01:00:5e:7f:00:01' }, igmp({ type: 0x16, group: G })), 2, 3);
    expect(wrongMac.json.anomalies).toEqual([`eth dst 01:00:5e:7f:00:01 (want 01:00:5e:01:02:03 for ${G})`]);
  });

  it('attaches the host table row to the capturing host\'s own outgoing reports', () => {
    const o = new IlmObserver();
    const row: HostMembership = {
      family: 4, ifindex: 3, device: 'eth1', group: G, users: 1, reporter: true, timerRunning: false, timerMs: 0,
      querier: 'V3', mode: 'EX', sources: [], linkAddress: '01:00:5e:01:02:03', linkRefcount: 1,
    };
    o.setHostTables([row]);
    const frame = frame4({ dst: '224.0.0.22' }, igmpv3Report([{ type: 4, group: G }]));
    const [out] = run(o, frame, 0, 1, Direction.OUT);
    expect(out.json.host).toEqual(row);
    expect(out.detail.at(-1)).toBe(`Host = host-ilm eth1 ${G} users=1 reporter=1 querier=V3 l2 01005e010203(ref 1) EX{}`);
    const [inbound] = run(o, frame, 1, 2, Direction.IN);
    expect(inbound.json.host).toBeUndefined();
  });

  it('ignores frames that carry no membership message', () => {
    const o = new IlmObserver();
    const ping = ether({ dst: ROUTER, src: HOST, type: EtherType.IPV4 }, ipv4({ src: '192.0.2.10', dst: '192.0.2.1', proto: IpProto.ICMP }, new Uint8Array(8)));
    expect(run(o, ping, 0, 1)).toEqual([]);
  });
});

describe('MLD frames', () => {
  it('follows an MLDv2 querier and join, fingerprinting Linux PadN', () => {
    const o = new IlmObserver();
    const [q] = run(o, frame6({ src: 'fe80::1', mac: ROUTER, dst: 'ff02::1' }, mldv2Query({ mrc: 10000, group: '::', qrv: 2, qqic: 125 })), 0, 1);
    expect(q.summary).toBe('ilm eth1 QUERY general v2 mrt 10s querier fe80::1 v2');
    const [j] = run(o, frame6({ dst: 'ff02::16' }, mldv2Report([{ type: RecordType.CHANGE_TO_EXCLUDE, group: G6 }])), 3, 2);
    expect(j.summary).toBe(`ilm eth1 ${G6} CREATE EX{} querier fe80::1 v2`);
    expect(j.json.sender).toEqual({ os: 'linux', reason: 'hop-by-hop PadN padding' });
  });

  it('handles MLDv1 report and done from an illumos-style sender, and flags a global source', () => {
    const o = new IlmObserver();
    const [r] = run(o, frame6({ dst: G6, pad: 'pad1' }, mldv1({ type: 131, group: G6 })), 0, 1);
    expect(r.json).toMatchObject({ event: 'CREATE', family: 6, record: 'v1 report', sender: { os: 'illumos' } });
    const [d] = run(o, frame6({ dst: 'ff02::2', pad: 'pad1' }, mldv1({ type: 132, group: G6 })), 5, 2);
    expect(d.summary).toBe(`ilm eth1 ${G6} REMOVE done`);
    const [g] = run(o, frame6({ dst: G6, src: '2001:db8::10', hop: 255 }, mldv1({ type: 131, group: G6 })), 6, 3);
    expect(g.json.anomalies).toEqual(['hop limit 255 (want 1)', 'MLD from non-link-local 2001:db8::10']);
  });
});
