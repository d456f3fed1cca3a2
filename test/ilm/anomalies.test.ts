import { describe, expect, it } from 'vitest';
import { multicastMac, packetAnomalies, senderFingerprint } from '../../src/annotate/ilm/anomalies.js';
import { Rec } from '../../src/annotate/ilm/observation.js';
import { IlmObserver } from '../../src/annotate/ilm/observer.js';
import { leave, legacyReport, mldv1, mldv2Report, query, rec, v3Report } from './obs.js';

const G = '239.1.2.3';

describe('per-message anomalies', () => {
  it('maps groups to their Ethernet multicast addresses', () => {
    expect(multicastMac('239.129.2.3')).toBe('01:00:5e:01:02:03');
    expect(multicastMac('ff02::1:ff00:1234')).toBe('33:33:ff:00:12:34');
    expect(multicastMac('192.0.2.1')).toBeNull();
  });

  it('finds nothing wrong with conforming messages', () => {
    expect(packetAnomalies(v3Report({ ts: 0 }, [rec(Rec.TO_EX, G)]))).toEqual([]);
    expect(packetAnomalies(legacyReport({ ts: 0 }, 2, G))).toEqual([]);
    expect(packetAnomalies(leave({ ts: 0 }, G))).toEqual([]);
    expect(packetAnomalies(mldv2Report({ ts: 0 }, [rec(Rec.TO_EX, 'ff15::1')]))).toEqual([]);
    expect(packetAnomalies(mldv1({ ts: 0 }, 'leave', 'ff15::1'))).toEqual([]);
    expect(packetAnomalies(query({ ts: 0, group: G }, 3))).toEqual([]);
  });

  it('flags TTL/hop limit, Router Alert, checksum, destinations and MLD sources', () => {
    expect(packetAnomalies(v3Report({ ts: 0, hops: 64 }, [rec(Rec.TO_EX, G)]))).toEqual(['ttl 64 (want 1)']);
    expect(packetAnomalies(mldv2Report({ ts: 0, hops: 255 }, [rec(Rec.TO_EX, 'ff15::1')]))).toEqual(['hop limit 255 (want 1)']);
    expect(packetAnomalies(legacyReport({ ts: 0, routerAlert: false }, 2, G))).toEqual(['no router alert']);
    expect(packetAnomalies(legacyReport({ ts: 0, routerAlert: false }, 1, G))).toEqual([]);
    expect(packetAnomalies(v3Report({ ts: 0, checksumOk: false }, [rec(Rec.TO_EX, G)]))).toEqual(['bad checksum']);
    expect(packetAnomalies(leave({ ts: 0, dstIp: G }, G))).toEqual(['ip dst 239.1.2.3 (want 224.0.0.2)']);
    expect(packetAnomalies(v3Report({ ts: 0, dstMac: '01:00:5e:00:00:01' }, [rec(Rec.TO_EX, G)]))).toEqual([
      'eth dst 01:00:5e:00:00:01 (want 01:00:5e:00:00:16 for 224.0.0.22)',
    ]);
    expect(packetAnomalies(v3Report({ ts: 0, dstMac: 'ff:ff:ff:ff:ff:ff' }, [rec(Rec.TO_EX, G)]))[0]).toMatch(/^broadcast eth dst: sender's NIC rejected/);
    expect(packetAnomalies(mldv2Report({ ts: 0, srcIp: '2001:db8::5' }, [rec(Rec.TO_EX, 'ff15::1')]))).toEqual(['MLD from non-link-local 2001:db8::5']);
    expect(packetAnomalies(mldv2Report({ ts: 0, srcIp: '::' }, [rec(Rec.TO_EX, 'ff15::1')]))).toEqual([]);
    expect(packetAnomalies(query({ ts: 0, family: 6, srcIp: '::' }, 2))).toEqual(['MLD from non-link-local ::']);
    expect(packetAnomalies(v3Report({ ts: 0, tos: 0 }, [rec(Rec.TO_EX, G)]))).toEqual(['IGMPv3 TOS 0x00 (want 0xc0)']);
  });

  it('fingerprints illumos (Pad1, TOS 0 id 0) and Linux (PadN, TOS 0xc0) senders', () => {
    expect(senderFingerprint(mldv2Report({ ts: 0, hbhPadding: 1 }, []))?.os).toBe('illumos');
    expect(senderFingerprint(mldv2Report({ ts: 0, hbhPadding: 2 }, []))?.os).toBe('linux');
    expect(senderFingerprint(legacyReport({ ts: 0, tos: 0, ipId: 0 }, 2, G))?.os).toBe('illumos');
    expect(senderFingerprint(legacyReport({ ts: 0, tos: 0xc0, ipId: 77 }, 2, G))?.os).toBe('linux');
    expect(senderFingerprint(v3Report({ ts: 0 }, [rec(Rec.TO_EX, G)]))).toBeNull();
  });
});

describe('anomalies in context', () => {
  it('flags a current-state report for a group nobody queried while only a group query is open', () => {
    const o = new IlmObserver();
    o.observeMessage(v3Report({ ts: 0 }, [rec(Rec.TO_EX, G), rec(Rec.TO_EX, '239.4.4.4')]));
    o.observeMessage(query({ ts: 50, group: G }, 3));
    const [ok, odd] = o.observeMessage(v3Report({ ts: 50.3 }, [rec(Rec.IS_EX, G), rec(Rec.IS_EX, '239.4.4.4')]));
    expect(ok.anomalies).toEqual([]);
    expect(odd.anomalies).toEqual(['report for 239.4.4.4 nobody queried (open query for 239.1.2.3)']);
    // Once a general query is open, every group is being asked about.
    o.observeMessage(query({ ts: 51 }, 3));
    const [later] = o.observeMessage(v3Report({ ts: 51.2 }, [rec(Rec.IS_EX, '239.4.4.4')]));
    expect(later.anomalies).toEqual([]);
  });

  it('carries anomalies into the summary, detail and JSON', () => {
    const o = new IlmObserver();
    const [e] = o.observeMessage(v3Report({ ts: 0, hops: 2, routerAlert: false }, [rec(Rec.TO_EX, G)]));
    const a = e;
    expect(a.summary).toBe(`ilm eth1 ${G} CREATE EX{} ! ttl 2 (want 1); no router alert`);
    expect(a.detail).toContain('Anomalies = ttl 2 (want 1); no router alert');
    expect(a.json.anomalies).toEqual(['ttl 2 (want 1)', 'no router alert']);
    expect(a.json).toMatchObject({ link: 'eth1', group: G, event: 'CREATE', mode: 'EX', sources: [], reporter: '02:00:00:00:00:10', querier: null });
  });
});
