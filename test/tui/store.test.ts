import { describe, expect, it } from 'vitest';
import { FilteredView, Kind, PacketStore } from '../../src/tui/store.js';
import type { Annotation } from '../../src/annotate/annotation.js';
import { batchOf, marked } from './batch.js';

function storedBytes(store: PacketStore, seq: number): Uint8Array {
  const slot = store.select(seq);
  const off = store.batch.offset[slot];
  return store.batch.bytes.subarray(off, off + store.batch.capLen[slot]);
}

const note = (summary: string): Annotation => ({ source: 'ipmp', summary, detail: [], json: {} });

describe('PacketStore', () => {
  it('copies a batch and gives back every frame and its metadata', () => {
    const store = new PacketStore();
    const frames = [marked(1, 60), marked(2, 98), marked(3, 1514)];
    const batch = batchOf(frames, { gap: 16 });
    const first = store.append(batch);
    expect(first).toBe(0);
    batch.bytes.fill(0); // the source reuses its memory: the store must not care
    expect(store.size).toBe(3);
    frames.forEach((f, i) => {
      expect(Array.from(storedBytes(store, i))).toEqual(Array.from(f));
      const slot = store.slot(i);
      expect(store.batch.wireLen[slot]).toBe(f.length + 4);
      expect(store.batch.tsNsec[slot]).toBe(i * 1_000_000);
      expect(store.batch.direction[slot]).toBe(1);
    });
  });

  it('copies neighbouring frames together but never past the current chunk', () => {
    const store = new PacketStore({ chunkBytes: 300 });
    const frames = Array.from({ length: 10 }, (_, i) => marked(i + 1, 100));
    store.append(batchOf(frames, { gap: 8 }));
    // 100-byte frames 8 bytes apart: two runs fit per 300-byte chunk (100 + 8 + 100 = 208, a third would be 316).
    expect(store.chunkCount).toBe(5);
    frames.forEach((f, i) => expect(Array.from(storedBytes(store, i))).toEqual(Array.from(f)));
  });

  it('rolls over into new chunks as batches keep coming and keeps sequence numbers running', () => {
    const store = new PacketStore({ chunkBytes: 1000 });
    for (let b = 0; b < 20; b++) {
      const first = store.append(batchOf([marked(b * 2, 300), marked(b * 2 + 1, 300)], { gap: 100 }));
      expect(first).toBe(b * 2);
    }
    expect(store.nextSeq).toBe(40);
    expect(store.chunkCount).toBeGreaterThanOrEqual(14);
    for (let seq = 0; seq < 40; seq++) expect(storedBytes(store, seq)[0]).toBe(seq);
  });

  it('gives a frame bigger than a chunk a chunk of its own', () => {
    const store = new PacketStore({ chunkBytes: 64 });
    store.append(batchOf([marked(5, 10), marked(6, 200), marked(7, 10)]));
    expect(Array.from(storedBytes(store, 1))).toEqual(Array.from(marked(6, 200)));
    expect(storedBytes(store, 2)[0]).toBe(7);
  });

  it('keeps only the newest `limit` packets, counts the dropped ones and releases their chunks', () => {
    const store = new PacketStore({ limit: 5, chunkBytes: 256 });
    for (let i = 0; i < 12; i++) {
      store.append(batchOf([marked(i, 100)]));
      store.setAnnotations(i, [note(`probe ${i}`)]);
    }
    expect(store.size).toBe(5);
    expect(store.dropped).toBe(7);
    expect(store.firstSeq).toBe(7);
    expect(store.has(6)).toBe(false);
    expect(store.has(7)).toBe(true);
    expect(store.annotationsOf(6)).toBeUndefined();
    expect(store.annotationsOf(11)?.[0].summary).toBe('probe 11');
    for (let seq = 7; seq < 12; seq++) expect(storedBytes(store, seq)[0]).toBe(seq);
    // 5 packets of 100 bytes, two per 256-byte chunk: at most 3 chunks (plus the one being filled).
    expect(store.chunkCount).toBeLessThanOrEqual(4);
  });

  it('drops within one batch larger than the limit', () => {
    const store = new PacketStore({ limit: 3 });
    store.append(batchOf([marked(0, 60), marked(1, 60), marked(2, 60), marked(3, 60), marked(4, 60)]));
    expect(store.firstSeq).toBe(2);
    expect([2, 3, 4].map((s) => storedBytes(store, s)[0])).toEqual([2, 3, 4]);
  });

  it('grows its columns past the initial size', () => {
    const store = new PacketStore({ chunkBytes: 1 << 20 });
    const frames = Array.from({ length: 5000 }, (_, i) => marked(i, 60));
    store.append(batchOf(frames));
    expect(store.size).toBe(5000);
    store.kind[store.slot(4999)] = Kind.ARP;
    expect(storedBytes(store, 4999)[0]).toBe(4999 & 0xff);
    expect(store.batch.tsSec[store.slot(4999)]).toBe(1_700_000_004);
  });
});

