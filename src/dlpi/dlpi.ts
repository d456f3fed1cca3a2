// A libdlpi-shaped API over Linux AF_PACKET sockets: dlpi_open/bind/promiscon/enabmulti/recv/send
// with libdlpi's semantics and error codes (multicast-ilm.md §5), receiving through a TPACKET_V3
// ring (ring.ts). Everything here is synchronous except `dlpiWait`, the one place a capture loop
// parks: one async poll per ring block, never per packet.
//
// Open flags on Linux:
// - RAW: frames are delivered and sent whole, MAC header included (a SOCK_RAW packet socket is
//   always raw underneath; without RAW we strip the header on recv and build it on send, which is
//   what DL_UNITDATA_IND/REQ do).
// - PASSIVE: accepted and ignored. A packet socket never takes a link away from aggregations or
//   anyone else, which is what DL_PASSIVE_REQ asks for on illumos.
// - NATIVE: accepted and ignored. Linux has no emulated framing to switch off: frames always come
//   in the device's own format, which `info().macType` (from the ARPHRD type) describes.
import { Direction, PacketType, type LinkStats } from '../capture/frame.js';
import { DL_SYSERR, DlpiErr, DlpiError, sysError } from './errors.js';
import * as c from './libc.js';
import { INTERACTIVE_RING, PacketRing, type FrameGate, type RingGeometry } from './ring.js';

export const DlpiFlag = { PASSIVE: 0x0002, RAW: 0x0004, NATIVE: 0x0020 } as const;
/** dlpi_bind(DLPI_ANY_SAP): on Linux every SAP (ETH_P_ALL), which also shows outgoing frames. */
export const DLPI_ANY_SAP = 0xffffffff;
export const DLPI_DEF_TIMEOUT = 5;
export const Promisc = { PHYS: 0x01, SAP: 0x02, MULTI: 0x03 } as const;
export type PromiscLevel = (typeof Promisc)[keyof typeof Promisc];
export const DlState = { UNBOUND: 0, IDLE: 3 } as const;
export const AddrType = { UNICAST: 0, GROUP: 1 } as const;
export const PhysAddrType = { FACT: 1, CURR: 2 } as const;
/** DLPI error values used here (sys/dlpi.h). */
export const DlErr = { BADADDR: 0x01, OUTSTATE: 0x03, UNSUPPORTED: 0x07, NOTENAB: 0x14 } as const;

/** DLPI mac types (sys/dlpi.h) for the Linux ARPHRD types we can name. */
export const MacType = { ETHER: 0x04, OTHER: 0x09, LOOP: 0x0e, IB: 0x1a, IPV4: 0x80000001, IPV6: 0x80000002, WIFI: 0x80000004 } as const;

export const Arphrd = { ETHER: 1, INFINIBAND: 32, PPP: 512, TUNNEL: 768, TUNNEL6: 769, SIT: 776, IPGRE: 778, LOOPBACK: 772, IEEE80211: 801, IEEE80211_PRISM: 802, IEEE80211_RADIOTAP: 803, NONE: 0xfffe } as const;

export function macTypeForArphrd(arphrd: number): number {
  switch (arphrd) {
    case Arphrd.ETHER:
      return MacType.ETHER;
    case Arphrd.LOOPBACK:
      return MacType.LOOP;
    case Arphrd.INFINIBAND:
      return MacType.IB;
    case Arphrd.TUNNEL:
      return MacType.IPV4;
    case Arphrd.TUNNEL6:
      return MacType.IPV6;
    case Arphrd.IEEE80211:
    case Arphrd.IEEE80211_PRISM:
    case Arphrd.IEEE80211_RADIOTAP:
      return MacType.WIFI;
    default:
      return MacType.OTHER;
  }
}

