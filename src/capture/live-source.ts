// Live capture from one or more links, as snoop does it: each link opened PASSIVE|RAW, bound to
// every SAP, promiscuous as asked, with an optional kernel filter, receiving through its own
// TPACKET_V3 ring. Batches are runs of frames from one ring block, handed out zero-copy.
//
// With several links the merge is per frame (mergeStep): from the link whose next frame is
// oldest we take frames only up to the next frame of every other link, and a block is released
// only once all of it has been handed out. A link with no ready block may still hold older frames
// in the block the kernel is filling; that block was opened no later than its oldest frame and is
// retired at most one block timeout (plus timer granularity) later, so a frame stamped t may go
// once the wall clock (CLOCK_REALTIME, the clock of the time stamps) is past t + that hold time.
// Until then we poll, with a timeout, only the links we are waiting for. One link needs none of
// this: whole blocks go out as soon as they are ready.
//
// Every socket is created and configured synchronously inside openLiveSource before its promise
// settles, so a caller that switched the thread's network namespace (tests) gets sockets there.
import { allocBatch, type CaptureSource, type FrameBatch, type LinkDesc, type LinkStats } from './frame.js';
import { DLPI_ANY_SAP, DlpiFlag, Promisc, dlpiOpen, dlpiWait, type DlpiHandle } from '../dlpi/dlpi.js';
import { DlpiErr, DlpiError, sysError } from '../dlpi/errors.js';
import * as c from '../dlpi/libc.js';
import { linkTypeForArphrd } from '../dlpi/links.js';
import { ringGeometry } from '../dlpi/ring.js';

/** libpcap's MAXIMUM_SNAPLEN: by default frames are kept whole. */
export const DEFAULT_SNAPLEN = 262144;
export const DEFAULT_RING_BYTES = 4 << 20;
export const DEFAULT_BLOCK_TIMEOUT_MS = 50;

export interface LiveSourceOptions {
  /** -P gives 'multi' (all multicast but not other hosts' unicast); 'none' is a plain DLPI stream. */
  promisc: 'phys' | 'multi' | 'none';
  /** Carry on with a warning when promiscuous mode cannot be enabled. */
  forcePromiscWarningOnly?: boolean;
  snaplen?: number;
  /** How long the kernel holds a partly filled block: latency of the display. */
  blockTimeoutMs?: number;
  /** Ring size per link. */
  ringBytes?: number;
  /** Classic BPF program bytes (struct sock_filter[]) run in the kernel. */
  filter?: Uint8Array | null;
  onWarning?: (message: string) => void;
  /** A link went down or disappeared; capture on it has ended, the others continue. */
  onLinkGone?: (name: string, reason: string) => void;
}

export interface LiveSource extends CaptureSource {
  /** Stop capturing: batches() hands out what the rings hold, then finishes. */
  stop(): void;
}

interface LiveLink {
  index: number;
  handle: DlpiHandle;
  /** Capture on it has ended (link gone); its last stats are kept. */
  ended: boolean;
  /** The link failed: hand out the blocks it still holds, then end it with this reason. */
  endReason: string | null;
  lastStats: LinkStats;
  /** Frames handed out so far; with the kernel's counts this tells when a drain is complete. */
  delivered: number;
  /** The head block has not been read from yet: refresh `drops` before its first frames go out. */
  freshBlock: boolean;
  /** Kernel drops on this link up to the block being handed out (-D's cumulative count). */
  drops: number;
}

/** What the merge knows about one link before each hand-out. */
export interface MergeHead {
  /** Capture on the link still runs, so it may still deliver frames. */
  active: boolean;
  /** A ready block holds unread frames; `sec`.`nsec` is the time stamp of the next one. */
  ready: boolean;
  sec: number;
  nsec: number;
}

/** mergeStep's answer; the object is reused. */
export interface MergeDecision {
  /** Link to take frames from, or -1 when nothing may go yet. */
  link: number;
  /** Take that link's frames stamped at or before this instant (Infinity: its whole block). */
  untilSec: number;
  untilNsec: number;
  /** With link -1: the wall-clock ms at which a held frame may go, or Infinity (wait for frames). */
  waitUntilMs: number;
}

