// snoop's interpret_ipv6(): the IPv6 -V line, -v header block (with our one-line-per-header
// rendering of extension headers) and JSON object.
import { ipv6String, u16 } from '../../decode/addr.js';
import { Ipv6Ext } from '../../decode/ipv6.js';
import { L, type Packet } from '../../decode/packet.js';
import type { NameLookup } from './context.js';
import { ipProtoName } from './ipv4.js';
import type { ProtocolRenderer } from './protocol.js';

const ALERT_NAMES = ['MLD', 'RSVP', 'AN'];

function addrName(pkt: Packet, off: number, names: NameLookup): string {
  const text = ipv6String(pkt.bytes, off);
  return names.ipv6(text) ?? text;
}

/** `, name` after an address, or nothing when the name is the address itself (as snoop does). */
function nameSuffix(pkt: Packet, off: number, names: NameLookup): string {
  const name = names.ipv6(ipv6String(pkt.bytes, off));
  return name === undefined ? '' : `, ${name}`;
}

function headerLine(pkt: Packet, names: NameLookup): string {
  const ip6 = pkt.ip6;
  return `IPv6  S=${addrName(pkt, ip6.srcOff, names)} D=${addrName(pkt, ip6.dstOff, names)} LEN=${ip6.payloadLen} HOPS=${ip6.hopLimit} CLASS=0x${ip6.trafficClass.toString(16)} FLOW=0x${ip6.flowLabel.toString(16)}`;
}

function fragmentLine(pkt: Packet): string {
  const ip6 = pkt.ip6;
  return `IPv6 fragment ID=${ip6.fragId} Offset=${String(ip6.fragOffset).padEnd(4)} MF=${ip6.fragMore ? 1 : 0}`;
}

/** Options of a hop-by-hop or destination options header, e.g. `Router Alert (MLD), PadN`. */
function optionList(pkt: Packet, off: number, len: number): string {
  const b = pkt.bytes;
  const parts: string[] = [];
  let p = off + 2;
  const stop = off + len;
  while (p < stop) {
    const type = b[p];
    if (type === 0) {
      parts.push('Pad1');
      p++;
      continue;
    }
    const optLen = p + 1 < stop ? b[p + 1] : -1;
    if (optLen < 0 || p + 2 + optLen > stop) {
      parts.push(`option ${type} truncated`);
      break;
    }
    if (type === 1) parts.push('PadN');
    else if (type === 5 && optLen === 2) {
      const v = u16(b, p + 2);
      parts.push(`Router Alert (${ALERT_NAMES[v] ?? '???'})`);
    } else if (type === 0xc2 && optLen === 4) parts.push('Jumbo Payload');
    else if (type === 4 && optLen === 1) parts.push(`Tunnel Limit ${b[p + 2]}`);
    else parts.push(`Option ${type} (${optLen} bytes)`);
    p += 2 + optLen;
  }
  return parts.length ? parts.join(', ') : 'none';
}

function extensionLine(pkt: Packet, i: number): string {
  const b = pkt.bytes;
  const ip6 = pkt.ip6;
  const off = ip6.extOff[i];
  const len = ip6.extLen[i];
  switch (ip6.extType[i]) {
    case Ipv6Ext.HOPOPTS:
      return `Hop-by-hop options: ${optionList(pkt, off, len)}`;
    case Ipv6Ext.DSTOPTS:
      return `Destination options: ${optionList(pkt, off, len)}`;
    case Ipv6Ext.ROUTING:
      return `Routing header: type ${b[off + 2]}, segments left ${b[off + 3]}, ${len} bytes`;
    case Ipv6Ext.FRAGMENT:
      return `Fragment header: offset ${ip6.fragOffset}, more fragments ${ip6.fragMore ? 'true' : 'false'}, ID ${ip6.fragId}`;
    case Ipv6Ext.AH:
      return `Authentication header: ${len} bytes`;
    default:
      return `Extension header ${ip6.extType[i]}: ${len} bytes`;
  }
}

function isLaterFragment(pkt: Packet): boolean {
  return pkt.ip6.fragment && pkt.ip6.fragOffset !== 0;
}

export const ipv6Renderer: ProtocolRenderer = {
  layer: L.IP6,
  prefix: 'IPv6:   ',
  title: 'IPv6 Header',
  jsonKey: 'ip6',

  summary(pkt, names, out) {
    // As in snoop's summary, a fragment that carries no upper-layer header is shown as one.
    out.text(isLaterFragment(pkt) ? fragmentLine(pkt) : headerLine(pkt, names));
  },

  layerLine(pkt, names) {
    return headerLine(pkt, names);
  },

  detail(pkt, names, out) {
    const ip6 = pkt.ip6;
    out.push(
      'Version = 6',
      `Traffic Class = ${ip6.trafficClass}`,
      `Flow label = 0x${ip6.flowLabel.toString(16)}`,
      `Payload length = ${ip6.payloadLen}`,
      `Next Header = ${ip6.nextHeader} (${ipProtoName(ip6.nextHeader)})`,
      `Hop Limit = ${ip6.hopLimit}`,
      `Source address = ${ipv6String(pkt.bytes, ip6.srcOff)}${nameSuffix(pkt, ip6.srcOff, names)}`,
      `Destination address = ${ipv6String(pkt.bytes, ip6.dstOff)}${nameSuffix(pkt, ip6.dstOff, names)}`,
    );
    for (let i = 0; i < ip6.extCount; i++) out.push(extensionLine(pkt, i));
    if (ip6.extCount > 0) out.push(`Upper protocol = ${ip6.upperProto} (${ipProtoName(ip6.upperProto)})`);
  },

  json(pkt) {
    const ip6 = pkt.ip6;
    const ext: number[] = [];
    for (let i = 0; i < ip6.extCount; i++) ext.push(ip6.extType[i]);
    const o: Record<string, unknown> = {
      src: ipv6String(pkt.bytes, ip6.srcOff),
      dst: ipv6String(pkt.bytes, ip6.dstOff),
      hlim: ip6.hopLimit,
      nxt: ip6.upperProto,
      ra: ip6.routerAlert,
      ext,
    };
    if (ip6.hbhPadding !== 0) o.pad = ip6.hbhPadding === 2 ? 'padn' : 'pad1';
    if (ip6.fragment) o.frag = { off: ip6.fragOffset, mf: ip6.fragMore, id: ip6.fragId };
    return o;
  },
};
