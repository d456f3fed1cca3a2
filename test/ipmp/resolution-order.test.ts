// The order probes resolve in, and what ipmpstat -p shows for them: losses decided at one tick are
// reported oldest first with the failure verdict on the loss that completes the count, TIME is
// relative to the capture start, and the row log counts rows past its capacity.
import { describe, expect, it } from 'vitest';
import type { Annotation } from '../../src/annotate/annotation.js';
import { validateIpmpConfig } from '../../src/annotate/ipmp/config.js';
import { IpmpObserver } from '../../src/annotate/ipmp/observer.js';
import { ProbeLog } from '../../src/annotate/ipmp/probe-log.js';
import { RttEstimator } from '../../src/annotate/ipmp/rtt.js';
import { formatProbeRow } from '../../src/annotate/ipmp/views.js';
import { MAC_A, rep, req } from './helpers.js';

const T = '192.0.2.1';

describe('several losses decided at one tick', () => {
  // Probe interval pinned at 1428 ms; gaps alternate 1000 / 1500 ms and nothing answers, so at a
  // tick after a short gap the newest probe is past its deadline and the one before is forced LOST.
  const gaps = [1000, 1500];
  const run = () => {
    const o = new IpmpObserver(validateIpmpConfig({ fdt: 10000, groups: { ipmp0: { interfaces: { net0: { mac: MAC_A } } } } }));
    let t = 0;
    const perPacket: Annotation[][] = [];
    for (let k = 0; k < 12; k++) {
      perPacket.push(o.observeProbe(req(t, 100 + k, T), ''));
      t += gaps[k % 2];
    }
    return { o, perPacket };
  };

  it('reports them oldest first, in the annotations and in the ipmpstat -p log', () => {
    const { o, perPacket } = run();
    const lost = perPacket.flat().filter((a) => a.json.state === 'lost').map((a) => a.json.seq as number);
    expect(perPacket.some((anns) => anns.filter((a) => a.json.state === 'lost').length === 2)).toBe(true);
    expect(lost).toEqual([...lost].sort((a, b) => a - b));
    expect(o.probeLog().map((r) => r.seq)).toEqual(lost);
  });

  it('puts FAILED on the loss that makes it five in a row: the newest of those it lists', () => {
    const { perPacket } = run();
    const withVerdict = perPacket.flat().filter((a) => a.json.verdict !== null);
    expect(withVerdict).toHaveLength(1);
    const v = withVerdict[0];
    const [, from, to] = /^net0 FAILED \(lost #(\d+)-#(\d+)\)$/.exec(v.json.verdict as string)!.map(Number);
    // This tick took the count from under five to five or six (two can resolve at once).
    const at = perPacket.findIndex((p) => p.includes(v));
    const lostBefore = perPacket.slice(0, at).flat().filter((a) => a.json.state === 'lost').length;
    expect(lostBefore).toBeLessThan(5);
    expect(to - from + 1).toBeGreaterThanOrEqual(5);
    expect(v.json.state).toBe('lost');
    expect(v.json.seq).toBe(to);
    expect(v.summary).toBe(`ipmp0/net0 → ${T} UNI #${to} LOST; net0 FAILED (lost #${from}-#${to})`);
    expect(v.detail).toContain(`Verdict = net0 FAILED (lost #${from}-#${to})`);
    // Its packet reports the losses oldest first, so the verdict line comes last.
    const anns = perPacket[at];
    expect(anns[anns.length - 1]).toBe(v);
  });
});

describe('ipmpstat -p TIME', () => {
  it('is the request time since the first packet, to the ms, not since a whole second', () => {
    const o = new IpmpObserver();
    // The first packet at 1000.750 s (helpers: ms after 1000 s).
    o.observeProbe(req(750, 7, T), '');
    o.observeProbe(rep(751, 7, T), '');
    o.observeProbe(req(750 + 1437, 8, T), '');
    o.observeProbe(rep(750 + 1438, 8, T), '');
    expect(o.probeLog().map((r) => r.timeSec)).toEqual([0, 1.437]);
    expect(o.probeLog().map((r) => formatProbeRow(r).split(/\s+/)[0])).toEqual(['0.00s', '1.44s']);
  });
});

describe('ProbeLog', () => {
  it('keeps the newest rows, counts every row, and reads a row the same every time', () => {
    const log = new ProbeLog(3);
    // An estimator in ms at average 1 ms, deviation 2 ms (sa = 8 x average, sv = 4 x deviation).
    const rtt = new RttEstimator('ms');
    rtt.sa = 8;
    rtt.sv = 8;
    // Sent at seq / 10 s, acked after seq ms except #2 (unacked); #5 has no target estimator.
    for (let seq = 1; seq <= 5; seq++) log.push(seq * 1e8, 'net0', seq, seq === 2 ? null : seq * 1e6, seq === 5 ? undefined : rtt, T);
    expect(log.total).toBe(5);
    expect(log.kept().map((r) => r.seq)).toEqual([3, 4, 5]);
    expect(log.since(4).map((r) => r.seq)).toEqual([5]);
    // A reader that fell behind gets what is left, not rows twice.
    expect(log.since(0).map((r) => r.seq)).toEqual([3, 4, 5]);
    expect(log.since(5)).toEqual([]);
    expect(log.row(4)).toEqual(log.kept()[2]);
    expect(log.row(2)).toMatchObject({ timeSec: 0.3, iface: 'net0', seq: 3, netRttMs: 3, rttAvgMs: 1, rttDevMs: 2, target: T });
    expect(log.row(4)).toMatchObject({ timeSec: 0.5, seq: 5, netRttMs: 5, rttAvgMs: null, rttDevMs: null });
    // A row is worked out from what was logged: a later sample does not change it.
    rtt.sa = 80;
    expect(log.row(2)).toMatchObject({ rttAvgMs: 1 });
  });
});
