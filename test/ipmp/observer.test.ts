import { describe, expect, it } from 'vitest';
import type { Annotation } from '../../src/annotate/annotation.js';
import { validateIpmpConfig } from '../../src/annotate/ipmp/config.js';
import { IpmpObserver } from '../../src/annotate/ipmp/observer.js';
import type { ProbeObservation } from '../../src/annotate/ipmp/recognise.js';
import { ID_A, MAC_A, MAC_B, PI, rep, req } from './helpers.js';

const T = '192.0.2.1';
const NAME = 'auto1/if-00:10:18:aa:00:01';

function feed(o: IpmpObserver, list: ProbeObservation[], link = ''): Annotation[][] {
  return list.map((x) => o.observeProbe(x, link));
}

function summaries(a: Annotation[]): string[] {
  return a.map((x) => x.summary);
}

/** UNI probes #first.. one per PI ms from `startMs`; `answered(seq)` decides whether a 1 ms reply follows. */
function probes(first: number, count: number, startMs: number, answered: (seq: number) => boolean, o: Partial<ProbeObservation> = {}, target = T): ProbeObservation[] {
  const out: ProbeObservation[] = [];
  for (let k = 0; k < count; k++) {
    const seq = (first + k) & 0xffff;
    const t = startMs + k * PI;
    out.push(req(t, seq, target, o));
    if (answered(seq)) out.push(rep(t + 1, seq, target, { id: o.id ?? ID_A, dst: o.src, family: o.family, format: o.format, srcMac: '00:00:5e:00:01:01', dstMac: o.srcMac ?? MAC_A }));
  }
  return out;
}

describe('probe and reply annotations', () => {
  it('annotates a sent probe and its acked reply, naming the interface after an outgoing capture link', () => {
    const o = new IpmpObserver();
    const [sent, acked] = feed(o, [req(0, 17, T, { outgoing: true, format: 'ns64', size: 24 }), rep(0.41, 17, T, { format: 'ns64', size: 24 })], 'net0');
    expect(summaries(sent)).toEqual(['auto1/net0 → 192.0.2.1 UNI #17 sent (new target 192.0.2.1)']);
    expect(summaries(acked)).toEqual(['auto1/net0 → 192.0.2.1 UNI #17 acked 0.41ms']);
    expect(acked[0].json).toMatchObject({ group: 'auto1', iface: 'net0', testaddr: '192.0.2.10', target: T, kind: 'UNI', seq: 17, state: 'acked', verdict: null, format: 'ns64', crttMs: 1 });
    expect(acked[0].json.netrttMs).toBeCloseTo(0.41, 9);
    expect(acked[0].detail).toContain('Probe = UNI #17 (ns64)');
    expect(acked[0].detail).toContain('Net RTT = 0.41 ms');
    expect(acked[0].detail).toContain('crtt = 1 ms (avg 0.41 ms, dev 0.20 ms)');
  });

  it('uses configured group and interface names', () => {
    const cfg = validateIpmpConfig({ groups: { ipmp0: { interfaces: { net0: { mac: MAC_A } } } } });
    const o = new IpmpObserver(cfg);
    const [a] = feed(o, [req(0, 5, T)]);
    expect(a[0].summary.startsWith('ipmp0/net0 → 192.0.2.1 UNI #5 sent')).toBe(true);
  });

  it('decides a loss at the next tick and reports it on that later probe', () => {
    const o = new IpmpObserver();
    const r = feed(o, [req(0, 100, T), rep(1, 100, T), req(PI, 101, T), req(2 * PI, 102, T)]);
    expect(summaries(r[2])).toEqual([`${NAME} → ${T} UNI #101 sent`]);
    expect(summaries(r[3])).toEqual([`${NAME} → ${T} UNI #102 sent`, `${NAME} → ${T} UNI #101 LOST`]);
    expect(r[3][1].json.state).toBe('lost');
  });

  it('accepts a late reply retroactively, and flags duplicate, fake and out-of-window replies', () => {
    const o = new IpmpObserver();
    const r = feed(o, [req(0, 100, T), rep(1, 100, T), req(PI, 101, T), req(2 * PI, 102, T), rep(2 * PI + 5, 101, T), rep(2 * PI + 6, 101, T), rep(2 * PI + 7, 102, '192.0.2.99'), rep(2 * PI + 8, 900, T)]);
    expect(r[4][0].summary).toBe(`${NAME} → ${T} UNI #101 late reply 1433.00ms: was LOST, now acked`);
    expect(r[4][0].json.state).toBe('late');
    expect(r[5][0].json.state).toBe('duplicate');
    expect(r[6][0].json.state).toBe('fake');
    expect(r[6][0].summary).toContain('fake reply from 192.0.2.99');
    expect(r[7][0].json.state).toBe('out-of-window');
    expect(r[7][0].summary).toContain('next is #103');
  });

  it('ignores ordinary replies to an unknown instance but still says so', () => {
    const o = new IpmpObserver();
    const [a] = feed(o, [rep(0, 3, T)]);
    expect(a[0].json.state).toBe('unmatched');
  });
});

