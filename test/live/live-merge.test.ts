// Multi-link capture merged per frame: the merge rule on its own (mergeStep), then the real
// kernel with frames interleaved on two links a couple of milliseconds apart, far closer than a
// ring block timeout, and kernel drop counts carried per frame for -D.
import { describe, expect, it } from 'vitest';
import type { FrameBatch } from '../../src/capture/frame.js';
import { mergeStep, retireHoldMs, type LiveSource, type MergeDecision, type MergeHead } from '../../src/capture/live-source.js';
import { ether } from '../../src/craft/frames.js';
import { LAB_ETHERTYPE, liveTestsEnabled, sleep, useTwoLinkRig, type VethPair } from '../helpers/netns.js';

const head = (sec: number, nsec: number, ready = true, active = true): MergeHead => ({ active, ready, sec, nsec });
const decide = (heads: MergeHead[], nowMs: number, holdMs = 60): MergeDecision =>
  mergeStep(heads, nowMs, holdMs, { link: 7, untilSec: 0, untilNsec: 0, waitUntilMs: 0 });

describe('mergeStep', () => {
  it('hands out a single link whole block at once, without waiting', () => {
    expect(decide([head(100, 5)], 0)).toEqual({ link: 0, untilSec: Infinity, untilNsec: 0, waitUntilMs: Infinity });
  });

  it('takes the oldest ready link only up to the next frame of the others', () => {
    const heads = [head(100, 900), head(100, 300), head(101, 0)];
    expect(decide(heads, 0)).toEqual({ link: 1, untilSec: 100, untilNsec: 900, waitUntilMs: Infinity });
    // A tie goes to the first link; the other, stamped the same, bounds it (frames at that instant go).
    expect(decide([head(100, 300), head(100, 300)], 0)).toMatchObject({ link: 0, untilSec: 100, untilNsec: 300 });
  });

  it('ignores links that have ended', () => {
    expect(decide([head(100, 900), head(100, 300, true, false), head(0, 0, false, false)], 0)).toEqual({
      link: 0,
      untilSec: Infinity,
      untilNsec: 0,
      waitUntilMs: Infinity,
    });
  });

  it('holds a frame while a link with no ready block may still have older frames in the kernel', () => {
    // Frame at 100.250 s; the idle link's unretired block could hold frames up to 60 ms older than now.
    const heads = [head(100, 250_000_000), head(0, 0, false)];
    expect(decide(heads, 100_300)).toEqual({ link: -1, untilSec: Infinity, untilNsec: 0, waitUntilMs: 100_310 });
    // Once the hold has passed, frames up to now - hold go.
    expect(decide(heads, 100_400)).toEqual({ link: 0, untilSec: 100, untilNsec: 340_000_000, waitUntilMs: Infinity });
    // The tighter of the two bounds wins.
    expect(decide([head(100, 250_000_000), head(0, 0, false), head(100, 260_000_000)], 100_400)).toMatchObject({
      link: 0,
      untilSec: 100,
      untilNsec: 260_000_000,
    });
  });

  it('lets the held frame itself go once its hold has passed, whatever the rounding of milliseconds', () => {
    // now - hold, in ms as a double, comes back about 100 ns short of these stamps; the bound
    // must still take the frame, or the capture loop would find nothing to hand out and spin.
    for (const [sec, nsec] of [
      [1_700_000_005, 40_109_735],
      [1_700_000_006, 48_131_682],
      [1_700_000_007, 56_153_629],
    ]) {
      const due = sec * 1000 + nsec / 1e6 + 61.25;
      const d = decide([head(sec, nsec), head(0, 0, false)], due, 61.25);
      expect(d.link).toBe(0);
      expect(d.untilSec > sec || (d.untilSec === sec && d.untilNsec >= nsec)).toBe(true);
    }
  });

  it('hands everything out when told the wait is over (nowMs = Infinity)', () => {
    expect(decide([head(100, 0), head(0, 0, false)], Infinity)).toEqual({ link: 0, untilSec: Infinity, untilNsec: 0, waitUntilMs: Infinity });
  });

  it('waits for frames when no link has any ready', () => {
    expect(decide([head(0, 0, false), head(0, 0, false, false)], 5)).toEqual({ link: -1, untilSec: Infinity, untilNsec: 0, waitUntilMs: Infinity });
  });

  it('holds for the block timeout plus the kernel timer slack', () => {
    expect(retireHoldMs(50)).toBeCloseTo(61.25);
    expect(retireHoldMs(200)).toBeCloseTo(230);
  });
});

interface Seen {
  link: number;
  seq: number;
  ns: bigint;
  drops: number;
}

