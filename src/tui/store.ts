// The TUI's packet store: every captured frame's bytes in large append-only chunks and its
// metadata in typed columns, so a million packets cost a few arrays and a few hundred buffers,
// never a million objects. Packets are named by a sequence number (0-based, never reused; the
// source packet number is seq + 1). With a buffer limit the store keeps only the newest `limit`
// packets: column slots are reused as a ring (slot = seq % limit) and a chunk is released once
// every packet in it has been dropped. Annotations are frozen into a deflated log
// (annotation-log.ts) and a packet keeps only its entry number there.
//
// The columns use FrameBatch's names and types, so `batch` below *is* a FrameBatch over the whole
// store: point its `bytes` at a packet's chunk (`select(seq)`) and decoders and capture writers
// read stored packets exactly as they read a live batch, without copying anything.
import type { Annotation } from '../annotate/annotation.js';
import { allocBatch, type FrameBatch } from '../capture/frame.js';
import { AnnotationLog } from './annotation-log.js';

export const DEFAULT_CHUNK_BYTES = 16 * 1024 * 1024;
export const DEFAULT_BUFFER_LIMIT = 1_000_000;

/** Colour class of a row, decided when the packet arrives (see classify.ts). */
export const Kind = { OTHER: 0, PROBE: 1, PROBE_ACKED: 2, PROBE_LOST: 3, MEMBERSHIP: 4, ARP: 5, ND: 6 } as const;

/** Gaps up to this many bytes between frames are copied along, so neighbours go in one copy. */
const MAX_COALESCE_GAP = 64;
const INITIAL_SLOTS = 1024;

interface Chunk {
  bytes: Buffer;
  used: number;
  /** Sequence number of the last packet stored in it. */
  lastSeq: number;
}

export interface StoreOptions {
  /** Keep only the newest this many packets (default 1,000,000). */
  limit?: number;
  /** Bytes per chunk (default 16 MiB); frames larger than this get a chunk of their own. */
  chunkBytes?: number;
  /** Annotated packets per deflated block of annotations (see annotation-log.ts). */
  annotationBlock?: number;
}

export class PacketStore {
  readonly limit: number;
  private readonly chunkBytes: number;
  private chunks: Chunk[] = [];
  /** Chunk id of chunks[0]. */
  private chunkBase = 0;
  /** First packet still stored, and one past the last. */
  private first = 0;
  private next = 0;
  private capacity = 0;

  /** A FrameBatch over every stored packet: index it with a slot, after `select`. */
  readonly batch: FrameBatch;
  /** Chunk id per slot. */
  private chunkOf = new Uint32Array(0);
  /** Colour class per slot (Kind.*). */
  kind = new Uint8Array(0);
  /** Per slot: 1 + the packet's entry in `annotations`, 0 when it has none. */
  private annotationEntry = new Float64Array(0);
  private readonly annotations: AnnotationLog;

  constructor(opts: StoreOptions = {}) {
    this.limit = Math.max(1, opts.limit ?? DEFAULT_BUFFER_LIMIT);
    this.chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.annotations = new AnnotationLog(opts.annotationBlock);
    this.batch = allocBatch(0);
    this.grow(Math.min(INITIAL_SLOTS, this.limit));
  }

  /** Sequence number of the oldest stored packet. */
  get firstSeq(): number {
    return this.first;
  }

  /** One past the newest stored packet: also the number of packets ever stored. */
  get nextSeq(): number {
    return this.next;
  }

  get size(): number {
    return this.next - this.first;
  }

  /** Packets pushed out by the buffer limit. */
  get dropped(): number {
    return this.first;
  }

  get chunkCount(): number {
    return this.chunks.length;
  }

  has(seq: number): boolean {
    return seq >= this.first && seq < this.next;
  }

  slot(seq: number): number {
    return seq % this.limit;
  }

  /** Point `batch.bytes` at the chunk holding `seq` and return its slot in `batch`. */
  select(seq: number): number {
    const slot = seq % this.limit;
    this.batch.bytes = this.chunks[this.chunkOf[slot] - this.chunkBase].bytes;
    return slot;
  }

  /** The packet's annotations, rebuilt from their frozen form: a fresh array on every call. */
  annotationsOf(seq: number): readonly Annotation[] | undefined {
    if (!this.has(seq)) return undefined;
    const entry = this.annotationEntry[seq % this.limit];
    return entry ? this.annotations.get(entry - 1) : undefined;
  }

  /** Remember `list` for packet `seq` as it reads now (later changes to the objects are not seen). */
  setAnnotations(seq: number, list: readonly Annotation[]): void {
    if (list.length && this.has(seq)) this.annotationEntry[seq % this.limit] = this.annotations.add(list, seq) + 1;
  }

  /** Annotated packets stored so far, and the bytes their deflated annotations take. */
  get annotationStats(): { entries: number; packedBytes: number } {
    return { entries: this.annotations.entries, packedBytes: this.annotations.packedBytes };
  }

