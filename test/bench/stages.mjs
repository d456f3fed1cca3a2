#!/usr/bin/env node
// Where the time goes when printing summaries: runs the pipeline over one capture several times,
// adding a stage each time, and prints CPU microseconds per packet for each, and the bytes each
// stage allocates per packet (V8's sampling heap profiler over one more run, objects that died
// young included).
//   node test/bench/stages.mjs [file.pcap]   (default: a 200 k-packet probe-heavy capture)
import { existsSync, mkdirSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { Writable } from 'node:stream';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBigCapture } from './big-capture.mjs';
import { openFileSource } from '../../dist/capture/file-source.js';
import { decodeFrame } from '../../dist/decode/decode.js';
import { Packet } from '../../dist/decode/packet.js';
import { IpmpObserver } from '../../dist/annotate/ipmp/observer.js';
import { IlmObserver } from '../../dist/annotate/ilm/observer.js';
import { TextFormatter } from '../../dist/output/text.js';
import { TextSink } from '../../dist/output/stdout-sink.js';
import { NO_NAMES } from '../../dist/output/render/context.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let file = process.argv[2];
if (!file) {
  mkdirSync(join(root, 'test', 'bench', 'out'), { recursive: true });
  file = join(root, 'test', 'bench', 'out', 'big-200000.pcap');
  if (!existsSync(file)) writeBigCapture(file, 200_000);
}

const NONE = Object.freeze([]);

async function run(stages) {
  const source = await openFileSource(file);
  const pkt = new Packet();
  const ipmp = new IpmpObserver();
  const ilm = new IlmObserver();
  const formatter = new TextFormatter({ mode: 'summary', time: 'delta', numbers: true, showLength: false, showDrops: false, showLink: false, names: NO_NAMES }, source.links);
  const sink = new TextSink(new Writable({ write(_chunk, _enc, done) { done(); } }));
  let count = 0;
  const t0 = process.cpuUsage();
  for await (const batch of source.batches()) {
    for (let i = 0; i < batch.count; i++) {
      count++;
      if (stages < 1) continue;
      const link = source.links[batch.link[i]];
      decodeFrame(pkt, batch, i, link.linkType, count);
      let notes = NONE;
      if (stages >= 2) notes = ipmp.observe(pkt, link.name);
      if (stages >= 3) { const more = ilm.observe(pkt, link.name); if (more.length) notes = notes.length ? [...notes, ...more] : more; }
      if (stages >= 4) formatter.write(pkt, notes, sink);
    }
    if (stages >= 4) await sink.flush();
  }
  const used = process.cpuUsage(t0);
  await source.close();
  return { count, us: (used.user + used.system) / count };
}

/** Bytes allocated per packet by one run of the first `stages` stages. */
async function allocated(session, stages) {
  await session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true });
  const { count } = await run(stages);
  const { profile } = await session.post('HeapProfiler.stopSampling');
  let bytes = 0;
  const walk = (node) => {
    bytes += node.selfSize;
    for (const child of node.children) walk(child);
  };
  walk(profile.head);
  return bytes / count;
}

const session = new Session();
session.connect();
await session.post('HeapProfiler.enable');
const names = ['read', 'decode', '+ IPMP observer', '+ ilm observer', '+ summary text into the output buffer'];
console.log(`file: ${file}`);
console.log('| stage | µs per packet (cumulative) | stage alone | bytes allocated per packet (cumulative) |');
console.log('|---|---:|---:|---:|');
let prev = 0;
for (let s = 0; s < names.length; s++) {
  let best = Infinity;
  for (let r = 0; r < 3; r++) best = Math.min(best, (await run(s)).us);
  const bytes = await allocated(session, s);
  console.log(`| ${names[s]} | ${best.toFixed(2)} | ${(best - prev).toFixed(2)} | ${bytes.toFixed(0)} |`);
  prev = best;
}
session.disconnect();
