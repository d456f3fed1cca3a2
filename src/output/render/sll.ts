// Linux cooked capture header (SLL/SLL2). snoop never saw these; the layout follows the ETHER
// block so -V and -v read the same way.
import { macSnoop, macString } from '../../decode/addr.js';
import { L, type Packet } from '../../decode/packet.js';
import { arrivalTime, etherTypeName } from './ethernet.js';
import type { ProtocolRenderer } from './protocol.js';

const PACKET_TYPES = ['host', 'broadcast', 'multicast', 'otherhost', 'outgoing'];

function packetTypeName(t: number): string {
  return PACKET_TYPES[t] ?? String(t);
}

/** Linux ARPHRD_* names for the hardware types a cooked capture usually shows. */
function hardwareTypeName(t: number): string {
  switch (t) {
    case 1: return 'Ethernet';
    case 32: return 'InfiniBand';
    case 512: return 'PPP';
    case 768: return 'IPIP tunnel';
    case 769: return 'IPv6 tunnel';
    case 772: return 'Loopback';
    case 776: return 'SIT';
    case 778: return 'GRE';
    case 823: return 'IP6GRE';
    case 824: return 'Netlink';
    case 65534: return 'None';
    default: return 'Unknown';
  }
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

function sourceAddress(pkt: Packet, text: (b: Uint8Array, off: number, len: number) => string): string {
  const s = pkt.sll;
  return s.addrLen > 0 ? text(pkt.bytes, s.addrOff, s.addrLen) : '';
}

function sllLine(pkt: Packet): string {
  const s = pkt.sll;
  return `SLL Type=${hex4(s.protocol)} (${etherTypeName(s.protocol)}), Pkttype=${packetTypeName(s.pktType)}, size=${pkt.wireLen} bytes`;
}

export const sllRenderer: ProtocolRenderer = {
  layer: L.SLL,
  prefix: 'SLL:  ',
  title: 'Linux Cooked Header',
  jsonKey: 'sll',

  summary(pkt, _names, out) {
    out.text(sllLine(pkt));
  },

  layerLine(pkt) {
    return sllLine(pkt);
  },

  detail(pkt, _names, out) {
    const s = pkt.sll;
    out.push(`Packet ${pkt.number} arrived at ${arrivalTime(pkt.tsSec, pkt.tsNsec)}`);
    out.push(`Packet size = ${pkt.capLen} bytes`);
    out.push(`Cooked header version = ${s.version}`);
    out.push(`Packet type = ${s.pktType} (${packetTypeName(s.pktType)})`);
    out.push(`Hardware type = ${s.hatype} (${hardwareTypeName(s.hatype)})`);
    out.push(`Source      = ${sourceAddress(pkt, macSnoop)}`);
    if (s.version === 2) out.push(`Interface index = ${s.ifIndex}`);
    out.push(`Protocol = ${hex4(s.protocol)} (${etherTypeName(s.protocol)})`);
  },

  json(pkt) {
    const s = pkt.sll;
    const o: Record<string, unknown> = {
      version: s.version,
      pktType: s.pktType,
      hatype: s.hatype,
      src: sourceAddress(pkt, macString),
      protocol: s.protocol,
    };
    if (s.version === 2) o.ifIndex = s.ifIndex;
    return o;
  },
};