/**
 * The per-frame merge rule. The link with the oldest ready frame (time t) goes first, but only
 * with frames no later than every other ready link's next frame. An active link with no ready
 * block may hold frames in the block the kernel is filling, which it retires within `holdMs` of
 * their time stamps: while `nowMs` < t + `holdMs` nothing may go (wait until then), and after that
 * only frames stamped up to `nowMs` - `holdMs`. Pass `nowMs` = Infinity to hand out everything
 * ready regardless (the end of a drain).
 */
export function mergeStep(heads: readonly MergeHead[], nowMs: number, holdMs: number, out: MergeDecision): MergeDecision {
  out.link = -1;
  out.untilSec = Infinity;
  out.untilNsec = 0;
  out.waitUntilMs = Infinity;
  let oldest = -1;
  for (let i = 0; i < heads.length; i++) {
    const h = heads[i];
    if (h.active && h.ready && (oldest < 0 || before(h, heads[oldest]))) oldest = i;
  }
  if (oldest < 0) return out;
  let waiting = false;
  for (let i = 0; i < heads.length; i++) {
    const h = heads[i];
    if (i === oldest || !h.active) continue;
    if (!h.ready) waiting = true;
    else if (h.sec < out.untilSec || (h.sec === out.untilSec && h.nsec < out.untilNsec)) {
      out.untilSec = h.sec;
      out.untilNsec = h.nsec;
    }
  }
  if (waiting) {
    const t = heads[oldest];
    const due = t.sec * 1000 + t.nsec / 1e6 + holdMs;
    if (nowMs < due) {
      out.waitUntilMs = due;
      return out;
    }
    const safeMs = nowMs - holdMs;
    if (safeMs < Infinity) {
      let sec = Math.floor(safeMs / 1000);
      let nsec = Math.floor((safeMs - sec * 1000) * 1e6);
      // Past `due` the oldest frame itself may go: milliseconds in a double can come back a few
      // hundred ns short of its stamp, and a bound before it would hand out nothing, again and again.
      if (sec < t.sec || (sec === t.sec && nsec < t.nsec)) {
        sec = t.sec;
        nsec = t.nsec;
      }
      if (sec < out.untilSec || (sec === out.untilSec && nsec < out.untilNsec)) {
        out.untilSec = sec;
        out.untilNsec = nsec;
      }
    }
  }
  out.link = oldest;
  return out;
}

function before(a: MergeHead, b: MergeHead): boolean {
  return a.sec < b.sec || (a.sec === b.sec && a.nsec < b.nsec);
}

/**
 * How long after its time stamp a frame may still be in a block the kernel has not retired: the
 * block timeout, rounded up by the kernel to whole jiffies and fired by a timer wheel whose
 * granularity grows to 1/8 of longer timeouts.
 */
export function retireHoldMs(blockTimeoutMs: number): number {
  return blockTimeoutMs + RETIRE_SLACK_MS + blockTimeoutMs / 8;
}

const RETIRE_SLACK_MS = 5;

/** Longest wait, beyond one block timeout, for the kernel to retire the blocks it is filling at stop(). */
const STOP_GRACE_MS = 1000;

export function openLiveSource(links: string[], opts: LiveSourceOptions): Promise<LiveSource> {
  try {
    return Promise.resolve(new LiveCapture(links, opts));
  } catch (err) {
    return Promise.reject(err);
  }
}

class LiveCapture implements LiveSource {
  readonly links: LinkDesc[] = [];
  readonly description: string;
  private readonly live: LiveLink[] = [];
  private readonly snaplen: number;
  private readonly blockTimeoutMs: number;
  private readonly wakeFd: number;
  private readonly opts: LiveSourceOptions;
  private stopping = false;
  private stopDeadline = 0;
  private closed = false;
  private waiting: Promise<number[]> | null = null;

