// snoop's interpret_ether(): the ETHER -V line, the Ether Header block, JSON, and the
// (broadcast)/(multicast) destination name of the summary line.
import { macSnoop, macString } from '../../decode/addr.js';
import { L, type Packet } from '../../decode/packet.js';
import type { ProtocolRenderer } from './protocol.js';

/** snoop's ethertype table, reduced to the types a modern LAN carries, plus tag and control types. */
const ETHER_TYPES = new Map<number, string>([
  [0x0800, 'IP'],
  [0x0806, 'ARP'],
  [0x8035, 'RARP'],
  [0x86dd, 'IPv6'],
  [0x8863, 'PPPoE Discovery'],
  [0x8864, 'PPPoE Session'],
  [0x22f3, 'TRILL'],
  [0x0200, 'Xerox PUP'],
  [0x0600, 'Xerox NS IDP'],
  [0x6003, 'DECNET Phase IV, DNA Routing'],
  [0x6004, 'DEC LAT'],
  [0x809b, 'EtherTalk (AppleTalk over Ethernet)'],
  [0x80f3, 'AARP (Appletalk)'],
  [0x8137, 'Novell (old) NetWare IPX'],
  [0x9000, 'Loopback'],
  // Not in snoop's table; named so tags and common control frames do not read as "Unknown".
  [0x8100, 'VLAN'],
  [0x88a8, 'QinQ'],
  [0x8809, 'Slow Protocols'],
  [0x888e, 'EAPOL'],
  [0x88cc, 'LLDP'],
  [0x8847, 'MPLS'],
]);

/** snoop's print_ethertype(). */
export function etherTypeName(type: number): string {
  return ETHER_TYPES.get(type) ?? (type < 1500 ? 'LLC/802.3' : 'Unknown');
}

/** The popular head of snoop's OUI table (print_etherinfo). */
const OUI_NAMES = new Map<number, string>([
  [0x080020, 'Sun'],
  [0x0000c6, 'HP'],
  [0x08002b, 'DEC'],
  [0x00000f, 'NeXT'],
  [0x00000c, 'Cisco'],
  [0x080069, 'Silicon Graphics'],
  [0x000069, 'Silicon Graphics'],
  [0x08005a, 'IBM'],
  [0x0000ac, 'Apollo'],
  [0x00aa00, 'Intel'],
  [0x080007, 'Apple'],
  [0x080009, 'Hewlett-Packard'],
  [0x00608c, '3Com'],
  [0x00800f, 'SMC'],
]);

function isBroadcast(b: Uint8Array, off: number): boolean {
  return (b[off] & b[off + 1] & b[off + 2] & b[off + 3] & b[off + 4] & b[off + 5]) === 0xff;
}

/** snoop's print_etherinfo(): the words after a MAC in the -v block. */
function macInfo(b: Uint8Array, off: number): string {
  if (isBroadcast(b, off)) return '(broadcast)';
  if (b[off] & 1) return '(multicast)';
  return OUI_NAMES.get((b[off] << 16) | (b[off + 1] << 8) | b[off + 2]) ?? '';
}

/**
 * The summary line's destination when the link says more than the addresses will:
 * `(broadcast)` or `(multicast)` from the Ethernet destination (or the cooked packet type).
 */
export function linkDestinationName(pkt: Packet): string | null {
  if (pkt.eth.present) {
    const b = pkt.bytes;
    if (isBroadcast(b, pkt.eth.dstOff)) return '(broadcast)';
    if (b[pkt.eth.dstOff] & 1) return '(multicast)';
    return null;
  }
  if (pkt.sll.present) {
    if (pkt.sll.pktType === 1) return '(broadcast)';
    if (pkt.sll.pktType === 2) return '(multicast)';
  }
  return null;
}

/** The ethertype the payload carries (the SNAP protocol for 802.3 + SNAP), or 0 for plain LLC. */
function payloadType(pkt: Packet): number {
  return pkt.eth.llc ? pkt.eth.snapType : pkt.eth.type;
}

