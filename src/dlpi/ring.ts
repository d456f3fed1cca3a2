// The TPACKET_V3 receive ring: what bufmod is to snoop on illumos. The kernel fills fixed-size
// blocks with packets and hands a block to user space when it is full or when the retire timer
// (tp_retire_blk_tov) fires. We map the ring once and read it from JS through a zero-copy view;
// a block goes back to the kernel only when the consumer has finished with the batch made from it.
//
// Layouts are linux/if_packet.h on a little-endian 64-bit host (x86_64, aarch64): see
// capture-linux.md §1 and multicast-ilm.md §5.3.
import { Direction, PacketType, allocBatch, type FrameBatch } from '../capture/frame.js';
import { sysError } from './errors.js';
import * as c from './libc.js';

const PACKET_RX_RING = 5;
const PACKET_VERSION = 10;
const PACKET_RESERVE = 12;
const TPACKET_V3 = 2;

const TP_STATUS_KERNEL = 0;
const TP_STATUS_USER = 1;
const TP_STATUS_VLAN_VALID = 0x10;
const TP_STATUS_VLAN_TPID_VALID = 0x40;
const ETH_P_8021Q = 0x8100;
/** Bytes before the EtherType, where a stripped 802.1Q tag goes back (libpcap's vlan_offset). */
const VLAN_OFFSET = 12;
const VLAN_TAG_LEN = 4;
/**
 * Bytes the ring keeps free in front of every frame, even after a VLAN tag went back in, for a
 * capture file's record header (pcap's is 16): FrameBatch.headroom.
 */
const FRAME_HEADROOM = 16;

// tpacket_block_desc (offsets in bytes)
const BD_STATUS = 8;
const BD_NUM_PKTS = 12;
const BD_FIRST_PKT = 16;
/** ts_first_pkt: seconds, then nanoseconds in the next word (as in tpacket3_hdr). */
const BD_TS_FIRST_SEC = 32;
// tpacket3_hdr
const H_NEXT = 0;
const H_SEC = 4;
const H_NSEC = 8;
const H_SNAPLEN = 12;
const H_LEN = 16;
const H_STATUS = 20;
const H_MAC = 24;
const H_VLAN_TCI = 32;
const H_VLAN_TPID = 36;
/** sockaddr_ll follows the header at TPACKET_ALIGN(sizeof(tpacket3_hdr)) = 48; sll_pkttype is byte 10. */
const H_PKTTYPE = 48 + 10;

const PAGE_SIZE = 4096;

/** Ring shape. Blocks are the unit of hand-off (one poll wake-up, one batch). */
export interface RingGeometry {
  /** Bytes per block: a power of two, at least a page. */
  blockSize: number;
  blockCount: number;
  /** In V3 only the ring's bookkeeping unit (frame_nr = size / frameSize); packets are packed. */
  frameSize: number;
  /** Milliseconds before the kernel hands over a partly filled block: short for the TUI, longer for files. */
  retireTimeoutMs: number;
}

/** 50 ms blocks keep an interactive display lively; 4 x 1 MiB absorbs bursts. */
export const INTERACTIVE_RING: RingGeometry = { blockSize: 1 << 20, blockCount: 4, frameSize: 2048, retireTimeoutMs: 50 };

/**
 * Geometry for about `ringBytes` of ring: blocks of up to 1 MiB, at least two of them, so even a
 * tiny ring keeps one block with the kernel while the other is being read. Eight or more when the
 * ring is big enough: at low rates every block is retired by its timeout holding a few frames,
 * and a multi-link merge keeps up to two of them per link while it waits for the other links
 * (live-source.ts); the kernel drops everything once it finds no free block.
 */
export function ringGeometry(ringBytes: number, retireTimeoutMs: number): RingGeometry {
  let blockSize = PAGE_SIZE;
  while (blockSize * 2 <= Math.min(1 << 20, ringBytes / 8)) blockSize *= 2;
  const blockCount = Math.max(2, Math.floor(ringBytes / blockSize));
  return { blockSize, blockCount, frameSize: Math.min(2048, blockSize), retireTimeoutMs };
}

/** Decides whether a frame is delivered (the libdlpi per-stream semantics in dlpi.ts). */
export interface FrameGate {
  accept(bytes: Uint8Array, macOffset: number, pktType: number): boolean;
  /** accept() says yes to every frame (promiscuous): the ring then skips asking per frame. */
  acceptsAll(): boolean;
}

export class PacketRing {
  /** The whole mapped ring; batches point into it. */
  readonly bytes: Uint8Array;
  /** Native address of `bytes`, for batches (FrameBatch.address). */
  readonly address: number;
  readonly geometry: RingGeometry;
  private readonly u32: Uint32Array;
  private readonly u16: Uint16Array;
  private readonly status: Int32Array;
  private readonly addr: bigint;
  private readonly size: number;
  private head = 0;
  /** Head block is user-owned and being consumed: next packet offset and packets left. */
  private loaded = false;
  /** Offset of the head block in `bytes`, while loaded. */
  private blockBase = 0;
  private cursor = 0;
  private left = 0;
  /** Frames stamped before this instant predate the current filter (see `discardBefore`). */
  private discardSec = 0;
  private discardNsec = 0;
  private unmapped = false;

