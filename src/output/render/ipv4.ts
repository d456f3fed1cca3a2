// snoop's interpret_ip(): the IPv4 summary, -V line, -v header block and JSON object.
import { ipv4String, u32 } from '../../decode/addr.js';
import { IPOPT_RA } from '../../decode/ipv4.js';
import { L, type Packet } from '../../decode/packet.js';
import type { NameLookup } from './context.js';
import type { ProtocolRenderer } from './protocol.js';

/** snoop's getproto(): protocol names, empty for ones it does not know. */
export function ipProtoName(p: number): string {
  switch (p) {
    case 0: return 'IPv6-HopOpts';
    case 1: return 'ICMP';
    case 2: return 'IGMP';
    case 3: return 'GGP';
    case 4: return 'IP-in-IP';
    case 6: return 'TCP';
    case 8: return 'EGP';
    case 12: return 'PUP';
    case 17: return 'UDP';
    case 22: return 'IDP';
    case 41: return 'IPv6';
    case 43: return 'IPv6-Route';
    case 44: return 'IPv6-Frag';
    case 46: return 'RSVP';
    case 50: return 'ESP';
    case 51: return 'AH';
    case 58: return 'ICMPv6';
    case 60: return 'IPv6-DstOpts';
    case 63: return 'HELLO';
    case 77: return 'ND';
    case 80: return 'EON';
    case 89: return 'OSPF';
    case 255: return 'RAW';
    default: return '';
  }
}

/**
 * snoop's getflag(): the byte drawn as `.... .... = ` with the mask's lowest bit shown as 0/1,
 * followed by the text for that value, e.g. `...1 .... = low delay`.
 */
export function flagLine(value: number, mask: number, whenSet: string, whenClear: string): string {
  let bit = 0;
  while (bit < 8 && !((mask >> bit) & 1)) bit++;
  const set = ((value >> bit) & 1) === 1;
  const chars = ['.', '.', '.', '.', '.', '.', '.', '.'];
  chars[7 - bit] = set ? '1' : '0';
  return `${chars.slice(0, 4).join('')} ${chars.slice(4).join('')} = ${set ? whenSet : whenClear}`;
}

function nameOf(addr: number, names: NameLookup): string {
  return names.ipv4(addr) ?? ipv4String(addr);
}

function isFragment(pkt: Packet): boolean {
  return (pkt.ip.flags & 1) === 1 || pkt.ip.fragOffset !== 0;
}

function ipLine(pkt: Packet): string {
  const ip = pkt.ip;
  if (isFragment(pkt)) {
    return `${ipProtoName(ip.proto)} IP fragment ID=${ip.id} Offset=${String(ip.fragOffset).padEnd(4)} MF=${ip.flags & 1} TOS=0x${ip.tos.toString(16)} TTL=${ip.ttl}`;
  }
  return `IP  D=${ipv4String(ip.dst)} S=${ipv4String(ip.src)} LEN=${ip.totalLen}${ip.short ? '?' : ''}, ID=${ip.id}, TOS=0x${ip.tos.toString(16)}, TTL=${ip.ttl}`;
}

const TOS_BITS: ReadonlyArray<readonly [number, string, string]> = [
  [0x10, 'low delay', 'normal delay'],
  [0x08, 'high throughput', 'normal throughput'],
  [0x04, 'high reliability', 'normal reliability'],
  [0x02, 'ECN capable transport', 'not ECN capable transport'],
  [0x01, 'ECN congestion experienced', 'no ECN congestion experienced'],
];

const INDENT = '      ';

function hexUpper(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += b[i].toString(16).toUpperCase().padStart(2, '0');
  return s;
}

/** The record/source route address list, as snoop's print_route(). */
function routeLines(pkt: Packet, p: number, len: number, names: NameLookup, out: string[]): void {
  const b = pkt.bytes;
  let pointer = b[p + 2];
  out.push(`    Pointer = ${pointer}`);
  pointer -= 4;
  for (let a = p + 3; a + 4 <= p + len; a += 4, pointer -= 4) {
    const addr = u32(b, a);
    out.push(`${INDENT}${addr === 0 ? '-' : nameOf(addr, names)}${pointer === 0 ? '  <-- (current)' : ''}`);
  }
}

