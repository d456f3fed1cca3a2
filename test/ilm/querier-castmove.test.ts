import { describe, expect, it } from 'vitest';
import { Rec } from '../../src/annotate/ilm/observation.js';
import { IlmObserver } from '../../src/annotate/ilm/observer.js';
import { QuerierTable, timersOf } from '../../src/annotate/ilm/querier.js';
import { mldv2Report, query, rec, v3Report } from './obs.js';

describe('querier election and timers', () => {
  it('elects the lowest address, keeps it while it is present, and fails over after the other-querier interval', () => {
    const t = new QuerierTable();
    expect(t.noteQuery(query({ ts: 0, srcIp: '192.0.2.20', qrv: 2, qqiSec: 125 }, 3)).elected).toBe(true);
    expect(t.noteQuery(query({ ts: 1, srcIp: '192.0.2.3', qrv: 3, qqiSec: 30 }, 3)).elected).toBe(true);
    expect(t.get('eth1', 4)?.address).toBe('192.0.2.3');
    expect(t.noteQuery(query({ ts: 2, srcIp: '192.0.2.20' }, 3)).elected).toBe(false);
    expect(timersOf(t.get('eth1', 4))).toMatchObject({ qrv: 3, qqiSec: 30, gmiSec: 100, oqpiSec: 95 });
    // 192.0.2.3 goes quiet: after RV·QI + QRI/2 = 95 s the higher address takes over.
    expect(t.noteQuery(query({ ts: 90, srcIp: '192.0.2.20' }, 3)).elected).toBe(false);
    expect(t.noteQuery(query({ ts: 97, srcIp: '192.0.2.20' }, 3)).elected).toBe(true);
  });

  it('compares IPv6 addresses numerically, not as text', () => {
    const t = new QuerierTable();
    t.noteQuery(query({ ts: 0, family: 6, srcIp: 'fe80::a' }, 2));
    t.noteQuery(query({ ts: 1, family: 6, srcIp: 'fe80::9' }, 2));
    expect(t.get('eth1', 6)?.address).toBe('fe80::9');
    t.noteQuery(query({ ts: 2, family: 6, srcIp: 'fe80::10' }, 2));
    expect(t.get('eth1', 6)?.address).toBe('fe80::9');
  });

  it('tracks older-version queriers for host compatibility and times them out after RV·QI + QRI', () => {
    const t = new QuerierTable();
    t.noteQuery(query({ ts: 0 }, 3));
    expect(t.compatVersion('eth1', 4, 1)).toBe(3);
    t.noteQuery(query({ ts: 10, srcIp: '192.0.2.50', maxRespMs: 100 }, 2));
    expect(t.compatVersion('eth1', 4, 11)).toBe(2);
    expect(t.compatVersion('eth1', 4, 269)).toBe(2);
    expect(t.compatVersion('eth1', 4, 271)).toBe(3);
    t.noteQuery(query({ ts: 300, family: 6, srcIp: 'fe80::1' }, 1));
    expect(t.compatVersion('eth1', 6, 301)).toBe(1);
    expect(t.compatVersion('eth1', 6, 561)).toBe(2);
  });

  it('defaults QRV 0 to 2 and keeps v2 queries from setting QRV/QQI', () => {
    const t = new QuerierTable();
    t.noteQuery(query({ ts: 0, qrv: 0, qqiSec: 0 }, 3));
    expect(timersOf(t.get('eth1', 4))).toMatchObject({ qrv: 2, qqiSec: 125, gmiSec: 260 });
  });
});

describe('IPMP cast-interface moves', () => {
  const NET0 = '02:00:00:00:00:a0';
  const NET1 = '02:00:00:00:00:a1';
  const DATA = '192.0.2.77';

  it('links a re-join burst from another MAC of the same host (same IPv4 data address) as old → new', () => {
    const o = new IlmObserver();
    o.observeMessage(v3Report({ ts: 0, srcMac: NET0, srcIp: DATA }, [rec(Rec.TO_EX, '239.1.1.1'), rec(Rec.TO_EX, '239.1.1.2')]));
    o.noteInterfaceFailure(NET0, 99);
    const [m1, m2] = o.observeMessage(v3Report({ ts: 100, srcMac: NET1, srcIp: DATA }, [rec(Rec.TO_EX, '239.1.1.1'), rec(Rec.TO_EX, '239.1.1.2')]));
    expect(m1.kind).toBe('CREATE');
    expect(m1.castMove).toMatchObject({ fromMac: NET0, toMac: NET1, moved: 1, of: 2, afterFailureSec: 1 });
    expect(m2.castMove).toMatchObject({ moved: 2, of: 2 });
    expect(m1.summary).toBe(
      `ilm eth1 239.1.1.1 CREATE EX{} cast-move eth1/${NET0} → eth1/${NET1} (1/2) after failure 1.0s earlier`,
    );
    const row = o.members.row('eth1', 4, '239.1.1.1');
    expect([...(row?.reporters.keys() ?? [])]).toEqual([NET1]);
  });

  it('follows the move across capture links and uses configured host MACs for IPv6', () => {
    const o = new IlmObserver();
    o.noteHostMac('hostA', NET0);
    o.noteHostMac('hostA', NET1);
    o.observeMessage(mldv2Report({ ts: 0, link: 'net0', srcMac: NET0, srcIp: 'fe80::a0' }, [rec(Rec.TO_EX, 'ff15::7')]));
    const [m] = o.observeMessage(mldv2Report({ ts: 5, link: 'net1', srcMac: NET1, srcIp: 'fe80::a1' }, [rec(Rec.TO_EX, 'ff15::7')]));
    expect(m.castMove).toMatchObject({ host: 'hostA', fromLink: 'net0', toLink: 'net1', afterFailureSec: null });
    expect(o.members.row('net0', 6, 'ff15::7')?.reporters.size).toBe(0);
  });

  it('does not call a join by an unrelated host a move', () => {
    const o = new IlmObserver();
    o.observeMessage(v3Report({ ts: 0, srcMac: NET0, srcIp: DATA }, [rec(Rec.TO_EX, '239.1.1.1')]));
    const [e] = o.observeMessage(v3Report({ ts: 1, srcMac: NET1, srcIp: '192.0.2.78' }, [rec(Rec.TO_EX, '239.1.1.1')]));
    expect(e.castMove).toBeNull();
    expect(o.members.row('eth1', 4, '239.1.1.1')?.reporters.size).toBe(2);
  });
});