  private constructor(addr: bigint, geometry: RingGeometry) {
    this.addr = addr;
    this.address = Number(addr);
    this.geometry = geometry;
    this.size = geometry.blockSize * geometry.blockCount;
    const ab = c.view(addr, this.size);
    this.bytes = new Uint8Array(ab);
    this.u32 = new Uint32Array(ab);
    this.u16 = new Uint16Array(ab);
    this.status = new Int32Array(ab);
  }

  /** Switch `fd` to TPACKET_V3, create the ring and map it. Call before binding the socket. */
  static create(fd: number, geometry: RingGeometry, link: string): PacketRing {
    const { blockSize, blockCount, frameSize, retireTimeoutMs } = geometry;
    if (blockSize < PAGE_SIZE || (blockSize & (blockSize - 1)) !== 0 || frameSize > blockSize || frameSize % 16 !== 0 || blockCount < 1) {
      throw new RangeError(`bad ring geometry ${JSON.stringify(geometry)}`);
    }
    setInt(fd, PACKET_VERSION, TPACKET_V3, link);
    // Room in front of each frame to put back a VLAN tag the kernel stripped, in place, and then
    // the headroom. The kernel puts the frame at least this far past the sockaddr_ll it writes.
    setInt(fd, PACKET_RESERVE, VLAN_TAG_LEN + FRAME_HEADROOM, link);
    const frameNr = (blockSize / frameSize) * blockCount;
    const req = new Uint32Array([blockSize, blockCount, frameSize, frameNr, retireTimeoutMs, 0, 0]);
    if (c.setsockopt(fd, c.SOL_PACKET, PACKET_RX_RING, req, req.byteLength) !== 0) throw sysError('setsockopt(PACKET_RX_RING)', c.errno(), link);
    const size = blockSize * blockCount;
    const addr = c.mmap(null, size, c.PROT_READ | c.PROT_WRITE, c.MAP_SHARED, fd, 0);
    if (addr === c.MAP_FAILED) throw sysError('mmap', c.errno(), link);
    return new PacketRing(addr, geometry);
  }

  /** The head block belongs to user space (has packets we have not released). */
  headReady(): boolean {
    if (this.unmapped) return false;
    if (this.loaded) return true;
    return (Atomics.load(this.status, (this.head * this.geometry.blockSize + BD_STATUS) >> 2) & TP_STATUS_USER) !== 0;
  }

  /**
   * Time stamp (seconds part) of the next unread frame in the head block; call only when
   * headReady(). Read from the frame itself: the block's ts_first_pkt is when the kernel opened
   * the block, which may be well before its first frame.
   */
  headSec(): number {
    return this.u32[this.headStampWord()];
  }

  /** Nanoseconds part of `headSec()`'s time stamp. */
  headNsec(): number {
    return this.u32[this.headStampWord() + 1];
  }

  /**
   * Append the head block's unread frames that pass `gate` to `batch` (whose `bytes` becomes the
   * ring view), up to the batch's capacity and stopping before the first frame stamped after
   * `untilSec.untilNsec` (Infinity: no bound), so a multi-link merge can take part of a block and
   * come back for the rest. Every frame gets `drops` (-D's cumulative count). Returns true when the
   * block is used up; the caller then calls `release()` once the batch has been consumed.
   */
  fill(batch: FrameBatch, linkIndex: number, gate: FrameGate, snaplen: number, untilSec = Infinity, untilNsec = 0, drops = 0): boolean {
    this.load();
    batch.bytes = this.bytes;
    batch.address = this.address;
    batch.headroom = FRAME_HEADROOM;
    const u32 = this.u32;
    const base = this.blockBase;
    const perFrame = gate.acceptsAll() ? null : gate;
    const capacity = batch.offset.length;
    const start = batch.count;
    let n = start;
    let cursor = this.cursor;
    let left = this.left;
    while (left > 0 && n < capacity) {
      const hdr = base + cursor;
      const sec = u32[(hdr + H_SEC) >> 2];
      if (sec > untilSec || (sec === untilSec && u32[(hdr + H_NSEC) >> 2] > untilNsec)) break;
      if (this.readFrame(hdr, sec, perFrame, snaplen, batch, n)) n++;
      cursor += u32[(hdr + H_NEXT) >> 2];
      left--;
    }
    this.cursor = cursor;
    this.left = left;
    batch.link.fill(linkIndex, start, n);
    batch.drops.fill(drops, start, n);
    batch.count = n;
    return left === 0;
  }

  /**
   * The next frame passing `gate` from the head block, as entry 0 of a one-frame batch the ring
   * reuses (its offset points into `bytes`), or null when the block is used up (the caller
   * releases it).
   */
  next(gate: FrameGate, snaplen: number): FrameBatch | null {
    this.load();
    while (this.left > 0) {
      const hdr = this.blockBase + this.cursor;
      const taken = this.readFrame(hdr, this.u32[(hdr + H_SEC) >> 2], gate, snaplen, this.single, 0);
      this.advance(hdr);
      if (taken) return this.single;
    }
    return null;
  }

