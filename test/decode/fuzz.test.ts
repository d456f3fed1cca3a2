// Seeded mutation fuzz of the whole per-packet path: every corpus frame mutated 600 ways
// (bit flips, byte overwrites, truncation, length-field damage), then decoded, filtered,
// annotated and rendered in every mode. Nothing may throw and no read may go past the end.
import { describe, expect, it } from 'vitest';
import { IlmObserver } from '../../src/annotate/ilm/observer.js';
import { IpmpObserver } from '../../src/annotate/ipmp/observer.js';
import { allocBatch, LinkType, type LinkDesc } from '../../src/capture/frame.js';
import { corpus } from '../../src/craft/corpus.js';
import { decodeFrame } from '../../src/decode/decode.js';
import { Packet } from '../../src/decode/packet.js';
import { compileFilter } from '../../src/filter/compile.js';
import { jsonLine } from '../../src/output/json.js';
import { NO_NAMES } from '../../src/output/render/context.js';
import { TextFormatter } from '../../src/output/text.js';

/** xorshift32: a small deterministic generator, so a failure names a reproducible case. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

function mutate(frame: Uint8Array, rand: () => number): Uint8Array {
  const out = Uint8Array.from(frame);
  const edits = 1 + Math.floor(rand() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rand() * out.length);
    switch (Math.floor(rand() * 4)) {
      case 0:
        out[at] ^= 1 << Math.floor(rand() * 8);
        break;
      case 1:
        out[at] = Math.floor(rand() * 256);
        break;
      case 2:
        // Length-like fields: extreme values where headers keep their lengths and counts.
        out[at] = rand() < 0.5 ? 0 : 0xff;
        break;
      default:
        return out.subarray(0, at);
    }
  }
  return out;
}

const LINKS: LinkDesc[] = [{ name: 'net0', linkType: LinkType.ETHERNET, snaplen: 65535 }];
const GUARD = 0xee;

describe('mutation fuzz of decode → filter → annotate → render', () => {
  it('survives 20 000+ mutated frames in every output mode', () => {
    const frames = corpus().map((f) => f.bytes);
    const rand = rng(20261124);
    const pkt = new Packet();
    const ipmp = new IpmpObserver();
    const ilm = new IlmObserver();
    const filters = ['probe', 'group 239.1.2.3', 'igmp or mld', 'host 192.0.2.1 and icmp', 'ip[ip[0] & 0xf * 4 : 2] = 0x0800', 'port 53', 'vlan-id 100'].map((e) => compileFilter(e, { linkType: LinkType.ETHERNET }));
    const summary = new TextFormatter({ mode: 'summary', time: 'delta', numbers: true, showLength: true, showDrops: true, showLink: false, names: NO_NAMES }, LINKS);
    const layers = new TextFormatter({ mode: 'layers', time: 'none', numbers: false, showLength: false, showDrops: false, showLink: false, names: NO_NAMES }, LINKS);
    const verbose = new TextFormatter({ mode: 'verbose', time: 'none', numbers: false, showLength: false, showDrops: false, showLink: false, names: NO_NAMES, hex: { offset: 0, length: 1 << 20 } }, LINKS);
    const batch = allocBatch(1);
    let cases = 0;
    for (let round = 0; round < 600; round++) {
      for (const frame of frames) {
        const m = mutate(frame, rand);
        // The frame sits inside guard bytes: reading them would change the result, so a decoder
        // that strays past `end` shows up as a differing JSON line below.
        const padded = new Uint8Array(m.length + 64).fill(GUARD);
        padded.set(m, 32);
        batch.bytes = padded;
        batch.count = 1;
        batch.offset[0] = 32;
        batch.capLen[0] = m.length;
        batch.wireLen[0] = frame.length;
        batch.tsSec[0] = 1_767_225_600 + Math.floor(cases / 10);
        batch.tsNsec[0] = (cases % 10) * 100_000_000;
        cases++;
        decodeFrame(pkt, batch, 0, LinkType.ETHERNET, cases);
        for (const f of filters) f.matches(pkt);
        const annotations = [...ipmp.observe(pkt, 'net0'), ...ilm.observe(pkt, 'net0')];
        summary.format(pkt, annotations);
        layers.format(pkt, annotations);
        verbose.format(pkt, annotations);
        jsonLine(pkt, 'net0', annotations, NO_NAMES);
        const withGuard = jsonLine(pkt, 'net0', [], NO_NAMES);
        if (round % 50 === 0) {
          // Same bytes with different guard values must decode identically.
          padded.fill(0x00, 0, 32);
          padded.fill(0x00, 32 + m.length);
          decodeFrame(pkt, batch, 0, LinkType.ETHERNET, cases);
          expect(jsonLine(pkt, 'net0', [], NO_NAMES)).toBe(withGuard);
        }
      }
    }
    expect(cases).toBeGreaterThanOrEqual(20_000);
  });
});