describe('FilteredView', () => {
  it('pushes, grows, finds positions and trims dropped packets from the front', () => {
    const view = new FilteredView();
    for (let seq = 0; seq < 5000; seq += 2) view.push(seq);
    expect(view.length).toBe(2500);
    expect(view.at(0)).toBe(0);
    expect(view.at(2499)).toBe(4998);
    expect(view.positionOf(1000)).toBe(500);
    expect(view.positionOf(1001)).toBe(501); // not shown: the next row
    expect(view.trim(1001)).toBe(501);
    expect(view.length).toBe(1999);
    expect(view.at(0)).toBe(1002);
    expect(view.positionOf(1002)).toBe(0);
    for (let seq = 5000; seq < 9000; seq++) view.push(seq);
    expect(view.at(view.length - 1)).toBe(8999);
    expect(view.at(0)).toBe(1002);
    view.clear();
    expect(view.length).toBe(0);
  });
});

describe('PacketStore across many reused batches', () => {
  it('reads back every frame, its metadata and its annotations exactly as fed', () => {
    const store = new PacketStore({ limit: 10_000, chunkBytes: 4096, annotationBlock: 32 });
    // One buffer reused for every batch, as the file and ring sources do.
    const fed: { bytes: number[]; wire: number; annotations?: string[] }[] = [];
    let batch = batchOf([]);
    for (let b = 0; b < 60; b++) {
      const frames = Array.from({ length: 25 }, (_, i) => Uint8Array.from({ length: 40 + ((b * 25 + i) % 90) }, (_, k) => (b * 31 + i * 7 + k) & 0xff));
      batch = batchOf(frames, { gap: 16 + (b % 3) });
      const first = store.append(batch);
      frames.forEach((f, i) => {
        const seq = first + i;
        const annotations = seq % 4 === 3 ? undefined : [`probe #${seq}`, ...(seq % 10 === 0 ? [`verdict for ${seq}`] : [])];
        if (annotations) store.setAnnotations(seq, annotations.map(note));
        fed.push({ bytes: Array.from(f), wire: batch.wireLen[i], annotations });
      });
      batch.bytes.fill(0xee); // the next read overwrites the batch: nothing may point into it
    }
    expect(store.size).toBe(1500);
    expect(store.annotationStats.entries).toBe(1125);
    fed.forEach((f, seq) => {
      expect(Array.from(storedBytes(store, seq))).toEqual(f.bytes);
      expect(store.batch.wireLen[store.slot(seq)]).toBe(f.wire);
      expect(store.annotationsOf(seq)?.map((a) => a.summary)).toEqual(f.annotations);
    });
  });

  it('forgets a dropped packet\'s annotations and never lends them to the packet reusing its slot', () => {
    // 7 slots: an odd packet reuses the slot of an annotated even one, and the other way round.
    const store = new PacketStore({ limit: 7, annotationBlock: 4 });
    for (let seq = 0; seq < 40; seq++) {
      store.append(batchOf([marked(seq, 60)]));
      if (seq % 2 === 0) store.setAnnotations(seq, [note(`even ${seq}`)]);
    }
    for (let seq = 0; seq < 33; seq++) expect(store.annotationsOf(seq)).toBeUndefined();
    for (let seq = 33; seq < 40; seq++) expect(store.annotationsOf(seq)?.[0].summary).toBe(seq % 2 === 0 ? `even ${seq}` : undefined);
  });
});