/** snoop's print_ipoptions(), plus a name for Router Alert which snoop shows as unknown. */
function optionLines(pkt: Packet, names: NameLookup, out: string[]): void {
  const b = pkt.bytes;
  const ip = pkt.ip;
  let p = ip.off + 20;
  const stop = ip.off + ip.headerLen;
  if (stop <= p) {
    out.push('No options');
    return;
  }
  out.push(`Options: (${stop - p} bytes)`);
  while (p < stop) {
    const type = b[p];
    if (type === 0) {
      out.push('  - End of option list');
      return;
    }
    if (type === 1) {
      out.push('  - No op');
      p++;
      continue;
    }
    const len = p + 1 < stop ? b[p + 1] : 0;
    const trunc = len > stop - p ? '?' : '';
    if (len < 2) {
      out.push(`  - Incomplete option len ${len}`);
      return;
    }
    const have = Math.min(len, stop - p);
    switch (type) {
      case 7:
        out.push(`  - Record route (${len} bytes${trunc})`);
        routeLines(pkt, p, have, names, out);
        break;
      case 68:
        out.push(`  - Time stamp (${len} bytes${trunc})`);
        break;
      case 130:
        out.push(`  - RIPSO (${len} bytes${trunc})`);
        break;
      case 134:
        out.push(`  - CIPSO (${len} bytes${trunc})`);
        break;
      case 131:
        out.push(`  - Loose source route (${len} bytes${trunc})`);
        routeLines(pkt, p, have, names, out);
        break;
      case 136:
        out.push(`  - SATNET Stream id (${len} bytes${trunc})`);
        break;
      case 137:
        out.push(`  - Strict source route, (${len} bytes${trunc})`);
        routeLines(pkt, p, have, names, out);
        break;
      case IPOPT_RA:
        out.push(`  - Router alert (${len} bytes${trunc})`);
        break;
      default:
        out.push(`  - Option ${type} (unknown - ${len} bytes${trunc}) ${hexUpper(b, p + 2, p + have)}`);
    }
    p += len;
  }
}

export const ipv4Renderer: ProtocolRenderer = {
  layer: L.IP,
  prefix: 'IP:   ',
  title: 'IP Header',
  jsonKey: 'ip',

  summary(pkt, _names, out) {
    out.text(ipLine(pkt));
  },

  layerLine(pkt) {
    return ipLine(pkt);
  },

  detail(pkt, names, out) {
    const ip = pkt.ip;
    const truncated = ip.short;
    out.push(`Version = 4`, `Header length = ${ip.headerLen} bytes`, `Type of service = 0x${ip.tos.toString(16).padStart(2, '0')}`);
    out.push(`${INDENT}xxx. .... = ${ip.tos >> 5} (precedence)`);
    for (const [mask, on, off] of TOS_BITS) out.push(INDENT + flagLine(ip.tos, mask, on, off));
    out.push(`Total length = ${ip.totalLen} bytes${truncated ? ' -- truncated' : ''}`);
    out.push(`Identification = ${ip.id}`);
    // snoop prints the top nibble of the flags/offset word: the three flags and offset bit 12.
    const flagsWord = (ip.flags << 13) | (ip.fragOffset >> 3);
    out.push(`Flags = 0x${(flagsWord >> 12).toString(16)}`);
    out.push(INDENT + flagLine(flagsWord >> 8, 0x40, 'do not fragment', 'may fragment'));
    out.push(INDENT + flagLine(flagsWord >> 8, 0x20, 'more fragments', 'last fragment'));
    out.push(`Fragment offset = ${ip.fragOffset} bytes`);
    out.push(`Time to live = ${ip.ttl} seconds/hops`);
    out.push(`Protocol = ${ip.proto} (${ipProtoName(ip.proto)})`);
    // snoop never verifies the checksum; we do, and say so only when it is wrong.
    out.push(`Header checksum = ${ip.checksum.toString(16).padStart(4, '0')}${ip.checksumOk === false ? ' (bad)' : ''}`);
    out.push(`Source address = ${ipv4String(ip.src)}, ${nameOf(ip.src, names)}`);
    out.push(`Destination address = ${ipv4String(ip.dst)}, ${nameOf(ip.dst, names)}`);
    if (ip.off + ip.headerLen <= pkt.end) optionLines(pkt, names, out);
    if (ip.fragOffset !== 0) {
      out.push(`${ipProtoName(ip.proto)}:  [${ip.payloadLen} byte(s) of data, continuation of IP ident=${ip.id}]`);
    }
  },

  json(pkt) {
    const ip = pkt.ip;
    const o: Record<string, unknown> = {
      src: ipv4String(ip.src),
      dst: ipv4String(ip.dst),
      ttl: ip.ttl,
      proto: ip.proto,
      len: ip.totalLen,
      id: ip.id,
      ra: ip.routerAlert,
      tos: ip.tos,
      cksumOk: ip.checksumOk,
    };
    if (isFragment(pkt)) o.frag = { off: ip.fragOffset, mf: (ip.flags & 1) === 1 };
    return o;
  },
};
