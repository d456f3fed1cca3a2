// IPv6 (RFC 8200): the extension header chain, hop-by-hop Router Alert and padding style,
// fragments, and IPv4/IPv6 tunnelled inside.
import { u16, u32 } from './addr.js';
import { decodeIpv4, IPPROTO_IPIP, IPPROTO_IPV6, MAX_ENCAP } from './ipv4.js';
import { L, MAX_EXT_HEADERS, type Packet } from './packet.js';
import { decodeUpper } from './upper.js';

export const Ipv6Ext = { HOPOPTS: 0, ROUTING: 43, FRAGMENT: 44, AH: 51, DSTOPTS: 60, MOBILITY: 135 } as const;
export const IPPROTO_NONE = 59;

const OPT_PAD1 = 0;
const OPT_PADN = 1;
const OPT_ROUTER_ALERT = 5;

export function isIpv6Extension(nxt: number): boolean {
  return (
    nxt === Ipv6Ext.HOPOPTS ||
    nxt === Ipv6Ext.ROUTING ||
    nxt === Ipv6Ext.FRAGMENT ||
    nxt === Ipv6Ext.AH ||
    nxt === Ipv6Ext.DSTOPTS ||
    nxt === Ipv6Ext.MOBILITY
  );
}

export function decodeIpv6(pkt: Packet, off: number): void {
  const b = pkt.bytes;
  const end = pkt.end;
  const ip6 = pkt.ip6;
  if (off + 40 > end) {
    if (!ip6.present) ip6.short = true;
    pkt.notes.push('short packet');
    return;
  }
  if (b[off] >> 4 !== 6) {
    pkt.notes.push('malformed IPv6 header');
    return;
  }
  ip6.present = true;
  ip6.short = false;
  pkt.layers |= L.IP6;
  ip6.off = off;
  const vcf = u32(b, off);
  ip6.trafficClass = (vcf >>> 20) & 0xff;
  ip6.flowLabel = vcf & 0xfffff;
  ip6.payloadLen = u16(b, off + 4);
  ip6.nextHeader = b[off + 6];
  ip6.hopLimit = b[off + 7];
  ip6.srcOff = off + 8;
  ip6.dstOff = off + 24;
  ip6.extCount = 0;
  ip6.routerAlert = false;
  ip6.routerAlertValue = 0;
  ip6.hbhPadding = 0;
  ip6.fragment = false;
  ip6.fragOffset = 0;
  ip6.fragMore = false;
  ip6.fragId = 0;

  // A zero payload length with a hop-by-hop header is a jumbogram: the frame bounds it instead.
  const payloadEnd = ip6.payloadLen === 0 && ip6.nextHeader === Ipv6Ext.HOPOPTS ? end : off + 40 + ip6.payloadLen;
  if (payloadEnd > end) ip6.short = true;

  let nxt = ip6.nextHeader;
  let p = off + 40;
  while (isIpv6Extension(nxt)) {
    ip6.upperProto = nxt;
    ip6.payloadOff = p;
    if (ip6.extCount === MAX_EXT_HEADERS) {
      pkt.notes.push('malformed: too many IPv6 extension headers');
      return;
    }
    let len = 8;
    if (nxt !== Ipv6Ext.FRAGMENT) {
      if (p + 2 > end) return shortExt(pkt);
      len = nxt === Ipv6Ext.AH ? (b[p + 1] + 2) * 4 : (b[p + 1] + 1) * 8;
    }
    if (p + len > end) return shortExt(pkt);
    const i = ip6.extCount++;
    ip6.extType[i] = nxt;
    ip6.extOff[i] = p;
    ip6.extLen[i] = len;
    if (nxt === Ipv6Ext.HOPOPTS) scanHopByHop(pkt, p + 2, p + len);
    else if (nxt === Ipv6Ext.FRAGMENT) {
      const offlg = u16(b, p + 2);
      ip6.fragment = true;
      ip6.fragOffset = offlg & 0xfff8;
      ip6.fragMore = (offlg & 1) === 1;
      ip6.fragId = u32(b, p + 4);
    }
    nxt = b[p];
    p += len;
  }
  ip6.upperProto = nxt;
  ip6.payloadOff = p;
  if (p > payloadEnd) {
    pkt.notes.push('malformed IPv6 header');
    return;
  }
  // Only the first fragment carries the upper-layer header.
  if (ip6.fragment && ip6.fragOffset !== 0) return;
  if (nxt === IPPROTO_NONE) return;
  if (nxt === IPPROTO_IPV6 || nxt === IPPROTO_IPIP) {
    if (pkt.encap >= MAX_ENCAP) {
      pkt.notes.push('malformed: too many encapsulations');
      return;
    }
    pkt.encap++;
    if (nxt === IPPROTO_IPV6) decodeIpv6(pkt, p);
    else decodeIpv4(pkt, p);
    return;
  }
  decodeUpper(pkt, nxt, p, payloadEnd - p, 6);
}

function shortExt(pkt: Packet): void {
  pkt.ip6.short = true;
  pkt.notes.push('short packet');
}

/** Options of a hop-by-hop header in [p, stop): Router Alert and the padding style. */
function scanHopByHop(pkt: Packet, p: number, stop: number): void {
  const b = pkt.bytes;
  const ip6 = pkt.ip6;
  while (p < stop) {
    const type = b[p];
    if (type === OPT_PAD1) {
      if (ip6.hbhPadding === 0) ip6.hbhPadding = 1;
      p++;
      continue;
    }
    const len = p + 1 < stop ? b[p + 1] : -1;
    if (len < 0 || p + 2 + len > stop) {
      pkt.notes.push('malformed IPv6 options');
      return;
    }
    if (type === OPT_PADN) ip6.hbhPadding = 2;
    else if (type === OPT_ROUTER_ALERT && len === 2) {
      ip6.routerAlert = true;
      ip6.routerAlertValue = u16(b, p + 2);
    }
    p += 2 + len;
  }
}