  constructor(names: string[], opts: LiveSourceOptions) {
    if (names.length === 0) throw new DlpiError(DlpiErr.EINVAL, { message: 'no link to capture from' });
    this.opts = opts;
    this.snaplen = opts.snaplen ?? DEFAULT_SNAPLEN;
    this.blockTimeoutMs = opts.blockTimeoutMs ?? DEFAULT_BLOCK_TIMEOUT_MS;
    this.description = `link ${names.join(', ')}`;
    const geometry = ringGeometry(opts.ringBytes ?? DEFAULT_RING_BYTES, this.blockTimeoutMs);
    try {
      for (const name of names) {
        const handle = dlpiOpen(name, DlpiFlag.PASSIVE | DlpiFlag.RAW, { ring: geometry });
        this.live.push({ index: this.live.length, handle, ended: false, endReason: null, lastStats: { received: 0, dropped: 0 }, delivered: 0, freshBlock: true, drops: 0 });
        const info = handle.info();
        const linkType = linkTypeForArphrd(info.arphrd);
        if (linkType === null) throw new DlpiError(DlpiErr.EBADLINK, { link: name, message: `link '${name}' has a link-layer type (ARPHRD ${info.arphrd}) dlsnoop cannot capture` });
        this.links.push({ name, linkType, snaplen: this.snaplen, ifIndex: handle.ifIndex, mac: info.physAddr });
        // Filter before bind, so no frame ever reaches the ring unfiltered.
        if (opts.filter) handle.attachFilter(opts.filter);
        handle.bind(DLPI_ANY_SAP);
        this.promiscuous(handle);
      }
      const wake = c.eventfd(0, c.EFD_CLOEXEC | c.EFD_NONBLOCK);
      if (wake < 0) throw sysError('eventfd', c.errno());
      this.wakeFd = wake;
    } catch (err) {
      for (const l of this.live) l.handle.close();
      throw err;
    }
  }

  async *batches(): AsyncGenerator<FrameBatch> {
    const biggestBlock = Math.max(...this.live.map((l) => l.handle.ring.geometry.blockSize));
    // A frame takes at least 64 bytes of a block (header, sockaddr_ll, alignment), so one batch
    // holds a whole block.
    const batch = allocBatch(Math.ceil(biggestBlock / 64));
    const heads: MergeHead[] = this.live.map(() => ({ active: false, ready: false, sec: 0, nsec: 0 }));
    const decision: MergeDecision = { link: -1, untilSec: Infinity, untilNsec: 0, waitUntilMs: Infinity };
    const holdMs = retireHoldMs(this.blockTimeoutMs);
    for (;;) {
      if (this.closed) return;
      // A failed link ends once the blocks it still holds have been handed out.
      for (const l of this.live) if (!l.ended && l.endReason !== null && !l.handle.ring.headReady()) this.end(l, l.endReason);
      let now = Date.now();
      // Past the stop deadline nothing more is coming: whatever is ready goes, in merge order.
      const overdue = this.stopping && now >= this.stopDeadline;
      if (overdue) now = Infinity;
      this.readHeads(heads);
      mergeStep(heads, now, holdMs, decision);
      if (decision.link >= 0) {
        const link = this.live[decision.link];
        const ring = link.handle.ring;
        if (link.freshBlock) {
          link.lastStats = link.handle.stats();
          link.drops = link.lastStats.dropped;
          link.freshBlock = false;
        }
        batch.count = 0;
        const used = ring.fill(batch, link.index, link.handle, this.snaplen, decision.untilSec, decision.untilNsec, link.drops);
        link.delivered += batch.count;
        if (batch.count > 0) yield batch;
        if (this.closed) return;
        if (used) {
          ring.release();
          link.freshBlock = true;
        }
        continue;
      }
      const active = this.live.filter((l) => !l.ended);
      if (overdue || active.length === 0) return;
      let timeout = decision.waitUntilMs === Infinity ? -1 : Math.max(1, Math.ceil(decision.waitUntilMs - now));
      if (this.stopping) {
        // Done once every frame the kernel accepted has been handed out or counted as dropped;
        // the deadline only bounds the wait for a block the kernel is slow to retire.
        if (active.every((l) => this.drained(l))) return;
        const left = Math.min(this.stopDeadline - now, this.blockTimeoutMs);
        timeout = timeout < 0 ? left : Math.min(timeout, left);
      }
      await this.waitForFrames(active, heads, timeout);
      if (this.closed) return;
    }
  }