/** dlpi_info_t. */
export interface DlpiInfo {
  opts: number;
  maxSdu: number;
  minSdu: number;
  /** DlState.* of the handle. */
  state: number;
  macType: number;
  /** Linux ARPHRD_* of the link, which decides the frame format. */
  arphrd: number;
  linkName: string;
  physAddr: Uint8Array;
  bcastAddr: Uint8Array;
  /** Bound SAP, or DLPI_ANY_SAP. 0 while unbound. */
  sap: number;
  /** Seconds, dlpi_set_timeout. */
  timeout: number;
  /** IFF_UP on the link right now. */
  up: boolean;
}

/** dlpi_recvinfo_t plus what the ring tells us for free. */
export interface RecvInfo {
  destAddr: Uint8Array;
  /** AddrType.*; in RAW mode libdlpi leaves this to the caller but we fill it anyway. */
  destAddrType: number;
  /** Untruncated frame length on the wire (VLAN tag included). */
  totMsgLen: number;
  pktType: number;
  direction: number;
  tsSec: number;
  tsNsec: number;
}

export interface RecvResult {
  /** A copy: the whole frame in RAW mode, else the data after the MAC header. */
  data: Uint8Array;
  /** Source MAC address. */
  srcAddr: Uint8Array;
  info: RecvInfo;
}

export interface DlpiOpenOptions {
  /** Receive ring geometry; defaults to INTERACTIVE_RING. */
  ring?: RingGeometry;
}

const ETH_P_ALL = 0x0003;
const ETH_HLEN = 14;
const ETH_DATA_LEN = 1500;
const IFNAMSIZ = 16;
const PACKET_ADD_MEMBERSHIP = 1;
const PACKET_DROP_MEMBERSHIP = 2;
const PACKET_STATISTICS = 6;
const PACKET_MR_MULTICAST = 0;
const PACKET_MR_PROMISC = 1;
const PACKET_MR_ALLMULTI = 2;
const SIOCGIFFLAGS = 0x8913;
const SIOCGIFMTU = 0x8921;
const SIOCGIFHWADDR = 0x8927;
const SIOCGIFINDEX = 0x8933;
const IFF_UP = 0x1;
const BPF_RET_K = 0x06;
const SOCKADDR_LL_LEN = 20;
/** Larger than any frame the ring can hold; recv() never truncates. */
const NO_SNAPLEN = 0xffffffff;

/** Names the kernel can never have: IFNAMSIZ, '/', whitespace, and libdlpi's ':' (logical interfaces). */
export function isValidLinkName(name: string): boolean {
  return name.length > 0 && Buffer.byteLength(name) < IFNAMSIZ && name !== '.' && name !== '..' && !/[:/\s]/.test(name);
}

/** dlpi_open. Throws DlpiError: ELINKNAMEINVAL, ENOLINK, or DL_SYSERR (e.g. no CAP_NET_RAW). */
export function dlpiOpen(link: string, flags = 0, opts: DlpiOpenOptions = {}): DlpiHandle {
  if (!isValidLinkName(link)) throw new DlpiError(DlpiErr.ELINKNAMEINVAL, { link });
  // Protocol 0: nothing is queued until bind(), so the ring starts empty.
  const fd = c.socket(c.AF_PACKET, c.SOCK_RAW | c.SOCK_CLOEXEC, 0);
  if (fd < 0) {
    const e = c.errno();
    if (e === c.Errno.EPERM || e === c.Errno.EACCES) {
      throw new DlpiError(DL_SYSERR, { errno: e, link, message: `dlsnoop needs root or CAP_NET_RAW to open link '${link}'` });
    }
    throw sysError('socket(AF_PACKET)', e, link);
  }
  try {
    // ioctls on our own socket: they resolve names in the socket's network namespace.
    const ifr = ifreq(link);
    if (c.ioctl(fd, SIOCGIFINDEX, ifr) !== 0) {
      const e = c.errno();
      if (e === c.Errno.ENODEV) throw new DlpiError(DlpiErr.ENOLINK, { link });
      throw sysError('ioctl(SIOCGIFINDEX)', e, link);
    }
    const ifIndex = new DataView(ifr.buffer).getInt32(16, true);
    const ring = PacketRing.create(fd, opts.ring ?? INTERACTIVE_RING, link);
    return new DlpiHandle(fd, link, ifIndex, flags, ring);
  } catch (err) {
    c.close(fd);
    throw err;
  }
}

