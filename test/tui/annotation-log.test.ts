import { describe, expect, it } from 'vitest';
import type { Annotation } from '../../src/annotate/annotation.js';
import { AnnotationLog } from '../../src/tui/annotation-log.js';

/** An IPMP-like annotation whose text and JSON change with the probe number, as real ones do. */
function probe(seq: number, extra: Record<string, unknown> = {}): Annotation {
  const state = seq % 2 ? 'acked' : 'sent';
  return {
    source: 'ipmp',
    summary: `g0/net0 → 192.0.2.1 UNI #${seq} ${state}`,
    detail: ['Group = g0', 'Interface = net0', `Probe = UNI #${seq} (ns64)`, `State = ${state}`, ...(seq % 3 ? [] : [`Net RTT = ${seq / 100} ms`])],
    json: { group: 'g0', iface: 'net0', seq, state, netrttMs: seq % 3 ? null : seq / 100, sources: [seq], ...extra },
  };
}

function membership(n: number): Annotation {
  return { source: 'ilm', summary: `ilm net0 239.1.2.${n} JOIN`, detail: [`Group = 239.1.2.${n}`, 'Event = JOIN'], json: { group: `239.1.2.${n}`, event: 'JOIN' } };
}

const plain = (list: readonly Annotation[]) => list.map((a) => ({ source: a.source, summary: a.summary, detail: [...a.detail], json: JSON.parse(JSON.stringify(a.json)) as unknown }));

describe('AnnotationLog', () => {
  it('gives back every entry exactly as added, from the open block and from deflated ones', () => {
    const log = new AnnotationLog(16);
    const added: Annotation[][] = [];
    for (let i = 0; i < 200; i++) {
      // Sources interleave, keys come and go, some packets carry two annotations.
      const list = i % 7 === 0 ? [probe(i), membership(i % 4)] : i % 11 === 0 ? [probe(i, { verdict: 'target 192.0.2.1 FAILED' })] : [probe(i)];
      added.push(list);
      expect(log.add(list, i)).toBe(i);
    }
    expect(log.entries).toBe(200);
    expect(log.packedBytes).toBeGreaterThan(0);
    // Backwards, so each block is inflated afresh and the cache is exercised.
    for (let i = 199; i >= 0; i--) expect(plain(log.get(i) ?? [])).toEqual(plain(added[i]));
  });

  it('reads lazy parts once, when added, and is not changed by later edits of the objects', () => {
    let detailReads = 0;
    const lazy: Annotation = {
      source: 'ipmp',
      summary: 'first',
      get detail() {
        detailReads++;
        return ['Target = 192.0.2.1'];
      },
      json: { seq: 1 },
    };
    const log = new AnnotationLog(4);
    const id = log.add([lazy], 0);
    expect(detailReads).toBe(1);
    lazy.summary = 'changed later';
    lazy.json.seq = 99;
    const got = log.get(id)?.[0];
    expect(got?.summary).toBe('first');
    expect(got?.detail).toEqual(['Target = 192.0.2.1']);
    expect(got?.json).toEqual({ seq: 1 });
    // What a caller does to its copy does not reach the log either.
    got?.detail.push('scribble');
    expect(log.get(id)?.[0].detail).toEqual(['Target = 192.0.2.1']);
  });

  it('keeps a value that changes to undefined apart from one that did not change', () => {
    const log = new AnnotationLog(8);
    log.add([{ source: 'ilm', summary: 'a', detail: [], json: { querier: '192.0.2.1' } }], 0);
    log.add([{ source: 'ilm', summary: 'b', detail: [], json: { querier: undefined } }], 1);
    expect(log.get(1)?.[0].json.querier).toBeUndefined();
  });

  it('releases whole deflated blocks once their owners are gone, never the open one', () => {
    const log = new AnnotationLog(10);
    for (let i = 0; i < 35; i++) log.add([probe(i)], i * 2);
    log.release(25); // owners 0..18 (block 0) are gone; block 1 still holds owner 38
    expect(log.get(9)).toBeUndefined();
    expect(log.get(10)?.[0].summary).toBe(probe(10).summary);
    log.release(1000);
    expect(log.get(29)).toBeUndefined();
    expect(log.get(30)?.[0].summary).toBe(probe(30).summary); // the open block stays
    expect(log.get(35)).toBeUndefined();
  });
});