  /** Hand the head block back to the kernel and move to the next one. */
  release(): void {
    if (this.unmapped) return;
    Atomics.store(this.status, (this.head * this.geometry.blockSize + BD_STATUS) >> 2, TP_STATUS_KERNEL);
    this.head = (this.head + 1) % this.geometry.blockCount;
    this.loaded = false;
  }

  /**
   * Throw away everything delivered so far and, in blocks still being filled, every frame stamped
   * before `sec.nsec`: those passed the previous filter (libpcap's drain after the reject-all filter).
   */
  discardBefore(sec: number, nsec: number): void {
    this.discardSec = sec;
    this.discardNsec = nsec;
    while (this.headReady()) this.release();
  }

  unmap(): void {
    if (this.unmapped) return;
    this.unmapped = true;
    c.munmap(this.addr, this.size);
  }

  private readonly single = allocBatch(1);

  /** Word index of the head's time stamp: the next unread frame's, or for an empty block its open time. */
  private headStampWord(): number {
    this.load();
    return (this.left > 0 ? this.blockBase + this.cursor + H_SEC : this.blockBase + BD_TS_FIRST_SEC) >> 2;
  }

  private load(): void {
    if (this.loaded) return;
    const base = this.head * this.geometry.blockSize;
    this.blockBase = base;
    this.left = this.u32[(base + BD_NUM_PKTS) >> 2];
    this.cursor = this.u32[(base + BD_FIRST_PKT) >> 2];
    this.loaded = true;
  }

  private advance(hdr: number): void {
    this.cursor += this.u32[(hdr + H_NEXT) >> 2];
    this.left--;
  }

  /**
   * Describe the frame whose packet header is at `hdr` (its time stamp's seconds, already read:
   * `sec`) as entry `n` of `batch`; false if it is not delivered (null gate: all are).
   */
  private readFrame(hdr: number, sec: number, gate: FrameGate | null, snaplen: number, batch: FrameBatch, n: number): boolean {
    const h = hdr >> 2;
    const nsec = this.u32[h + (H_NSEC >> 2)];
    if (sec < this.discardSec || (sec === this.discardSec && nsec < this.discardNsec)) return false;
    const pktType = this.bytes[hdr + H_PKTTYPE];
    let mac = hdr + this.u16[(hdr + H_MAC) >> 1];
    if (gate !== null && !gate.accept(this.bytes, mac, pktType)) return false;
    let capLen = this.u32[h + (H_SNAPLEN >> 2)];
    let wireLen = this.u32[h + (H_LEN >> 2)];
    const status = this.u32[h + (H_STATUS >> 2)];
    const tci = this.u32[h + (H_VLAN_TCI >> 2)];
    if ((tci !== 0 || (status & TP_STATUS_VLAN_VALID) !== 0) && capLen >= VLAN_OFFSET) {
      mac = this.restoreVlanTag(hdr, mac, tci, status);
      capLen += VLAN_TAG_LEN;
      wireLen += VLAN_TAG_LEN;
    }
    batch.offset[n] = mac;
    batch.capLen[n] = capLen < snaplen ? capLen : snaplen;
    batch.wireLen[n] = wireLen;
    batch.tsSec[n] = sec;
    batch.tsNsec[n] = nsec;
    batch.pktType[n] = pktType <= PacketType.OUTGOING ? pktType : 255;
    batch.direction[n] = pktType === PacketType.OUTGOING ? Direction.OUT : Direction.IN;
    return true;
  }

  /**
   * The kernel (or the NIC) removed the frame's 802.1Q tag: rebuild the frame as it was on the
   * wire, in the PACKET_RESERVE space just in front of it, and return its new start. Kept out of
   * readFrame, which is then small enough for V8 to inline into fill.
   */
  private restoreVlanTag(hdr: number, mac: number, tci: number, status: number): number {
    const tpidField = this.u16[(hdr + H_VLAN_TPID) >> 1];
    const tpid = tpidField !== 0 || (status & TP_STATUS_VLAN_TPID_VALID) !== 0 ? tpidField : ETH_P_8021Q;
    const start = mac - VLAN_TAG_LEN;
    this.bytes.copyWithin(start, mac, mac + VLAN_OFFSET);
    const t = start + VLAN_OFFSET;
    this.bytes[t] = tpid >>> 8;
    this.bytes[t + 1] = tpid & 0xff;
    this.bytes[t + 2] = (tci >>> 8) & 0xff;
    this.bytes[t + 3] = tci & 0xff;
    return start;
  }
}

function setInt(fd: number, name: number, value: number, link: string): void {
  if (c.setsockopt(fd, c.SOL_PACKET, name, new Int32Array([value]), 4) !== 0) throw sysError(`setsockopt(SOL_PACKET, ${name})`, c.errno(), link);
}