export class DlpiHandle implements FrameGate {
  readonly ifIndex: number;
  readonly flags: number;
  /** The receive ring; live-source.ts fills batches straight from it. */
  readonly ring: PacketRing;
  private sock: number;
  private readonly name: string;
  private state: number = DlState.UNBOUND;
  private sap = 0;
  private timeoutSec = DLPI_DEF_TIMEOUT;
  private promiscPhys = false;
  private promiscSap = false;
  private promiscMulti = false;
  private readonly multicast: Uint8Array[] = [];
  private readonly totals: LinkStats = { received: 0, dropped: 0 };

  constructor(fd: number, link: string, ifIndex: number, flags: number, ring: PacketRing) {
    this.sock = fd;
    this.name = link;
    this.ifIndex = ifIndex;
    this.flags = flags;
    this.ring = ring;
  }

  /** dlpi_close: also drops every promiscuous and multicast membership (the kernel does on close). */
  close(): void {
    if (this.sock < 0) return;
    this.ring.unmap();
    c.close(this.sock);
    this.sock = -1;
  }

  fd(): number {
    return this.checkOpen();
  }

  linkName(): string {
    return this.name;
  }

  isOpen(): boolean {
    return this.sock >= 0;
  }

  setTimeout(seconds: number): void {
    this.checkOpen();
    this.timeoutSec = seconds;
  }

  /** dlpi_bind. Returns the bound SAP. */
  bind(sap: number): number {
    const fd = this.checkOpen();
    if (this.state !== DlState.UNBOUND) throw new DlpiError(DlErr.OUTSTATE, { link: this.name });
    if (sap !== DLPI_ANY_SAP && (sap < 0 || sap > 0xffff)) throw new DlpiError(DlpiErr.EUNAVAILSAP, { link: this.name });
    this.bindProtocol(fd, sap === DLPI_ANY_SAP ? ETH_P_ALL : sap);
    this.state = DlState.IDLE;
    this.sap = sap;
    return sap;
  }

  /** dlpi_unbind: protocol 0 detaches the socket from the link's receive path. */
  unbind(): void {
    const fd = this.checkOpen();
    if (this.state !== DlState.IDLE) throw new DlpiError(DlErr.OUTSTATE, { link: this.name });
    this.bindProtocol(fd, 0);
    this.state = DlState.UNBOUND;
    this.sap = 0;
  }

  /**
   * dlpi_promiscon. PHYS and MULTI take a refcounted kernel membership (PACKET_MR_PROMISC /
   * PACKET_MR_ALLMULTI), never IFF_PROMISC, so they end with the handle. SAP needs nothing on
   * Linux: a handle bound to DLPI_ANY_SAP already sees every SAP.
   */
  promiscOn(level: PromiscLevel): void {
    const fd = this.checkOpen();
    if (level === Promisc.PHYS) {
      if (!this.promiscPhys) this.membership(fd, PACKET_ADD_MEMBERSHIP, PACKET_MR_PROMISC, null);
      this.promiscPhys = true;
    } else if (level === Promisc.MULTI) {
      if (!this.promiscMulti) this.membership(fd, PACKET_ADD_MEMBERSHIP, PACKET_MR_ALLMULTI, null);
      this.promiscMulti = true;
    } else if (level === Promisc.SAP) {
      this.promiscSap = true;
    } else {
      throw new DlpiError(DlpiErr.EINVAL, { link: this.name });
    }
  }