  /**
   * Poll the active links whose rings had nothing ready when the merge looked (`heads`), and the
   * wake-up fd, for at most `timeout` ms (-1: no limit). A link that had frames ready is held for
   * the others and stays out: its fd would report readable at once. Kept out of batches() (one
   * call per ring block at full rate) so that V8 compiles the loop without this rarer half.
   */
  private async waitForFrames(active: readonly LiveLink[], heads: readonly MergeHead[], timeout: number): Promise<void> {
    const awaited: LiveLink[] = [];
    const fds: number[] = [];
    for (const l of active) {
      if (heads[l.index].ready) continue;
      // A block came since the merge looked: go round again. Polling without this link's fd
      // instead would wait for nothing (with no timeout, until capture stopped).
      if (l.handle.ring.headReady()) return;
      awaited.push(l);
      fds.push(l.handle.fd());
    }
    fds.push(this.wakeFd);
    this.waiting = dlpiWait(fds, timeout);
    const revents = await this.waiting;
    this.waiting = null;
    if (this.closed) return;
    for (let i = 0; i < awaited.length; i++) {
      if ((revents[i] & (c.POLLERR | c.POLLHUP)) !== 0) this.checkLink(awaited[i]);
    }
    if (revents[awaited.length] !== 0) c.read(this.wakeFd, new Uint8Array(8), 8);
  }

  stop(): void {
    if (this.stopping || this.closed) return;
    this.stopping = true;
    // Blocks the kernel is still filling retire within one timeout; wait that long for them.
    this.stopDeadline = Date.now() + this.blockTimeoutMs + STOP_GRACE_MS;
    this.wake();
  }

  stats(): LinkStats[] {
    return this.live.map((l) => (l.ended || this.closed ? l.lastStats : (l.lastStats = l.handle.stats())));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.stats();
    this.closed = true;
    this.wake();
    // The async poll still holds our fds: let it return before they are closed and reused.
    if (this.waiting !== null) await this.waiting.catch(() => undefined);
    for (const l of this.live) l.handle.close();
    c.close(this.wakeFd);
  }

  private promiscuous(handle: DlpiHandle): void {
    const { promisc } = this.opts;
    if (promisc !== 'none') {
      const level = promisc === 'phys' ? Promisc.PHYS : Promisc.MULTI;
      try {
        handle.promiscOn(level);
      } catch (err) {
        if (!this.opts.forcePromiscWarningOnly || !(err instanceof DlpiError)) throw err;
        const kind = promisc === 'phys' ? 'physical' : 'multicast';
        this.opts.onWarning?.(`Note: enabling promiscuous mode (${kind}) failed; packet capture may not be complete`);
      }
    }
    // Every SAP, as snoop asks for; on Linux the ANY_SAP binding already gives that.
    handle.promiscOn(Promisc.SAP);
  }

  /** Refresh what the merge knows about each link's next frame. */
  private readHeads(heads: MergeHead[]): void {
    for (const l of this.live) {
      const h = heads[l.index];
      h.active = !l.ended;
      h.ready = h.active && l.handle.ring.headReady();
      if (h.ready) {
        h.sec = l.handle.ring.headSec();
        h.nsec = l.handle.ring.headNsec();
      }
    }
  }

  /** Every frame the kernel accepted on `l` has been handed out or counted as dropped. */
  private drained(l: LiveLink): boolean {
    const s = (l.lastStats = l.handle.stats());
    return l.delivered + s.dropped >= s.received;
  }

  /**
   * After POLLERR: a link that went down or away ends once its ring is drained. Reading SO_ERROR
   * clears the error; if the link is up again by now, capture on it simply continues.
   */
  private checkLink(l: LiveLink): void {
    l.handle.pendingError();
    const status = l.handle.linkStatus();
    if (status === 'gone') l.endReason = 'no longer exists';
    else if (status === 'down') l.endReason = 'went down';
  }

  private end(l: LiveLink, reason: string): void {
    l.lastStats = l.handle.stats();
    l.ended = true;
    l.handle.close();
    this.opts.onLinkGone?.(l.handle.linkName(), reason);
  }

  private wake(): void {
    c.write(this.wakeFd, new Uint8Array(new BigUint64Array([1n]).buffer), 8);
  }
}
