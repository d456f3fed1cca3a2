// BSD loopback encapsulations: LINKTYPE_NULL (address family in the writer's byte order) and
// LINKTYPE_LOOP (network byte order). Both are a 4-byte AF value before the IP header.
import { u32 } from './addr.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import type { Packet } from './packet.js';

const AF_INET = 2;
/** AF_INET6 differs per OS: Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, macOS 30. */
const AF_INET6_VALUES = [10, 24, 28, 30];

export function decodeNullLoop(pkt: Packet, off: number): void {
  const b = pkt.bytes;
  if (off + 4 > pkt.end) {
    pkt.notes.push('short packet');
    return;
  }
  // A real family is a small number, so whichever byte order makes it small is the right one.
  const big = u32(b, off);
  const af = big <= 0xffff ? big : (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0;
  if (af === AF_INET) decodeIpv4(pkt, off + 4);
  else if (AF_INET6_VALUES.includes(af)) decodeIpv6(pkt, off + 4);
}