  /** dlpi_promiscoff; DL_NOTENAB when the level is not on, as the driver would answer. */
  promiscOff(level: PromiscLevel): void {
    const fd = this.checkOpen();
    if (level === Promisc.PHYS && this.promiscPhys) {
      this.membership(fd, PACKET_DROP_MEMBERSHIP, PACKET_MR_PROMISC, null);
      this.promiscPhys = false;
    } else if (level === Promisc.MULTI && this.promiscMulti) {
      this.membership(fd, PACKET_DROP_MEMBERSHIP, PACKET_MR_ALLMULTI, null);
      this.promiscMulti = false;
    } else if (level === Promisc.SAP && this.promiscSap) {
      this.promiscSap = false;
    } else {
      throw new DlpiError(DlErr.NOTENAB, { link: this.name });
    }
  }

  /** dlpi_enabmulti: the link accepts the group, and this handle delivers it even without promisc. */
  enabMulti(addr: Uint8Array): void {
    const fd = this.checkOpen();
    if (addr.length !== 6 || (addr[0] & 1) === 0) throw new DlpiError(DlErr.BADADDR, { link: this.name });
    if (this.findMulticast(addr) >= 0) return;
    this.membership(fd, PACKET_ADD_MEMBERSHIP, PACKET_MR_MULTICAST, addr);
    this.multicast.push(Uint8Array.from(addr));
  }

  disabMulti(addr: Uint8Array): void {
    const fd = this.checkOpen();
    const i = addr.length === 6 ? this.findMulticast(addr) : -1;
    if (i < 0) throw new DlpiError(DlErr.NOTENAB, { link: this.name });
    this.membership(fd, PACKET_DROP_MEMBERSHIP, PACKET_MR_MULTICAST, addr);
    this.multicast.splice(i, 1);
  }

  /**
   * The per-stream delivery rules of a DLPI stream, which Linux does not apply by itself: a packet
   * socket gets whatever the link accepted for anyone. Other hosts' unicast only with PROMISC_PHYS;
   * multicast only with PHYS, MULTI or an enabled group; frames this host sends (looped back to
   * promiscuous streams on illumos) only with PHYS, or MULTI for multicast ones.
   */
  accept(bytes: Uint8Array, macOffset: number, pktType: number): boolean {
    switch (pktType) {
      case PacketType.HOST:
      case PacketType.BROADCAST:
        return true;
      case PacketType.OTHERHOST:
        return this.promiscPhys;
      case PacketType.MULTICAST:
        return this.promiscPhys || this.promiscMulti || this.enabledGroup(bytes, macOffset);
      case PacketType.OUTGOING:
        return this.promiscPhys || (this.promiscMulti && (bytes[macOffset] & 1) === 1);
      default:
        return this.promiscPhys;
    }
  }

  /** With PROMISC_PHYS every frame is delivered. */
  acceptsAll(): boolean {
    return this.promiscPhys;
  }

  /**
   * dlpi_recv: wait up to `timeoutMs` (negative: forever) for one frame and return a copy.
   * Synchronous by design, like libdlpi; capture loops use the ring and dlpiWait instead.
   */
  recv(timeoutMs: number): RecvResult {
    const fd = this.checkOpen();
    const deadline = Date.now() + timeoutMs;
    const pfd = pollfds([fd]);
    for (;;) {
      while (this.ring.headReady()) {
        const f = this.ring.next(this, NO_SNAPLEN);
        if (f !== null) return this.recvResult(f.offset[0], f.capLen[0], f.wireLen[0], f.pktType[0], f.tsSec[0], f.tsNsec[0]);
        this.ring.release();
      }
      const wait = timeoutMs < 0 ? -1 : Math.max(0, deadline - Date.now());
      const n = c.poll(pfd, 1, wait);
      if (n < 0) {
        const e = c.errno();
        if (e !== c.Errno.EINTR) throw sysError('poll', e, this.name);
      } else if (n === 0) {
        throw new DlpiError(DlpiErr.ETIMEDOUT, { link: this.name });
      } else if ((reventsOf(pfd, 0) & (c.POLLERR | c.POLLHUP | c.POLLNVAL)) !== 0 && !this.ring.headReady()) {
        throw sysError('recv', this.pendingError() || c.Errno.ENETDOWN, this.name);
      }
    }
  }

