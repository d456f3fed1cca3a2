import { describe, expect, it } from 'vitest';
import { Rec } from '../../src/annotate/ilm/observation.js';
import { IlmObserver } from '../../src/annotate/ilm/observer.js';
import { leave, legacyReport, mldv1, mldv2Report, query, rec, v3Report } from './obs.js';

const G = '239.1.2.3';
const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';

describe('IGMPv3 join, retransmissions and refresh', () => {
  it('reads TO_EX{} as CREATE, its repeats as RTX n/RV, and an IS_EX answer as REFRESH linked to the query', () => {
    const o = new IlmObserver();
    o.observeMessage(query({ ts: 0, number: 1, qrv: 2, qqiSec: 125 }, 3));
    const [create] = o.observeMessage(v3Report({ ts: 20, srcMac: A }, [rec(Rec.TO_EX, G)]));
    expect(create.kind).toBe('CREATE');
    expect(create.state).toBe('JOINING');
    expect(create.summary).toBe(`ilm eth1 ${G} CREATE EX{} querier 192.0.2.1 v3`);

    const [r1] = o.observeMessage(v3Report({ ts: 24, srcMac: A }, [rec(Rec.TO_EX, G)]));
    expect(r1.kind).toBe('RTX');
    expect(r1.summary).toBe(`ilm eth1 ${G} CREATE EX{} rtx 1/2 querier 192.0.2.1 v3`);
    const [r2] = o.observeMessage(v3Report({ ts: 31, srcMac: A }, [rec(Rec.TO_EX, G)]));
    expect(r2.rtx).toEqual({ of: 'CREATE', n: 2, rv: 2 });

    const general = o.observeMessage(query({ ts: 125, number: 42 }, 3))[0];
    expect(general.query?.kind).toBe('general');
    const [refresh] = o.observeMessage(v3Report({ ts: 128, srcMac: A }, [rec(Rec.IS_EX, G)]));
    expect(refresh.kind).toBe('REFRESH');
    expect(refresh.answers).toBe(42);
    expect(refresh.state).toBe('MEMBER');
    expect(refresh.expiresInSec).toBe(260);
    expect(refresh.summary).toContain('REFRESH EX{} (query #42)');
  });

  it('settles JOINING into MEMBER after the retransmit window and expires after GMI without refresh', () => {
    const o = new IlmObserver();
    o.observeMessage(v3Report({ ts: 0, srcMac: A }, [rec(Rec.TO_EX, G)]));
    o.advance(10);
    expect(o.members.row('eth1', 4, G)?.state).toBe('JOINING');
    o.advance(30);
    expect(o.members.row('eth1', 4, G)?.state).toBe('MEMBER');
    o.advance(259);
    expect(o.members.row('eth1', 4, G)?.state).toBe('MEMBER');
    o.advance(261);
    expect(o.members.row('eth1', 4, G)?.state).toBe('EXPIRED');
    expect(o.members.row('eth1', 4, G)?.reporters.size).toBe(0);
  });

  it('uses the elected querier QRV/QQI for the membership interval (RV·QI + QRI)', () => {
    const o = new IlmObserver();
    o.observeMessage(query({ ts: 0, qrv: 3, qqiSec: 60, maxRespMs: 5000 }, 3));
    const [e] = o.observeMessage(v3Report({ ts: 1, srcMac: A }, [rec(Rec.TO_EX, G)]));
    expect(e.expiresInSec).toBe(3 * 60 + 5);
    const rtx = o.observeMessage(v3Report({ ts: 2, srcMac: A }, [rec(Rec.TO_EX, G)]))[0];
    expect(rtx.rtx?.rv).toBe(3);
  });
});