function collect(batch: FrameBatch, into: Seen[]): void {
  const dv = new DataView(batch.bytes.buffer, batch.bytes.byteOffset);
  for (let i = 0; i < batch.count; i++) {
    into.push({
      link: batch.link[i],
      seq: dv.getUint32(batch.offset[i] + 14),
      ns: BigInt(batch.tsSec[i]) * 1_000_000_000n + BigInt(batch.tsNsec[i]),
      drops: batch.drops[i],
    });
  }
}

describe.runIf(liveTestsEnabled())('LiveSource merging links per frame', () => {
  const rig = useTwoLinkRig('merge');

  const frame = (v: VethPair, seq: number): Uint8Array => {
    const payload = new Uint8Array(64);
    new DataView(payload.buffer).setUint32(0, seq);
    return ether({ dst: v.macB, src: v.macA, type: LAB_ETHERTYPE }, payload);
  };


  /** Read the source while `send` runs, stop once it is done, and give up after 10 s. */
  async function capture(src: LiveSource, send: () => Promise<void>): Promise<Seen[]> {
    const seen: Seen[] = [];
    const sender = send().then(() => src.stop());
    const limit = setTimeout(() => void src.close(), 10_000);
    for await (const b of src.batches()) collect(b, seen);
    clearTimeout(limit);
    await sender;
    return seen;
  }

  it('interleaves frames of two links in time order, far finer than a block timeout', async () => {
    const src = await rig.openCapture([rig.v1.b, rig.v2.b]);
    const total = 200;
    // Alternate links every ~2 ms while the capture is read: each 10 ms block holds a few frames
    // of one link, so a block-by-block merge would put runs of one link ahead of the other's.
    const seen = await capture(src, async () => {
      for (let seq = 0; seq < total; seq++) {
        if (seq % 2 === 0) rig.tx1.send(null, frame(rig.v1, seq));
        else rig.tx2.send(null, frame(rig.v2, seq));
        await sleep(2);
      }
    });
    expect(seen.length).toBe(total);
    for (let i = 1; i < seen.length; i++) expect(seen[i].ns >= seen[i - 1].ns, `frame ${i} (seq ${seen[i].seq}) after ${seen[i - 1].seq}`).toBe(true);
    expect(seen.map((s) => s.seq)).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(seen.map((s) => s.link)).toEqual(Array.from({ length: total }, (_, i) => i % 2));
    expect(src.stats()).toEqual([
      { received: total / 2, dropped: 0 },
      { received: total / 2, dropped: 0 },
    ]);
    await src.close();
  });

  it('keeps one busy link in order with a quiet one, and drains both at stop()', async () => {
    const src = await rig.openCapture([rig.v1.b, rig.v2.b]);
    // A run on link 1, a single frame on link 2 in its middle, then the rest of the run: the
    // lone frame has to wait in its own ring's block for the run's frames around it.
    const seen = await capture(src, async () => {
      for (let seq = 0; seq < 30; seq++) {
        if (seq === 15) rig.tx2.send(null, frame(rig.v2, seq));
        else rig.tx1.send(null, frame(rig.v1, seq));
        await sleep(1);
      }
    });
    expect(seen.map((s) => s.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(seen.filter((s) => s.link === 1).map((s) => s.seq)).toEqual([15]);
    await src.close();
  });

  it('carries the link\'s cumulative kernel drop count on each frame (-D)', async () => {
    const src = await rig.openCapture([rig.v1.b, rig.v2.b], { ringBytes: 8192, blockTimeoutMs: 5 });
    const sent = 2000;
    const seen = await capture(src, async () => {
      rig.tx2.send(null, frame(rig.v2, 0));
      // A burst far bigger than two 4 KiB blocks: most of it is dropped before we read.
      for (let seq = 1; seq <= sent; seq++) rig.tx1.send(null, frame(rig.v1, seq));
      await sleep(30);
    });
    const [busy, quiet] = src.stats();
    expect(busy.dropped).toBeGreaterThan(0);
    expect(seen.filter((s) => s.link === 0).length + busy.dropped).toBe(sent);
    expect(quiet).toEqual({ received: 1, dropped: 0 });
    const drops = seen.filter((s) => s.link === 0).map((s) => s.drops);
    // Read after the burst, so every frame already shows drops; never more than the total, never decreasing.
    expect(Math.min(...drops)).toBeGreaterThan(0);
    expect(Math.max(...drops)).toBeLessThanOrEqual(busy.dropped);
    for (let i = 1; i < drops.length; i++) expect(drops[i]).toBeGreaterThanOrEqual(drops[i - 1]);
    expect(seen.find((s) => s.link === 1)?.drops).toBe(0);
    await src.close();
  });
});
