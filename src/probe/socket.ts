// The probe socket, set up the way in.mpathd sets up pii_probe_sock: a raw ICMP or ICMPv6 socket
// bound to the test address and pinned to the link (SO_BINDTODEVICE standing in for
// IP_BOUND_IF), TTL / hop limit 1 for unicast and multicast, multicast loopback off, and an ICMP
// filter that lets only echo replies through. Non-blocking; receive times come from the kernel
// (SIOCGSTAMPNS), as ipmpstat's NETRTT does with SO_TIMESTAMP.
import { ipv4String, ipv6String, parseIpv4, parseIpv6, u32 } from '../decode/addr.js';
import * as c from '../dlpi/libc.js';

export class ProbeSocketError extends Error {
  constructor(
    readonly call: string,
    readonly errnum: number,
    detail: string,
  ) {
    super(`${call}: ${c.strerror(errnum)}${detail ? ` (${detail})` : ''}`);
    this.name = 'ProbeSocketError';
  }
}

/** One echo reply as read from the socket; `icmp` is a view into the socket's receive buffer. */
export interface ReceivedIcmp {
  src: string;
  dst: string;
  /** IPv4 TTL; null for IPv6 (the hop limit needs ancillary data we do not ask for). */
  ttl: number | null;
  icmp: Uint8Array;
  /** Kernel receive time, CLOCK_REALTIME ns. */
  timeNs: bigint;
}

function clockNs(clock: number): bigint {
  const ts = new Uint8Array(16);
  c.clockGettime(clock, ts);
  const dv = new DataView(ts.buffer);
  return dv.getBigInt64(0, true) * 1_000_000_000n + dv.getBigInt64(8, true);
}

export function realtimeNs(): bigint {
  return clockNs(c.CLOCK_REALTIME);
}

/** Time since boot, as in.mpathd's gethrtime() puts into a probe. */
export function monotonicNs(): bigint {
  return clockNs(c.CLOCK_MONOTONIC);
}

function int32(v: number): Int32Array {
  return Int32Array.of(v);
}

export class ProbeSocket {
  private readonly rxBuf = new Uint8Array(2048);
  private readonly rxAddr = new Uint8Array(28);
  private readonly rxAddrLen = new Uint32Array(1);
  private readonly stamp = new Uint8Array(16);
  private closed = false;

  private constructor(
    readonly fd: number,
    readonly family: 4 | 6,
    private readonly ifIndex: number,
  ) {}

  /** Open, bind and configure the socket; throws ProbeSocketError naming the call that failed. */
  static open(family: 4 | 6, testAddr: string, link: string, ifIndex: number): ProbeSocket {
    const fd = c.socket(family === 4 ? c.AF_INET : c.AF_INET6, c.SOCK_RAW | c.SOCK_NONBLOCK | c.SOCK_CLOEXEC, family === 4 ? c.IPPROTO_ICMP : c.IPPROTO_ICMPV6);
    if (fd < 0) throw new ProbeSocketError('socket', c.errno(), family === 4 ? 'raw ICMP needs CAP_NET_RAW' : 'raw ICMPv6 needs CAP_NET_RAW');
    const sock = new ProbeSocket(fd, family, ifIndex);
    try {
      sock.configure(testAddr, link);
    } catch (e) {
      sock.close();
      throw e;
    }
    return sock;
  }

  private check(rc: number, call: string, detail = ''): void {
    if (rc < 0) throw new ProbeSocketError(call, c.errno(), detail);
  }