describe('filter changes and the merged router view', () => {
  it('applies ALLOW/BLOCK/TO_IN/TO_EX per reporter and merges EXCLUDE ∩ minus INCLUDE ∪', () => {
    const o = new IlmObserver();
    const s1 = '198.51.100.1';
    const s2 = '198.51.100.2';
    const s3 = '198.51.100.3';
    const [join] = o.observeMessage(v3Report({ ts: 0, srcMac: A }, [rec(Rec.ALLOW, G, [s1])]));
    expect(join.kind).toBe('CREATE');
    expect([join.mode, join.sources]).toEqual(['IN', [s1]]);

    const [allow] = o.observeMessage(v3Report({ ts: 30, srcMac: A }, [rec(Rec.ALLOW, G, [s2])]));
    expect(allow.kind).toBe('FILTER-CHANGE');
    expect(allow.summary).toContain(`FILTER-CHANGE ALLOW{${s2}} → IN{${s1},${s2}}`);

    const [block] = o.observeMessage(v3Report({ ts: 60, srcMac: A }, [rec(Rec.BLOCK, G, [s1])]));
    expect([block.kind, block.mode, block.sources]).toEqual(['FILTER-CHANGE', 'IN', [s2]]);

    const [ex] = o.observeMessage(v3Report({ ts: 90, srcMac: B, srcIp: '192.0.2.11' }, [rec(Rec.TO_EX, G, [s2, s3])]));
    expect(ex.kind).toBe('CREATE');
    const row = o.members.row('eth1', 4, G);
    expect(row?.mode).toBe('EX');
    expect([...(row?.sources ?? [])]).toEqual([s3]);

    const [toIn] = o.observeMessage(v3Report({ ts: 120, srcMac: B, srcIp: '192.0.2.11' }, [rec(Rec.TO_IN, G, [s3])]));
    expect([toIn.kind, toIn.mode]).toEqual(['FILTER-CHANGE', 'IN']);
    expect(row?.mode).toBe('IN');
    expect([...(row?.sources ?? [])].sort()).toEqual([s2, s3]);
  });

  it('reads BLOCK of the last INCLUDE source as REMOVE and its repeat as RTX of REMOVE', () => {
    const o = new IlmObserver();
    const s1 = '198.51.100.1';
    o.observeMessage(v3Report({ ts: 0, srcMac: A }, [rec(Rec.ALLOW, G, [s1])]));
    const [rm] = o.observeMessage(v3Report({ ts: 40, srcMac: A }, [rec(Rec.BLOCK, G, [s1])]));
    expect(rm.kind).toBe('REMOVE');
    expect(rm.state).toBe('LEAVING');
    const [again] = o.observeMessage(v3Report({ ts: 41, srcMac: A }, [rec(Rec.BLOCK, G, [s1])]));
    expect(again.kind).toBe('RTX');
    expect(again.summary).toContain(`REMOVE BLOCK{${s1}} rtx 1/2`);
  });
});

describe('leaving', () => {
  it('TO_IN{} starts LEAVING; group-specific queries extend it; silence expires the group', () => {
    const o = new IlmObserver();
    o.observeMessage(v3Report({ ts: 0, srcMac: A }, [rec(Rec.TO_EX, G)]));
    const [rm] = o.observeMessage(v3Report({ ts: 100, srcMac: A }, [rec(Rec.TO_IN, G)]));
    expect(rm.kind).toBe('REMOVE');
    expect(rm.summary).toContain('REMOVE TO_IN{}');
    expect(rm.expiresInSec).toBe(2);
    const [q] = o.observeMessage(query({ ts: 100.5, group: G, maxRespMs: 1000 }, 3));
    expect([q.kind, q.query?.kind, q.state]).toEqual(['QUERY', 'group', 'LEAVING']);
    o.observeMessage(query({ ts: 101.5, group: G, maxRespMs: 1000 }, 3));
    o.advance(102.4);
    expect(o.members.row('eth1', 4, G)?.state).toBe('LEAVING');
    o.advance(102.6);
    expect(o.members.row('eth1', 4, G)?.state).toBe('EXPIRED');
  });

  it('a group-specific query without a seen leave puts the row in LEAVING; an answer restores MEMBER', () => {
    const o = new IlmObserver();
    o.observeMessage(legacyReport({ ts: 0, srcMac: A }, 2, G));
    o.advance(60);
    const [q] = o.observeMessage(query({ ts: 60, number: 7, group: G, maxRespMs: 1000 }, 2));
    expect(q.state).toBe('LEAVING');
    expect(q.expiresInSec).toBe(2);
    const [answer] = o.observeMessage(legacyReport({ ts: 60.4, srcMac: A }, 2, G));
    expect([answer.kind, answer.answers, answer.state]).toEqual(['REFRESH', 7, 'MEMBER']);
  });
});

