import { describe, expect, it } from 'vitest';
import { Rec } from '../../src/annotate/ilm/observation.js';
import { IlmObserver } from '../../src/annotate/ilm/observer.js';
import { ilmTableRows, renderIlmTable } from '../../src/annotate/ilm/views.js';
import { mldv2Report, query, rec, v3Report } from './obs.js';

describe('--ilm table', () => {
  it('shows one row per (link, group) with the merged filter, members, state, expiry and querier', () => {
    const o = new IlmObserver();
    o.observeMessage(query({ ts: 0 }, 3));
    o.observeMessage(v3Report({ ts: 1, srcMac: '02:00:00:00:00:0a' }, [rec(Rec.TO_EX, '239.1.2.3'), rec(Rec.ALLOW, '232.1.1.1', ['198.51.100.7'])]));
    o.observeMessage(v3Report({ ts: 2, srcMac: '02:00:00:00:00:0b', srcIp: '192.0.2.11' }, [rec(Rec.TO_EX, '239.1.2.3')]));
    o.observeMessage(mldv2Report({ ts: 3, link: 'eth0', srcMac: '02:00:00:00:00:0a' }, [rec(Rec.TO_EX, 'ff15::1')]));
    o.observeMessage(v3Report({ ts: 4, srcMac: '02:00:00:00:00:0a' }, [rec(Rec.TO_EX, '239.1.2.10')]));
    o.observeMessage(v3Report({ ts: 5, srcMac: '02:00:00:00:00:0a' }, [rec(Rec.TO_IN, '239.1.2.10')]));

    const text = renderIlmTable(o, 40);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trimEnd().split('\n').map((l) => l.split(/\s{2,}/))).toEqual([
      ['LINK', 'GROUP', 'MODE', 'SOURCES', 'MEMBERS', 'STATE', 'EXPIRES', 'QUERIER'],
      ['eth0', 'ff15::1', 'EX', '-', '02:00:00:00:00:0a', 'MEMBER', '223s', '-'],
      ['eth1', '232.1.1.1', 'IN', '198.51.100.7', '02:00:00:00:00:0a', 'MEMBER', '221s', '192.0.2.1 v3'],
      ['eth1', '239.1.2.3', 'EX', '-', '2 (02:00:00:00:00:0a,+1)', 'MEMBER', '222s', '192.0.2.1 v3'],
      ['eth1', '239.1.2.10', 'IN', '-', '-', 'EXPIRED', '-', '192.0.2.1 v3'],
    ]);
  });

  it('keeps an expired row for one more membership interval, then forgets it', () => {
    const o = new IlmObserver();
    o.observeMessage(v3Report({ ts: 0 }, [rec(Rec.TO_EX, '239.1.2.3')]));
    expect(ilmTableRows(o, 300).map((r) => r.state)).toEqual(['EXPIRED']);
    expect(ilmTableRows(o, 600)).toEqual([]);
  });
});