  /**
   * Copy every frame of `batch` into the store; returns the sequence number of its first frame.
   * Frames lying next to each other in the batch's memory are copied with one call.
   */
  append(batch: FrameBatch): number {
    const firstSeq = this.next;
    const src = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.byteLength);
    let i = 0;
    while (i < batch.count) {
      // A run: frames whose bytes follow each other closely and fit together in the current chunk.
      const runStart = batch.offset[i];
      let runEnd = runStart + batch.capLen[i];
      const chunk = this.chunkFor(runEnd - runStart);
      const room = chunk.bytes.length - chunk.used;
      let j = i + 1;
      while (j < batch.count) {
        const off = batch.offset[j];
        const end = off + batch.capLen[j];
        if (off < runEnd || off - runEnd > MAX_COALESCE_GAP || end - runStart > room) break;
        runEnd = end;
        j++;
      }
      const base = chunk.used;
      src.copy(chunk.bytes, base, runStart, runEnd);
      chunk.used += runEnd - runStart;
      const chunkId = this.chunkBase + this.chunks.length - 1;
      for (let k = i; k < j; k++) this.put(batch, k, chunkId, base + batch.offset[k] - runStart);
      chunk.lastSeq = this.next - 1;
      i = j;
    }
    this.releaseChunks();
    this.annotations.release(this.first);
    return firstSeq;
  }

  private put(batch: FrameBatch, k: number, chunkId: number, offset: number): void {
    const seq = this.next;
    if (seq >= this.capacity && this.capacity < this.limit) this.grow(Math.min(this.limit, this.capacity * 2));
    if (seq - this.first >= this.limit) this.first++;
    const slot = seq % this.limit;
    const b = this.batch;
    this.chunkOf[slot] = chunkId;
    b.offset[slot] = offset;
    b.capLen[slot] = batch.capLen[k];
    b.wireLen[slot] = batch.wireLen[k];
    b.tsSec[slot] = batch.tsSec[k];
    b.tsNsec[slot] = batch.tsNsec[k];
    b.link[slot] = batch.link[k];
    b.direction[slot] = batch.direction[k];
    b.pktType[slot] = batch.pktType[k];
    b.drops[slot] = batch.drops[k];
    this.kind[slot] = Kind.OTHER;
    this.annotationEntry[slot] = 0;
    this.next = seq + 1;
  }

  /** The chunk to copy `len` more bytes into, starting a new one when the current is full. */
  private chunkFor(len: number): Chunk {
    const last = this.chunks[this.chunks.length - 1];
    if (last && last.bytes.length - last.used >= len) return last;
    const chunk: Chunk = { bytes: Buffer.allocUnsafe(Math.max(this.chunkBytes, len)), used: 0, lastSeq: -1 };
    this.chunks.push(chunk);
    return chunk;
  }

  /** Drop chunks whose packets have all left the store (never the one being filled). */
  private releaseChunks(): void {
    let n = 0;
    while (n < this.chunks.length - 1 && this.chunks[n].lastSeq < this.first) n++;
    if (n) {
      this.chunks.splice(0, n);
      this.chunkBase += n;
    }
  }

  private grow(capacity: number): void {
    const b = this.batch;
    const widen = <T extends Uint8Array | Uint16Array | Uint32Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const a = make(capacity);
      a.set(old as never);
      return a;
    };
    b.offset = widen(b.offset, (n) => new Uint32Array(n));
    b.capLen = widen(b.capLen, (n) => new Uint32Array(n));
    b.wireLen = widen(b.wireLen, (n) => new Uint32Array(n));
    b.tsSec = widen(b.tsSec, (n) => new Float64Array(n));
    b.tsNsec = widen(b.tsNsec, (n) => new Uint32Array(n));
    b.link = widen(b.link, (n) => new Uint16Array(n));
    b.direction = widen(b.direction, (n) => new Uint8Array(n));
    b.pktType = widen(b.pktType, (n) => new Uint8Array(n));
    b.drops = widen(b.drops, (n) => new Uint32Array(n));
    this.chunkOf = widen(this.chunkOf, (n) => new Uint32Array(n));
    this.kind = widen(this.kind, (n) => new Uint8Array(n));
    this.annotationEntry = widen(this.annotationEntry, (n) => new Float64Array(n));
    b.count = capacity;
    this.capacity = capacity;
  }
}

/**
 * The packets a filter lets through, as sequence numbers in arrival order. Rebuilt when the
 * filter changes, extended as packets arrive, and trimmed at the front as the store drops.
 */
export class FilteredView {
  private seqs = new Uint32Array(1024);
  private start = 0;
  private end = 0;

  get length(): number {
    return this.end - this.start;
  }

  /** Sequence number of the row at `pos` (0 = oldest shown). */
  at(pos: number): number {
    return this.seqs[this.start + pos];
  }

  push(seq: number): void {
    if (this.end === this.seqs.length) {
      const live = this.end - this.start;
      const next = live * 2 > this.seqs.length ? new Uint32Array(this.seqs.length * 2) : this.seqs;
      next.set(this.seqs.subarray(this.start, this.end), 0);
      this.seqs = next;
      this.start = 0;
      this.end = live;
    }
    this.seqs[this.end++] = seq;
  }

  clear(): void {
    this.start = this.end = 0;
  }

  /** Forget rows for packets the store no longer has; returns how many rows went. */
  trim(firstSeq: number): number {
    const before = this.start;
    while (this.start < this.end && this.seqs[this.start] < firstSeq) this.start++;
    return this.start - before;
  }

  /** Row position of `seq`, or of the first row after it when it is not shown (binary search). */
  positionOf(seq: number): number {
    let lo = this.start;
    let hi = this.end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seqs[mid] < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.start;
  }
}