  /**
   * dlpi_send. RAW: `payload` is the whole frame and `destAddr` is ignored. Otherwise the Ethernet
   * header is built from `destAddr`, our address and `sap` (default: the bound SAP); SAPs up to
   * 1500 are 802.3 and carry the length instead, as on illumos.
   */
  send(destAddr: Uint8Array | null, payload: Uint8Array, opts: { sap?: number } = {}): void {
    const fd = this.checkOpen();
    let frame: Uint8Array;
    let proto: number;
    if ((this.flags & DlpiFlag.RAW) !== 0) {
      frame = payload;
      proto = payload.length >= ETH_HLEN ? (payload[12] << 8) | payload[13] : ETH_P_ALL;
    } else {
      const sap = opts.sap ?? (this.state === DlState.IDLE && this.sap !== DLPI_ANY_SAP ? this.sap : -1);
      if (sap < 0 || sap > 0xffff) throw new DlpiError(DlErr.OUTSTATE, { link: this.name });
      if (destAddr === null || destAddr.length !== 6) throw new DlpiError(DlErr.BADADDR, { link: this.name });
      frame = new Uint8Array(ETH_HLEN + payload.length);
      frame.set(destAddr, 0);
      frame.set(this.getPhysAddr(), 6);
      const type = sap <= ETH_DATA_LEN ? payload.length : sap;
      frame[12] = type >>> 8;
      frame[13] = type & 0xff;
      frame.set(payload, ETH_HLEN);
      proto = sap;
    }
    const sll = sockaddrLl(proto, this.ifIndex, frame.subarray(0, 6));
    if (c.sendto(fd, frame, frame.length, 0, sll, SOCKADDR_LL_LEN) < 0) throw sysError('sendto', c.errno(), this.name);
  }

  /** dlpi_info. */
  info(): DlpiInfo {
    const fd = this.checkOpen();
    const { arphrd, addr } = this.hwaddr(fd);
    const mtu = this.ifreqInt(fd, SIOCGIFMTU, 'SIOCGIFMTU');
    const flags = this.ifreqInt(fd, SIOCGIFFLAGS, 'SIOCGIFFLAGS') & 0xffff;
    const ether = arphrd === Arphrd.ETHER;
    return {
      opts: 0,
      maxSdu: mtu,
      minSdu: 1,
      state: this.state,
      macType: macTypeForArphrd(arphrd),
      arphrd,
      linkName: this.name,
      physAddr: addr,
      bcastAddr: ether ? new Uint8Array(6).fill(0xff) : new Uint8Array(0),
      sap: this.sap,
      timeout: this.timeoutSec,
      up: (flags & IFF_UP) !== 0,
    };
  }

  /** dlpi_get_physaddr. Only the current address: Linux keeps the factory one behind ethtool. */
  getPhysAddr(type: number = PhysAddrType.CURR): Uint8Array {
    const fd = this.checkOpen();
    if (type !== PhysAddrType.CURR) throw new DlpiError(DlErr.UNSUPPORTED, { link: this.name });
    return this.hwaddr(fd).addr;
  }

  /**
   * Install a classic BPF program (struct sock_filter[] bytes, e.g. BpfProgram.toBuffer()), or
   * remove the filter with null. libpcap's safe order: a reject-all filter first, then drop what
   * is already in the ring (it passed the old filter), then the real program.
   */
  attachFilter(insns: Uint8Array | null): void {
    const fd = this.checkOpen();
    if (insns !== null && (insns.length === 0 || insns.length % 8 !== 0 || insns.length / 8 > 0xffff)) throw new DlpiError(DlpiErr.EINVAL, { link: this.name });
    this.setFilter(fd, new Uint8Array([BPF_RET_K, 0, 0, 0, 0, 0, 0, 0]));
    const ts = new Uint8Array(16);
    c.clockGettime(c.CLOCK_REALTIME, ts);
    const dv = new DataView(ts.buffer);
    this.ring.discardBefore(Number(dv.getBigInt64(0, true)), Number(dv.getBigInt64(8, true)));
    if (insns !== null) {
      this.setFilter(fd, insns);
    } else if (c.setsockopt(fd, c.SOL_SOCKET, c.SO_DETACH_FILTER, new Int32Array(1), 4) !== 0) {
      throw sysError('setsockopt(SO_DETACH_FILTER)', c.errno(), this.name);
    }
  }

