#!/usr/bin/env node
// What printing one summary line costs, line by line: the first cycle of the benchmark's packet
// mix (probes and replies, ARP, echo, IGMP, MLD, UDP, TCP) is decoded and annotated once, then
// each line is written into the output buffer over and over, warm; prints the best of 7 rounds.
//   node test/bench/lines.mjs
import { existsSync, mkdirSync } from 'node:fs';
import { Writable } from 'node:stream';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBigCapture } from './big-capture.mjs';
import { observeAll } from '../../dist/annotate/annotation.js';
import { IlmObserver } from '../../dist/annotate/ilm/observer.js';
import { IpmpObserver } from '../../dist/annotate/ipmp/observer.js';
import { openFileSource } from '../../dist/capture/file-source.js';
import { allocBatch } from '../../dist/capture/frame.js';
import { decodeFrame } from '../../dist/decode/decode.js';
import { Packet } from '../../dist/decode/packet.js';
import { NO_NAMES } from '../../dist/output/render/context.js';
import { TextSink } from '../../dist/output/stdout-sink.js';
import { TextFormatter } from '../../dist/output/text.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
mkdirSync(join(root, 'test', 'bench', 'out'), { recursive: true });
const file = join(root, 'test', 'bench', 'out', 'big-100000.pcap');
if (!existsSync(file)) writeBigCapture(file, 100_000);

/** The mix repeats every 24 packets; the third cycle has its targets and groups known. */
const FIRST = 49;
const LAST = 72;
const ROUNDS = 7;
const WRITES = 50_000;

const source = await openFileSource(file);
const annotators = [new IpmpObserver(), new IlmObserver()];
const lines = [];
let number = 0;
read: for await (const batch of source.batches()) {
  for (let i = 0; i < batch.count; i++) {
    const link = source.links[batch.link[i]];
    const pkt = new Packet();
    decodeFrame(pkt, frameOf(batch, i), 0, link.linkType, ++number);
    const annotations = observeAll(annotators, pkt, link.name);
    if (number >= FIRST) lines.push({ pkt, annotations: [...annotations] });
    if (number === LAST) break read;
  }
}
await source.close();

const formatter = new TextFormatter({ mode: 'summary', time: 'delta', numbers: true, showLength: false, showDrops: false, showLink: false, names: NO_NAMES }, source.links);
const sink = new TextSink(new Writable({ write(_chunk, _encoding, done) { done(); } }));
let total = 0;
console.log('| ns per line | line |');
console.log('|---:|---|');
for (const { pkt, annotations } of lines) {
  const best = bestTime(pkt, annotations);
  total += best;
  console.log(`| ${best.toFixed(0)} | \`${formatter.format(pkt, annotations).trimEnd().slice(0, 110)}\` |`);
}
console.log(`\nmean: ${(total / lines.length).toFixed(0)} ns per line`);

/** Best time of ROUNDS rounds of WRITES writes of one line, after a round that warms up (ns per line). */
function bestTime(pkt, annotations) {
  let best = Infinity;
  for (let round = 0; round <= ROUNDS; round++) {
    const t0 = process.hrtime.bigint();
    // A full buffer goes to the stream, which takes it at once: no flushing needed here.
    for (let w = 0; w < WRITES; w++) formatter.write(pkt, annotations, sink);
    if (round > 0) best = Math.min(best, Number(process.hrtime.bigint() - t0) / WRITES);
  }
  return best;
}

/** Frame `i` of `batch` as a batch of its own: the reader reuses its buffers, so the bytes are copied. */
function frameOf(batch, i) {
  const one = allocBatch(1);
  one.bytes = batch.bytes.slice(batch.offset[i], batch.offset[i] + batch.capLen[i]);
  one.count = 1;
  for (const field of ['capLen', 'wireLen', 'tsSec', 'tsNsec', 'link', 'direction', 'pktType', 'drops']) one[field][0] = batch[field][i];
  return one;
}