describe('IGMPv1/v2 and MLDv1', () => {
  it('v2: report is CREATE, its repeat RTX, leave REMOVE to LEAVING; another member suppresses the first', () => {
    const o = new IlmObserver();
    o.observeMessage(query({ ts: 0, number: 1, maxRespMs: 10_000 }, 2));
    const [c] = o.observeMessage(legacyReport({ ts: 50, srcMac: A, ipId: 0, tos: 0 }, 2, G));
    expect([c.kind, c.record, c.mode]).toEqual(['CREATE', 'v2 report', 'EX']);
    expect(c.sender?.os).toBe('illumos');
    const [r] = o.observeMessage(legacyReport({ ts: 57, srcMac: A }, 2, G));
    expect(r.rtx).toEqual({ of: 'CREATE', n: 1, rv: 2 });

    o.observeMessage(query({ ts: 125, number: 2 }, 2));
    const events = o.observeMessage(legacyReport({ ts: 126, srcMac: B, srcIp: '192.0.2.11' }, 2, G));
    expect(events.map((e) => e.kind)).toEqual(['REFRESH', 'SUPPRESSED']);
    expect(events[0].answers).toBe(2);
    expect(events[1].suppressed).toEqual([A]);
    expect(events[1].summary).toBe(`ilm eth1 ${G} SUPPRESSED ${A} by ${B} querier 192.0.2.1 v2`);
    expect(o.members.row('eth1', 4, G)?.reporters.get(A)?.lastReporter).toBe(false);

    const [l] = o.observeMessage(leave({ ts: 200, srcMac: B, srcIp: '192.0.2.11' }, G));
    expect([l.kind, l.record, l.state]).toEqual(['REMOVE', 'leave', 'LEAVING']);
    expect(o.members.row('eth1', 4, G)?.reporters.size).toBe(1);
  });

  it('v1: report needs no Router Alert, answers are REFRESH and later unsolicited ones CREATE; the v1 query counts as 10 s response time and v1 compat mode', () => {
    const o = new IlmObserver();
    const [q] = o.observeMessage(query({ ts: 0, number: 5, maxRespMs: 0, routerAlert: false }, 1));
    expect(q.query?.mrtMs).toBe(10_000);
    expect(q.anomalies).toEqual([]);
    const [c] = o.observeMessage(legacyReport({ ts: 3, srcMac: A, routerAlert: false }, 1, G));
    expect([c.kind, c.record, c.answers]).toEqual(['REFRESH', 'v1 report', 5]);
    const [late] = o.observeMessage(legacyReport({ ts: 30, srcMac: B, routerAlert: false }, 1, '239.9.9.9'));
    expect(late.kind).toBe('CREATE');
    expect(c.anomalies).toEqual([]);
    expect(o.queriers.compatVersion('eth1', 4, 100)).toBe(1);
    expect(o.queriers.compatVersion('eth1', 4, 261)).toBe(3);
  });

  it('MLDv1 report/done and MLDv2 TO_EX{} build IPv6 rows', () => {
    const o = new IlmObserver();
    const g6 = 'ff15::1234';
    const [c] = o.observeMessage(mldv1({ ts: 0, srcMac: A }, 'report', g6));
    expect([c.kind, c.family, c.record]).toEqual(['CREATE', 6, 'v1 report']);
    const [d] = o.observeMessage(mldv1({ ts: 30, srcMac: A }, 'leave', g6));
    expect([d.kind, d.record]).toEqual(['REMOVE', 'done']);
    const [v2] = o.observeMessage(mldv2Report({ ts: 40, srcMac: B, srcIp: 'fe80::b' }, [rec(Rec.TO_EX, g6)]));
    expect([v2.kind, v2.state]).toEqual(['CREATE', 'JOINING']);
    expect(o.members.row('eth1', 6, g6)?.reporters.has(B)).toBe(true);
  });
});

describe('queries', () => {
  it('classifies general, group and group-and-source queries and marks non-elected queriers', () => {
    const o = new IlmObserver();
    expect(o.observeMessage(query({ ts: 0 }, 3))[0].query?.kind).toBe('general');
    o.observeMessage(v3Report({ ts: 1, srcMac: A }, [rec(Rec.TO_EX, G)]));
    expect(o.observeMessage(query({ ts: 2, group: G }, 3))[0].query?.kind).toBe('group');
    const gs = o.observeMessage(query({ ts: 3, group: G, querySources: ['198.51.100.9'] }, 3))[0];
    expect(gs.query?.kind).toBe('group-and-source');
    expect(gs.summary).toContain('QUERY group-and-source {198.51.100.9} v3 mrt 1s');
    const other = o.observeMessage(query({ ts: 4, srcIp: '192.0.2.200' }, 3))[0];
    expect(other.query?.elected).toBe(false);
    expect(other.summary).toContain('non-querier');
    expect(other.querier).toBe('192.0.2.1');
  });
});