  /**
   * Running totals since open. PACKET_STATISTICS resets the kernel's counters on every read, so
   * each call adds what accumulated since the last one. `received` includes `dropped`.
   */
  stats(): LinkStats {
    if (this.sock < 0) return { ...this.totals };
    const buf = new Uint32Array(3);
    const len = new Uint32Array([12]);
    if (c.getsockopt(this.sock, c.SOL_PACKET, PACKET_STATISTICS, buf, len) !== 0) throw sysError('getsockopt(PACKET_STATISTICS)', c.errno(), this.name);
    this.totals.received += buf[0];
    this.totals.dropped += buf[1];
    return { ...this.totals };
  }

  /** The link as the socket's namespace sees it now: gone (deleted or renamed), down, or up. */
  linkStatus(): 'up' | 'down' | 'gone' {
    const fd = this.checkOpen();
    const ifr = ifreq(this.name);
    if (c.ioctl(fd, SIOCGIFINDEX, ifr) !== 0) return 'gone';
    if (new DataView(ifr.buffer).getInt32(16, true) !== this.ifIndex) return 'gone';
    return (this.ifreqInt(fd, SIOCGIFFLAGS, 'SIOCGIFFLAGS') & IFF_UP) !== 0 ? 'up' : 'down';
  }

  /** Read and clear the socket's pending error (ENETDOWN after the link went down or away). */
  pendingError(): number {
    const fd = this.checkOpen();
    const v = new Int32Array(1);
    const len = new Uint32Array([4]);
    if (c.getsockopt(fd, c.SOL_SOCKET, c.SO_ERROR, v, len) !== 0) return c.errno();
    return v[0];
  }

  private checkOpen(): number {
    if (this.sock < 0) throw new DlpiError(DlpiErr.EINHANDLE, { link: this.name });
    return this.sock;
  }

  private bindProtocol(fd: number, protocol: number): void {
    const sll = sockaddrLl(protocol, this.ifIndex, null);
    if (c.bind(fd, sll, SOCKADDR_LL_LEN) !== 0) throw sysError('bind', c.errno(), this.name);
  }

  private membership(fd: number, op: number, type: number, addr: Uint8Array | null): void {
    const mreq = new Uint8Array(16);
    const dv = new DataView(mreq.buffer);
    dv.setInt32(0, this.ifIndex, true);
    dv.setUint16(4, type, true);
    if (addr !== null) {
      dv.setUint16(6, addr.length, true);
      mreq.set(addr, 8);
    }
    if (c.setsockopt(fd, c.SOL_PACKET, op, mreq, 16) !== 0) {
      const what = op === PACKET_ADD_MEMBERSHIP ? 'PACKET_ADD_MEMBERSHIP' : 'PACKET_DROP_MEMBERSHIP';
      throw sysError(`setsockopt(${what})`, c.errno(), this.name);
    }
  }

  private setFilter(fd: number, insns: Uint8Array): void {
    if (c.setsockoptFprog(fd, c.SOL_SOCKET, c.SO_ATTACH_FILTER, { len: insns.length / 8, filter: insns }, 16) !== 0) {
      throw sysError('setsockopt(SO_ATTACH_FILTER)', c.errno(), this.name);
    }
  }

  private findMulticast(addr: Uint8Array): number {
    return this.multicast.findIndex((m) => m.every((b, i) => b === addr[i]));
  }

  private enabledGroup(bytes: Uint8Array, off: number): boolean {
    const groups = this.multicast;
    for (let g = 0; g < groups.length; g++) {
      const m = groups[g];
      if (m[0] === bytes[off] && m[1] === bytes[off + 1] && m[2] === bytes[off + 2] && m[3] === bytes[off + 3] && m[4] === bytes[off + 4] && m[5] === bytes[off + 5]) return true;
    }
    return false;
  }

