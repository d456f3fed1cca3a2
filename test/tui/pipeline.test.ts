import { describe, expect, it } from 'vitest';
import { LinkType, type CaptureSource, type FrameBatch, type LinkDesc } from '../../src/capture/frame.js';
import { corpus } from '../../src/craft/corpus.js';
import { IpmpObserver } from '../../src/annotate/ipmp/observer.js';
import { L, Packet } from '../../src/decode/packet.js';
import { classify } from '../../src/tui/classify.js';
import { TuiPipeline } from '../../src/tui/pipeline.js';
import { Kind } from '../../src/tui/store.js';
import { batchOf } from './batch.js';

function sourceOf(batches: FrameBatch[]): CaptureSource {
  const links: LinkDesc[] = [{ name: 'net0', linkType: LinkType.ETHERNET, snaplen: 65535 }];
  return {
    links,
    description: 'test frames',
    async *batches() {
      yield* batches;
    },
    stats: () => [{ received: 0, dropped: 0 }],
    close: async () => {},
  };
}

const frames = corpus();
const frame = (label: string) => {
  const f = frames.find((c) => c.label === label);
  if (!f) throw new Error(`no corpus frame '${label}'`);
  return f.bytes;
};

const byLayer = (bit: number) => ({ matches: (pkt: Packet) => pkt.has(bit) });

describe('TuiPipeline', () => {
  it('stores every frame, shows what the filter matches, and re-filters stored packets', async () => {
    const batch = batchOf(frames.map((f) => f.bytes));
    const pipeline = new TuiPipeline(sourceOf([]), [], 1000);
    await pipeline.applyFilter(byLayer(L.ARP));
    pipeline.ingest(batch);
    expect(pipeline.store.size).toBe(frames.length);
    const arpRows = frames.flatMap((f, i) => (/ARP/.test(f.label) ? [i] : []));
    expect(arpRows.length).toBeGreaterThan(1);
    expect(Array.from({ length: pipeline.view.length }, (_, i) => pipeline.view.at(i))).toEqual(arpRows);

    await pipeline.applyFilter(byLayer(L.IGMP));
    const igmpRows = frames.flatMap((f, i) => (/IGMP/.test(f.label) ? [i] : []));
    expect(Array.from({ length: pipeline.view.length }, (_, i) => pipeline.view.at(i))).toEqual(igmpRows);

    // New packets are filtered as they arrive.
    pipeline.ingest(batchOf([frame('IGMPv2 report'), frame('TCP SYN')]));
    expect(pipeline.view.at(pipeline.view.length - 1)).toBe(frames.length);

    await pipeline.applyFilter(null);
    expect(pipeline.view.length).toBe(frames.length + 2);
  });

  it('re-decodes a stored packet exactly as it arrived', () => {
    const pipeline = new TuiPipeline(sourceOf([]), [], 1000);
    pipeline.ingest(batchOf(frames.map((f) => f.bytes)));
    const pkt = new Packet();
    const i = frames.findIndex((f) => f.label === 'TCP SYN');
    pipeline.decodeStored(i, pkt);
    expect(pkt.number).toBe(i + 1);
    expect(pkt.has(L.TCP)).toBe(true);
    expect(pkt.tcp.dstPort).toBe(22);
    expect(Array.from(pkt.bytes.subarray(pkt.start, pkt.end))).toEqual(Array.from(frames[i].bytes));
  });

  it('trims the view when the buffer limit drops packets', () => {
    const pipeline = new TuiPipeline(sourceOf([]), [], 10);
    const trimmed = [pipeline.ingest(batchOf(frames.slice(0, 8).map((f) => f.bytes))), pipeline.ingest(batchOf(frames.slice(8, 14).map((f) => f.bytes)))];
    expect(trimmed).toEqual([0, 4]);
    expect(pipeline.view.length).toBe(10);
    expect(pipeline.view.at(0)).toBe(4);
    expect(pipeline.store.dropped).toBe(4);
  });

  it('colours rows by kind', () => {
    const pipeline = new TuiPipeline(sourceOf([]), [], 1000);
    pipeline.ingest(batchOf(frames.map((f) => f.bytes)));
    const kindOf = (label: string) => pipeline.store.kind[pipeline.store.slot(frames.findIndex((f) => f.label === label))];
    expect(kindOf('ARP request')).toBe(Kind.ARP);
    expect(kindOf('IGMPv2 report')).toBe(Kind.MEMBERSHIP);
    expect(kindOf('MLDv2 report')).toBe(Kind.MEMBERSHIP);
    expect(kindOf('ND neighbor solicitation')).toBe(Kind.ND);
    expect(kindOf('mpathd UNI probe ms32')).toBe(Kind.PROBE);
    expect(kindOf('TCP SYN')).toBe(Kind.OTHER);
    expect(kindOf('IPv6 echo request')).toBe(Kind.OTHER);
  });

  it('turns a probe request green when its reply is seen, using the IPMP observer', () => {
    const pipeline = new TuiPipeline(sourceOf([]), [new IpmpObserver()], 1000);
    pipeline.ingest(batchOf([frame('mpathd UNI probe ms32'), frame('mpathd UNI reply ms32')]));
    const annotations = pipeline.store.annotationsOf(1) ?? [];
    expect(annotations.some((a) => a.json.state === 'acked')).toBe(true);
    expect(pipeline.store.kind[pipeline.store.slot(0)]).toBe(Kind.PROBE_ACKED);
    expect(pipeline.store.kind[pipeline.store.slot(1)]).toBe(Kind.PROBE_ACKED);
  });

  it('classify reads only the annotation about the packet\'s own probe', () => {
    const pkt = new Packet();
    const pipeline = new TuiPipeline(sourceOf([]), [], 10);
    pipeline.ingest(batchOf([frame('mpathd UNI probe ms32')]));
    pipeline.decodeStored(0, pkt);
    const about = (seq: number, state: string) => ({ source: 'ipmp' as const, summary: '', detail: [], json: { iface: 'net0', kind: 'UNI', seq, state } });
    expect(classify(pkt, [about(16, 'lost'), about(17, 'sent')])).toBe(Kind.PROBE);
    expect(classify(pkt, [about(17, 'lost')])).toBe(Kind.PROBE_LOST);
    expect(classify(pkt, [about(17, 'late')])).toBe(Kind.PROBE_ACKED);
  });

  it('waits for a running filter rebuild before ingesting more', async () => {
    const pipeline = new TuiPipeline(sourceOf([]), [], 100_000);
    const many = Array.from({ length: 50_000 }, () => frame('ARP request'));
    pipeline.ingest(batchOf(many));
    let slices = 0;
    const rebuild = pipeline.applyFilter(byLayer(L.ARP), () => slices++);
    let idleDone = false;
    const idle = pipeline.idle().then(() => (idleDone = true));
    await new Promise((r) => setImmediate(r));
    expect(idleDone).toBe(false);
    await rebuild;
    await idle;
    expect(slices).toBeGreaterThan(0);
    expect(pipeline.view.length).toBe(50_000);
  });
});