/** Where the LLC header of an 802.3 frame starts, after the addresses, tags and length. */
function llcOffset(pkt: Packet): number {
  return pkt.eth.dstOff + 14 + 4 * pkt.eth.vlanCount;
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

function vlanText(pkt: Packet): string {
  const eth = pkt.eth;
  if (eth.vlanCount === 0) return '';
  let ids = String(eth.vlanTci[0] & 0x0fff);
  // snoop knows one tag; a QinQ stack lists outer to inner.
  for (let i = 1; i < eth.vlanCount; i++) ids += '/' + (eth.vlanTci[i] & 0x0fff);
  return `, VLAN ID=${ids}`;
}

function etherLine(pkt: Packet): string {
  const eth = pkt.eth;
  const type = payloadType(pkt);
  if (eth.llc && type === 0) {
    // snoop labels the first LLC byte (the DSAP on the wire) "SSAP"; kept for compatible output.
    const b = pkt.bytes;
    const at = llcOffset(pkt);
    const captured = at + 2 <= pkt.end;
    const first = captured ? hex2(b[at]) : '??';
    const second = captured ? hex2(b[at + 1]) : '??';
    return `ETHER 802.3 SSAP ${first} DSAP ${second}${vlanText(pkt)}, size=${pkt.wireLen} bytes`;
  }
  return `ETHER Type=${hex4(type)} (${etherTypeName(type)})${vlanText(pkt)}, size=${pkt.wireLen} bytes`;
}

/** snoop's arrival time: local `%d:%02d:%d.%05d` (hours and seconds unpadded, 10 µs units). */
export function arrivalTime(tsSec: number, tsNsec: number): string {
  const d = new Date(tsSec * 1000);
  const min = d.getMinutes();
  return `${d.getHours()}:${min < 10 ? '0' : ''}${min}:${d.getSeconds()}.${String(Math.floor(tsNsec / 10000)).padStart(5, '0')}`;
}

export const ethernetRenderer: ProtocolRenderer = {
  layer: L.ETH,
  prefix: 'ETHER:  ',
  title: 'Ether Header',
  jsonKey: 'eth',

  summary(pkt, _names, out) {
    out.text(etherLine(pkt));
  },

  layerLine(pkt) {
    return etherLine(pkt);
  },

  detail(pkt, _names, out) {
    const eth = pkt.eth;
    const b = pkt.bytes;
    out.push(`Packet ${pkt.number} arrived at ${arrivalTime(pkt.tsSec, pkt.tsNsec)}`);
    out.push(`Packet size = ${pkt.capLen} bytes`);
    out.push(`Destination = ${macSnoop(b, eth.dstOff)}, ${macInfo(b, eth.dstOff)}`);
    out.push(`Source      = ${macSnoop(b, eth.srcOff)}, ${macInfo(b, eth.srcOff)}`);
    for (let i = 0; i < eth.vlanCount; i++) {
      const tci = eth.vlanTci[i];
      if (eth.vlanCount > 1) out.push(`VLAN TPID   = ${hex4(eth.vlanTpid[i])}`);
      out.push(`VLAN ID     = ${tci & 0x0fff}`, `VLAN Priority = ${tci >> 13}`);
    }
    const type = payloadType(pkt);
    if (eth.llc) {
      out.push(`IEEE 802.3 length = ${eth.type} bytes`);
      if (type === 0 && llcOffset(pkt) + 3 <= pkt.end) {
        out.push(`SSAP = ${hex2(eth.dsap)}, DSAP = ${hex2(eth.ssap)}, CTRL = ${hex2(eth.llcCtrl)}`);
      }
    }
    if (!eth.llc || type !== 0) out.push(`Ethertype = ${hex4(type)} (${etherTypeName(type)})`);
  },

  json(pkt) {
    const eth = pkt.eth;
    const vlan: number[] = [];
    for (let i = 0; i < eth.vlanCount; i++) vlan.push(eth.vlanTci[i] & 0x0fff);
    const o: Record<string, unknown> = {
      src: macString(pkt.bytes, eth.srcOff),
      dst: macString(pkt.bytes, eth.dstOff),
      type: payloadType(pkt),
      vlan,
    };
    if (eth.llc && llcOffset(pkt) + 3 <= pkt.end) o.llc = { dsap: eth.dsap, ssap: eth.ssap, ctrl: eth.llcCtrl, len: eth.type };
    return o;
  },
};