  private hwaddr(fd: number): { arphrd: number; addr: Uint8Array } {
    const ifr = ifreq(this.name);
    if (c.ioctl(fd, SIOCGIFHWADDR, ifr) !== 0) throw sysError('ioctl(SIOCGIFHWADDR)', c.errno(), this.name);
    const arphrd = new DataView(ifr.buffer).getUint16(16, true);
    const len = arphrd === Arphrd.ETHER || arphrd === Arphrd.LOOPBACK ? 6 : 0;
    return { arphrd, addr: ifr.slice(18, 18 + len) };
  }

  private ifreqInt(fd: number, request: number, what: string): number {
    const ifr = ifreq(this.name);
    if (c.ioctl(fd, request, ifr) !== 0) throw sysError(`ioctl(${what})`, c.errno(), this.name);
    return new DataView(ifr.buffer).getInt32(16, true);
  }

  private recvResult(off: number, capLen: number, wireLen: number, pktType: number, sec: number, nsec: number): RecvResult {
    const bytes = this.ring.bytes;
    const raw = (this.flags & DlpiFlag.RAW) !== 0;
    const destAddr = bytes.slice(off, off + Math.min(6, capLen));
    const srcAddr = bytes.slice(off + Math.min(6, capLen), off + Math.min(12, capLen));
    const group = pktType === PacketType.BROADCAST || pktType === PacketType.MULTICAST || (pktType === PacketType.OUTGOING && (destAddr[0] & 1) === 1);
    const start = raw ? off : off + Math.min(ETH_HLEN, capLen);
    return {
      data: bytes.slice(start, off + capLen),
      srcAddr,
      info: {
        destAddr,
        destAddrType: group ? AddrType.GROUP : AddrType.UNICAST,
        totMsgLen: wireLen,
        pktType,
        direction: pktType === PacketType.OUTGOING ? Direction.OUT : Direction.IN,
        tsSec: sec,
        tsNsec: nsec,
      },
    };
  }
}

/**
 * Wait until any handle's ring has a block for us, `wakeFd` (an eventfd) is signalled, or
 * `timeoutMs` passes (negative: no limit). One async poll on Koffi's worker thread, so the event
 * loop keeps running. Resolves with each fd's revents, in order (handles, then wakeFd).
 */
export function dlpiWait(fds: number[], timeoutMs: number): Promise<number[]> {
  const pfd = pollfds(fds);
  return new Promise((resolve, reject) => {
    c.poll.async(pfd, fds.length, timeoutMs, (err: unknown, n: number) => {
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve(n <= 0 ? fds.map(() => 0) : fds.map((_, i) => reventsOf(pfd, i)));
    });
  });
}

function pollfds(fds: number[]): Uint8Array {
  const buf = new Uint8Array(8 * fds.length);
  const dv = new DataView(buf.buffer);
  fds.forEach((fd, i) => {
    dv.setInt32(8 * i, fd, true);
    dv.setInt16(8 * i + 4, c.POLLIN, true);
  });
  return buf;
}

function reventsOf(pfd: Uint8Array, i: number): number {
  return new DataView(pfd.buffer, pfd.byteOffset).getUint16(8 * i + 6, true);
}

function ifreq(name: string): Uint8Array {
  const ifr = new Uint8Array(40);
  ifr.set(Buffer.from(name), 0);
  return ifr;
}

function sockaddrLl(protocol: number, ifIndex: number, addr: Uint8Array | null): Uint8Array {
  const sll = new Uint8Array(SOCKADDR_LL_LEN);
  const dv = new DataView(sll.buffer);
  dv.setUint16(0, c.AF_PACKET, true);
  dv.setUint16(2, protocol, false);
  dv.setInt32(4, ifIndex, true);
  if (addr !== null) {
    sll[11] = addr.length;
    sll.set(addr, 12);
  }
  return sll;
}