describe('failure and repair verdicts', () => {
  it('fails exactly at the 5th consecutive loss and repairs at the tick after the 10th consecutive ack', () => {
    const o = new IpmpObserver();
    // #100 acked, #101-#105 lost, #106-#116 acked.
    const list = probes(100, 17, 0, (s) => s === 100 || s >= 106);
    const r = feed(o, list);
    const withVerdict = r.flatMap((a) => a.filter((x) => x.json.verdict !== null));
    expect(withVerdict.map((x) => x.summary)).toEqual([
      `${NAME} → ${T} UNI #105 LOST; if-00:10:18:aa:00:01 FAILED (lost #101-#105)`,
      `${NAME} → ${T} UNI #116 sent; if-00:10:18:aa:00:01 REPAIRED (acked #106-#115)`,
    ]);
    // The failure verdict is on the packet of #106, the repair on #116.
    const at = (seq: number) => r[list.findIndex((x) => !x.reply && x.seq === seq)];
    expect(at(106).some((x) => x.json.verdict !== null)).toBe(true);
    expect(at(105).some((x) => x.json.verdict !== null)).toBe(false);
    expect(at(115).some((x) => x.json.verdict !== null)).toBe(false);
    expect(o.interfaces()[0].state).toBe('RUNNING');
  });

  it('needs both address families to fail when both probe', () => {
    const o = new IpmpObserver();
    const v6 = { family: 6 as const, src: 'fe80::10', format: 'ms32' as const };
    const list: ProbeObservation[] = [];
    // v4 loses everything after #100; v6 answers until #208, then loses too.
    const v4 = probes(100, 16, 0, (s) => s === 100);
    const v6p = probes(200, 16, PI / 2, (s) => s <= 208, v6, 'fe80::1');
    for (let i = 0; i < Math.max(v4.length, v6p.length); i++) {
      if (v4[i]) list.push(v4[i]);
      if (v6p[i]) list.push(v6p[i]);
    }
    list.sort((a, b) => a.tsSec - b.tsSec || a.tsNsec - b.tsNsec);
    const verdicts = feed(o, list).flatMap((a) => a.filter((x) => x.json.verdict !== null));
    expect(verdicts).toHaveLength(1);
    expect(verdicts[0].json.verdict).toMatch(/^if-00:10:18:aa:00:01 FAILED \(lost #101-#113; IPv6 lost #209-#213\)$/);
    expect(o.interfaces()).toHaveLength(1);
  });

  it('tells an interface failure from a group failure by the other member’s last success', () => {
    const run = (bAnswers: boolean) => {
      const o = new IpmpObserver();
      const a = probes(100, 8, 0, (s) => s === 100);
      const b = probes(300, 8, 700, (s) => bAnswers || s === 300, { srcMac: MAC_B, src: '192.0.2.11', id: 0xd203 });
      const list = [...a, ...b].sort((x, y) => x.tsSec - y.tsSec || x.tsNsec - y.tsNsec);
      return { o, verdicts: feed(o, list).flatMap((x) => x.map((y) => y.json.verdict).filter((v) => v !== null)) };
    };
    const single = run(true);
    expect(single.verdicts).toEqual(['if-00:10:18:aa:00:01 FAILED (lost #101-#105)']);
    expect(single.o.groups().map((g) => g.members.length)).toEqual([2]);
    const both = run(false);
    expect(both.verdicts).toEqual(['group auto1 FAILED: all interfaces (if-00:10:18:aa:00:01 lost #101-#105)']);
    expect(both.o.groups()[0].failed).toBe(true);
  });

  it('counts across the 65535 → 0 wrap', () => {
    const o = new IpmpObserver();
    const r = feed(o, probes(65533, 8, 0, (s) => s === 65533 || s === 65534));
    const v = r.flatMap((a) => a.map((x) => x.json.verdict)).filter((x) => x !== null);
    expect(v).toEqual(['if-00:10:18:aa:00:01 FAILED (lost #65535-#3)']);
  });

  it('holds verdicts during the 40 s quiet period of a freshly started daemon', () => {
    const o = new IpmpObserver();
    // Seq 1 and no answers: 40 s / 1.428 s = 28 ticks of silence before failure detection starts.
    const r = feed(o, probes(1, 32, 0, () => false));
    const firstVerdict = r.findIndex((a) => a.some((x) => x.json.verdict !== null));
    expect(firstVerdict).toBeGreaterThan(0);
    expect(firstVerdict * PI).toBeGreaterThan(40_000);
    expect(r[firstVerdict].find((x) => x.json.verdict)!.json.verdict).toMatch(/FAILED/);
  });
});

describe('targets and sequence anomalies', () => {
  it('discovers host targets from the first five MULTI responders', () => {
    const o = new IpmpObserver();
    const hosts = ['192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5', '192.0.2.6', '192.0.2.7'];
    const r = feed(o, [req(0, 1, '224.0.0.1', { kind: 'MULTI' }), ...hosts.map((h, i) => rep(1 + i, 1, h, { kind: 'MULTI' })), req(PI, 1, '192.0.2.2')]);
    expect(r[0][0].summary).toBe(`${NAME} → 224.0.0.1 MULTI #1 sent (target discovery: no targets known)`);
    expect(r.slice(1, 7).map((a) => a[0].json.state)).toEqual(['responder', 'responder', 'responder', 'responder', 'responder', 'ignored']);
    expect(r[5][0].summary).toContain('new host target (5 of 5)');
    expect(r[6][0].summary).toContain('5 targets known');
    const inst = o.interfaces()[0].v4!;
    expect(inst.targets.areRouters).toBe(false);
    expect(inst.targets.active().map((t) => t.address)).toEqual(hosts.slice(0, 5));
  });

  it('deletes a silent host target while the others answer (per-target failure) and shows it coming back', () => {
    // A configured FDT pins the probe interval at 1428 ms (otherwise it is inferred from the gaps).
    const o = new IpmpObserver(validateIpmpConfig({ fdt: 10000, groups: { ipmp0: { interfaces: { net0: { mac: MAC_A } } } } }));
    const hosts = ['192.0.2.2', '192.0.2.3'];
    const list: ProbeObservation[] = [req(0, 99, '224.0.0.1', { kind: 'MULTI' }), ...hosts.map((h, i) => rep(1 + i, 99, h, { kind: 'MULTI' }))];
    // Ticks a little over the probe interval apart, so an unanswered probe times out by the next.
    const gap = PI + 100;
    for (let k = 0; k < 16; k++) {
      const seq = 100 + k;
      const tgt = k < 10 ? hosts[k % 2] : k === 14 ? hosts[1] : hosts[0];
      list.push(req(gap * (k + 1), seq, tgt));
      if (tgt === hosts[0]) list.push(rep(gap * (k + 1) + 1, seq, tgt));
    }
    const r = feed(o, list);
    const verdicts = r.flatMap((a) => a.map((x) => x.json.verdict)).filter((v) => v !== null);
    expect(verdicts).toEqual(['target 192.0.2.3 DELETED (lost #101,#103,#105,#107,#109); in.mpathd multicasts for a replacement']);
    expect(o.interfaces()[0].state).toBe('RUNNING');
    // #114 goes to the deleted target again: it is back (re-added from a MULTI reply on the host).
    const back = r[list.findIndex((x) => !x.reply && x.seq === 114)];
    expect(back[0].summary).toMatch(/target 192\.0\.2\.3 back in the rotation after \d+\.\ds \(was deleted\)/);
  });

  it('notes a daemon restart (PID byte change) and a seq gap', () => {
    const o = new IpmpObserver();
    const r = feed(o, [req(0, 100, T), rep(1, 100, T), req(PI, 101, T), rep(PI + 1, 101, T), req(4 * PI, 104, T), req(5 * PI, 1, T, { id: 0xd302 })]);
    expect(r[4][0].summary).toContain('seq gap: #102-#103 not seen');
    expect(summaries(r[4]).slice(1)).toEqual([`${NAME} → ${T} UNI #102 LOST`, `${NAME} → ${T} UNI #103 LOST`]);
    expect(r[5][0].summary).toContain('in.mpathd restarted: ICMP id 0xd202 -> 0xd302 (PID byte changed)');
    expect(o.interfaces()).toHaveLength(1);
    expect(o.interfaces()[0].icmpId).toBe(0xd302);
  });

  it('sees an inflated FDT when RTT probes appear', () => {
    const o = new IpmpObserver();
    const r = feed(o, [req(0, 10, T), rep(1, 10, T), req(700, 11, T, { kind: 'RTT' }), rep(702, 11, T, { kind: 'RTT' })]);
    expect(r[2][0].summary).toContain('RTT #11 sent (RTT-only probe: the group FDT is inflated)');
    expect(r[3][0].summary).toBe(`${NAME} → ${T} RTT #11 acked 2.00ms`);
    expect(o.groups()[0].rttProbesSeen).toBe(true);
  });
});

describe('determinism', () => {
  it('replaying the same probes gives identical annotations', () => {
    const list = [
      ...probes(65530, 30, 0, (s) => s % 7 !== 0 && (s < 3 || s > 9)),
      req(30 * PI, 5, '224.0.0.1', { kind: 'MULTI' }),
      rep(30 * PI + 2, 5, '192.0.2.5', { kind: 'MULTI' }),
    ];
    // Compare what an annotation shows (its four fields), not how it builds them lazily.
    const shown = (runs: Annotation[][]) => runs.map((r) => r.map(({ source, summary, detail, json }) => ({ source, summary, detail, json })));
    const a = feed(new IpmpObserver(), list);
    const b = feed(new IpmpObserver(), list);
    expect(shown(b)).toEqual(shown(a));
    expect(a.flat().some((x) => x.json.verdict !== null)).toBe(true);
  });
});
