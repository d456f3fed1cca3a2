// Live capture from one or more links, as snoop does it: each link opened PASSIVE|RAW, bound to
// every SAP, promiscuous as asked, with an optional kernel filter, receiving through its own
// TPACKET_V3 ring. Batches are ring blocks handed out zero-copy; with several links we always
// hand out the block whose next frame is oldest, so output is in time order block by block.
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
}

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
        this.live.push({ index: this.live.length, handle, ended: false, endReason: null, lastStats: { received: 0, dropped: 0 }, delivered: 0 });
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
    for (;;) {
      if (this.closed) return;
      const link = this.oldestReady();
      if (link !== null) {
        batch.count = 0;
        const used = link.handle.ring.fill(batch, link.index, link.handle, this.snaplen);
        link.delivered += batch.count;
        if (batch.count > 0) yield batch;
        if (this.closed) return;
        if (used) link.handle.ring.release();
        continue;
      }
      for (const l of this.live) if (!l.ended && l.endReason !== null) this.end(l, l.endReason);
      const active = this.live.filter((l) => !l.ended);
      if (active.length === 0) return;
      let timeout = -1;
      if (this.stopping) {
        // Done once every frame the kernel accepted has been handed out or counted as dropped;
        // the deadline only bounds the wait for a block the kernel is slow to retire.
        if (active.every((l) => this.drained(l))) return;
        timeout = this.stopDeadline - Date.now();
        if (timeout <= 0) return;
        timeout = Math.min(timeout, this.blockTimeoutMs);
      }
      this.waiting = dlpiWait([...active.map((l) => l.handle.fd()), this.wakeFd], timeout);
      const revents = await this.waiting;
      this.waiting = null;
      if (this.closed) return;
      active.forEach((l, i) => {
        if ((revents[i] & (c.POLLERR | c.POLLHUP)) !== 0) this.checkLink(l);
      });
      if (revents[active.length] !== 0) c.read(this.wakeFd, new Uint8Array(8), 8);
    }
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

  /** The live link whose next unread frame is oldest, among those with a block ready. */
  private oldestReady(): LiveLink | null {
    let best: LiveLink | null = null;
    let bestTime = Infinity;
    for (const l of this.live) {
      if (l.ended || !l.handle.ring.headReady()) continue;
      const t = l.handle.ring.headTime();
      if (t < bestTime) {
        best = l;
        bestTime = t;
      }
    }
    return best;
  }

  /**
   * After POLLERR: a link that went down or away ends once its ring is drained. Reading SO_ERROR
   * clears the error; if the link is up again by now, capture on it simply continues.
   */
  private drained(l: LiveLink): boolean {
    const s = (l.lastStats = l.handle.stats());
    return l.delivered + s.dropped >= s.received;
  }

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
