// The transport/upper-layer dispatch that IPv4 and IPv6 hand their payload to. It works out once
// whether the whole message was captured (so its checksum can be verified) and picks the decoder.
import { decodeIcmp } from './icmp.js';
import { decodeIcmp6 } from './icmp6.js';
import { decodeIgmp } from './igmp.js';
import type { Packet } from './packet.js';
import { decodeTcp } from './tcp.js';
import { decodeUdp } from './udp.js';

export const IPPROTO_ICMP = 1;
export const IPPROTO_IGMP = 2;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;

/**
 * True when the checksum can be verified: the message's claimed bytes were all captured and it is
 * not the first piece of a fragmented datagram (the rest of the message is in later fragments).
 */
function wholeMessage(pkt: Packet, off: number, len: number, family: 4 | 6): boolean {
  if (off + len > pkt.end) return false;
  return family === 4 ? (pkt.ip.flags & 1) === 0 : !(pkt.ip6.fragment && pkt.ip6.fragMore);
}

/**
 * Decode the upper-layer message at `off`, `len` bytes long as the IP header claims. Reads are
 * bounded by min(off + len, pkt.end); nothing here throws.
 */
export function decodeUpper(pkt: Packet, proto: number, off: number, len: number, family: 4 | 6): void {
  if (len < 0) len = 0;
  const whole = wholeMessage(pkt, off, len, family);
  switch (proto) {
    case IPPROTO_ICMP:
      if (family === 4) decodeIcmp(pkt, off, len, whole);
      return;
    case IPPROTO_ICMPV6:
      decodeIcmp6(pkt, off, len, whole);
      return;
    case IPPROTO_IGMP:
      if (family === 4) decodeIgmp(pkt, off, len, whole);
      return;
    case IPPROTO_UDP:
      decodeUdp(pkt, off, len, family, whole);
      return;
    case IPPROTO_TCP:
      decodeTcp(pkt, off, len, family, whole);
      return;
  }
}