  private configure(testAddr: string, link: string): void {
    const fd = this.fd;
    const name = new TextEncoder().encode(link + '\0');
    this.check(c.setsockopt(fd, c.SOL_SOCKET, c.SO_BINDTODEVICE, name, name.length), 'setsockopt SO_BINDTODEVICE', link);
    const addr = this.sockaddr(testAddr);
    this.check(c.bind(fd, addr, addr.length), 'bind', testAddr);
    if (this.family === 4) {
      this.check(c.setsockopt(fd, c.IPPROTO_IP, c.IP_TTL, int32(1), 4), 'setsockopt IP_TTL');
      this.check(c.setsockopt(fd, c.IPPROTO_IP, c.IP_MULTICAST_TTL, int32(1), 4), 'setsockopt IP_MULTICAST_TTL');
      this.check(c.setsockopt(fd, c.IPPROTO_IP, c.IP_MULTICAST_LOOP, int32(0), 4), 'setsockopt IP_MULTICAST_LOOP');
      // struct ip_mreqn {in_addr multiaddr; in_addr address; int ifindex}: PROBE_MULTI leaves by this link.
      const mreqn = new Uint8Array(12);
      new DataView(mreqn.buffer).setInt32(8, this.ifIndex, true);
      this.check(c.setsockopt(fd, c.IPPROTO_IP, c.IP_MULTICAST_IF, mreqn, 12), 'setsockopt IP_MULTICAST_IF');
      // Pass echo replies (type 0) only.
      this.check(c.setsockopt(fd, c.SOL_RAW, c.ICMP_FILTER, Uint32Array.of(~1 >>> 0), 4), 'setsockopt ICMP_FILTER');
    } else {
      this.check(c.setsockopt(fd, c.IPPROTO_IPV6, c.IPV6_UNICAST_HOPS, int32(1), 4), 'setsockopt IPV6_UNICAST_HOPS');
      this.check(c.setsockopt(fd, c.IPPROTO_IPV6, c.IPV6_MULTICAST_HOPS, int32(1), 4), 'setsockopt IPV6_MULTICAST_HOPS');
      this.check(c.setsockopt(fd, c.IPPROTO_IPV6, c.IPV6_MULTICAST_LOOP, int32(0), 4), 'setsockopt IPV6_MULTICAST_LOOP');
      this.check(c.setsockopt(fd, c.IPPROTO_IPV6, c.IPV6_MULTICAST_IF, int32(this.ifIndex), 4), 'setsockopt IPV6_MULTICAST_IF');
      // ICMP6_FILTER_SETBLOCKALL then SETPASS(ICMP6_ECHO_REPLY = 129).
      const filter = new Uint32Array(8).fill(0xffffffff);
      filter[129 >> 5] &= ~(1 << (129 & 31)) >>> 0;
      this.check(c.setsockopt(fd, c.IPPROTO_ICMPV6, c.ICMP6_FILTER, filter, 32), 'setsockopt ICMP6_FILTER');
    }
    // The first SIOCGSTAMPNS turns on receive time stamps (it fails with ENOENT: nothing read yet).
    c.ioctl(fd, c.SIOCGSTAMPNS, this.stamp);
  }

  /** struct sockaddr_in / sockaddr_in6 (with this link as the scope) for an address of our family. */
  private sockaddr(text: string): Uint8Array {
    if (this.family === 4) {
      const a = parseIpv4(text);
      if (a === null) throw new Error(`not an IPv4 address: ${text}`);
      const sa = new Uint8Array(16);
      const dv = new DataView(sa.buffer);
      dv.setUint16(0, c.AF_INET, true);
      dv.setUint32(4, a, false);
      return sa;
    }
    const a = parseIpv6(text);
    if (a === null) throw new Error(`not an IPv6 address: ${text}`);
    const sa = new Uint8Array(28);
    const dv = new DataView(sa.buffer);
    dv.setUint16(0, c.AF_INET6, true);
    sa.set(a, 8);
    dv.setUint32(24, this.ifIndex, true);
    return sa;
  }

  /**
   * Send one ICMP message (for IPv6 the kernel fills in the checksum). Returns 0, or the errno
   * (EAGAIN means the socket buffer was full; in.mpathd counts that as sent).
   */
  send(dst: string, message: Uint8Array): number {
    const sa = this.sockaddr(dst);
    const n = c.sendto(this.fd, message, message.length, 0, sa, sa.length);
    return n < 0 ? c.errno() : 0;
  }

  /**
   * Read one datagram. Returns null when nothing is waiting; a pending socket error (an ICMP error
   * the kernel reported on this socket) is consumed and reported as { errnum }.
   */
  receive(): ReceivedIcmp | { errnum: number } | null {
    this.rxAddrLen[0] = this.rxAddr.length;
    const n = c.recvfrom(this.fd, this.rxBuf, this.rxBuf.length, 0, this.rxAddr, this.rxAddrLen);
    if (n < 0) {
      const e = c.errno();
      return e === c.EAGAIN ? null : { errnum: e };
    }
    const timeNs = this.receiveTime();
    const b = this.rxBuf;
    if (this.family === 4) {
      // A raw IPv4 socket hands over the IP header too.
      const ihl = Math.min((b[0] & 0x0f) * 4, n);
      return { src: ipv4String(u32(b, 12)), dst: ipv4String(u32(b, 16)), ttl: b[8], icmp: b.subarray(ihl, n), timeNs };
    }
    return { src: ipv6String(this.rxAddr, 8), dst: '', ttl: null, icmp: b.subarray(0, n), timeNs };
  }

  private receiveTime(): bigint {
    if (c.ioctl(this.fd, c.SIOCGSTAMPNS, this.stamp) < 0) return realtimeNs();
    const dv = new DataView(this.stamp.buffer);
    return dv.getBigInt64(0, true) * 1_000_000_000n + dv.getBigInt64(8, true);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    c.close(this.fd);
  }
}

