// The annotations of stored packets, kept small. An observer's Annotation is a live object (lazy
// -v lines and JSON built over the observer's state) costing hundreds of bytes, and a busy IPMP
// link annotates most packets, so a million of them would dwarf the frames. Each packet's
// annotations are frozen instead as soon as the observers return them: summary, -v lines as they
// read at that moment (what `snoop -v` would have printed) and JSON object. Within a block, an
// annotation is written as its difference from the previous one of the same source (the -v lines
// and JSON values that changed, usually a sequence number and an RTT), one JSON line per packet,
// and a full block is deflated to a few bytes per packet. Showing a row inflates its block, which
// a small cache keeps for the rows next to it.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Annotation } from '../annotate/annotation.js';

export const DEFAULT_BLOCK_ENTRIES = 1024;
/** Inflated blocks kept: the list shows at most a couple of blocks' worth of rows at once. */
const CACHED_BLOCKS = 4;
/** JSON text never holds a raw newline, so it separates the lines of a block. */
const SEPARATOR = '\n';

type Json = Record<string, unknown>;

/**
 * One annotation as written: -v lines equal to the previous annotation's line at the same index
 * are 0; the JSON is whole (`full`) when its keys differ from the previous one's, otherwise only
 * the values that changed (`changed`).
 */
type Written = [source: Annotation['source'], summary: string, detail: (string | 0)[], full: Json | null, changed: Json | null];

interface Block {
  /** Deflated lines; null while the block is still being filled (its lines are in `open`). */
  packed: Buffer | null;
  /** Owner sequence number (see `add`) of its last line, to release the block once that is gone. */
  lastOwner: number;
}

export class AnnotationLog {
  private readonly blockEntries: number;
  private blocks: Block[] = [];
  /** Entry id of the first line of blocks[0]. */
  private firstEntry = 0;
  /** Lines of the last block, not deflated yet, and what they hold (read without parsing). */
  private open: string[] = [];
  private openAnnotations: Annotation[][] = [];
  private nextEntry = 0;
  /** Inflated blocks by their first entry id, least recently used first. */
  private readonly cache = new Map<number, Annotation[][]>();
  /** The open block's last annotation of each source, which the next one is written against. */
  private previous = new Map<string, Annotation>();

  constructor(blockEntries = DEFAULT_BLOCK_ENTRIES) {
    this.blockEntries = Math.max(1, blockEntries);
  }

  /** Entries ever added: the id the next one gets. */
  get entries(): number {
    return this.nextEntry;
  }

  /** Deflated bytes held (for tests and curiosity). */
  get packedBytes(): number {
    let n = 0;
    for (const b of this.blocks) n += b.packed?.length ?? 0;
    return n;
  }

  /**
   * Freeze `list` (non-empty) and return its entry id. `owner` is a number that only grows (the
   * packet's sequence number): `release` drops blocks by it.
   */
  add(list: readonly Annotation[], owner: number): number {
    if (!this.open.length) this.blocks.push({ packed: null, lastOwner: owner });
    const written: Written[] = [];
    const frozen: Annotation[] = [];
    for (const a of list) {
      // Read every lazy part now and keep copies of the results, not the observer's object.
      const f: Annotation = { source: a.source, summary: a.summary, detail: [...a.detail], json: { ...a.json } };
      written.push(difference(f, this.previous.get(f.source)));
      this.previous.set(f.source, f);
      frozen.push(f);
    }
    this.open.push(JSON.stringify(written));
    this.openAnnotations.push(frozen);
    const block = this.blocks[this.blocks.length - 1];
    block.lastOwner = Math.max(block.lastOwner, owner);
    if (this.open.length === this.blockEntries) this.seal();
    return this.nextEntry++;
  }

  /** The annotations of entry `id`, as they were added; undefined once released. */
  get(id: number): Annotation[] | undefined {
    if (id < this.firstEntry || id >= this.nextEntry) return undefined;
    const index = Math.floor((id - this.firstEntry) / this.blockEntries);
    const at = id - this.firstEntry - index * this.blockEntries;
    const lines = this.blockLines(id - at, this.blocks[index]);
    // Copies: callers may change what they get without changing what is stored.
    return lines[at].map((a) => ({ source: a.source, summary: a.summary, detail: [...a.detail], json: { ...a.json } }));
  }

  /** Forget every block whose lines all belong to owners before `owner`. */
  release(owner: number): void {
    let n = 0;
    // The open block stays: it is still being filled.
    while (n < this.blocks.length && this.blocks[n].packed && this.blocks[n].lastOwner < owner) n++;
    if (!n) return;
    this.blocks.splice(0, n);
    const first = this.firstEntry + n * this.blockEntries;
    for (const key of this.cache.keys()) if (key < first) this.cache.delete(key);
    this.firstEntry = first;
  }

  /** Every entry of the block starting at entry `first`. */
  private blockLines(first: number, block: Block): Annotation[][] {
    if (!block.packed) return this.openAnnotations;
    let lines = this.cache.get(first);
    if (lines) {
      this.cache.delete(first);
    } else {
      lines = rebuild(inflateRawSync(block.packed).toString('utf8').split(SEPARATOR));
      if (this.cache.size >= CACHED_BLOCKS) this.cache.delete(this.cache.keys().next().value as number);
    }
    this.cache.set(first, lines);
    return lines;
  }

  private seal(): void {
    // Level 1: the lines are mostly alike, and deflating them harder buys little for its time.
    this.blocks[this.blocks.length - 1].packed = deflateRawSync(this.open.join(SEPARATOR), { level: 1 });
    this.open = [];
    this.openAnnotations = [];
    // Blocks are read alone, so the next one starts from scratch.
    this.previous = new Map();
  }
}

function difference(a: Annotation, prev: Annotation | undefined): Written {
  const detail: (string | 0)[] = a.detail.map((line, i) => (prev && prev.detail[i] === line ? 0 : line));
  const json = a.json;
  const keys = Object.keys(json);
  // JSON drops undefined values, so a change to undefined could not be told from no change.
  if (keys.some((k) => json[k] === undefined)) return [a.source, a.summary, detail, json, null];
  if (!prev) return [a.source, a.summary, detail, json, null];
  const prevJson = prev.json;
  const prevKeys = Object.keys(prevJson);
  if (keys.length !== prevKeys.length || keys.some((k, i) => k !== prevKeys[i])) return [a.source, a.summary, detail, json, null];
  const changed: Json = {};
  // Objects and arrays are written every time: comparing them would cost what writing them does.
  for (const k of keys) if (json[k] !== prevJson[k] || (typeof json[k] === 'object' && json[k] !== null)) changed[k] = json[k];
  return [a.source, a.summary, detail, null, changed];
}

/** The annotations of each line of a block, undoing `difference` in order. */
function rebuild(lines: readonly string[]): Annotation[][] {
  const previous = new Map<string, Annotation>();
  return lines.map((line) =>
    (JSON.parse(line) as Written[]).map(([source, summary, written, full, changed]) => {
      const prev = previous.get(source);
      const detail = written.map((l, i) => (l === 0 ? (prev?.detail[i] ?? '') : l));
      const a: Annotation = { source, summary, detail, json: full ?? { ...prev?.json, ...changed } };
      previous.set(source, a);
      return a;
    }),
  );
}
