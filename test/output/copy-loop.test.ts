// The run loop's plain copy (no decoding): each batch's part inside -p's range and -c's count
// goes to the writer in one call. It must write exactly the frames the decoding loop writes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFileSource } from '../../src/capture/file-source.js';
import { LinkType, type CaptureSource, type FrameBatch } from '../../src/capture/frame.js';
import { openCaptureWriter } from '../../src/output/capture-writer.js';
import { runLoop, type LoopOptions } from '../../src/run.js';
import { batchOf, makeFrames, readAll, sameFrames, tempDir, type TestFrame } from '../capture/file-fixtures.js';

const dir = tempDir();
let n = 0;
const links = [{ name: 'e', linkType: LinkType.ETHERNET, snaplen: 65535 }];
const frames = makeFrames(40, 21, { nano: true });

/** 40 frames in batches of 7 (the last one short). */
function source(): CaptureSource {
  const batches: FrameBatch[] = [];
  for (let at = 0; at < frames.length; at += 7) batches.push(batchOf(frames.slice(at, at + 7)));
  return {
    links,
    description: 'test frames',
    async *batches() {
      yield* batches;
    },
    stats: () => [],
    close: async () => undefined,
  };
}

/** Run the loop to a pcap file; the frames it holds and the loop's count of matches. */
async function copy(opts: Partial<LoopOptions>, decode: boolean): Promise<{ frames: TestFrame[]; matched: number }> {
  const path = join(dir, `c${n++}.pcap`);
  const writer = openCaptureWriter(path, { links, nano: true });
  const result = await runLoop(source(), { filter: null, annotators: [], stopRequested: () => false, decode, checksums: false, ...opts }, { writer });
  writer.close();
  expect(readFileSync(path).length).toBeGreaterThan(0);
  return { frames: (await readAll(await openFileSource(path))).frames, matched: result.matched };
}

describe('plain copy in the run loop', () => {
  const cases: [string, Partial<LoopOptions>, number, number][] = [
    ['everything', {}, 0, 40],
    ['-p 5,17 (across batch edges)', { range: { first: 5, last: 17 } }, 4, 17],
    ['-p 8,14 (exactly one batch)', { range: { first: 8, last: 14 } }, 7, 14],
    ['-p 38,60 (past the end)', { range: { first: 38, last: 60 } }, 37, 40],
    ['-c 9', { count: 9 }, 0, 9],
    ['-c 7 (one whole batch)', { count: 7 }, 0, 7],
    ['-p 10,30 -c 5', { range: { first: 10, last: 30 }, count: 5 }, 9, 14],
  ];
  for (const [name, opts, from, to] of cases) {
    it(`${name}: the same frames as the decoding loop`, async () => {
      const plain = await copy(opts, false);
      const decoded = await copy(opts, true);
      const want = frames.slice(from, to).map((f) => ({ ...f, pktType: 255, direction: 0 }));
      expect(sameFrames(plain.frames, want)).toBe('same');
      expect(sameFrames(decoded.frames, want)).toBe('same');
      expect(plain.matched).toBe(to - from);
      expect(decoded.matched).toBe(to - from);
    });
  }
});
