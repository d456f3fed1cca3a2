// snoop's interpret_arp(): ARP/RARP summaries, the ARP/RARP Frame block and JSON.
import { ipv4String, macSnoop, macString, u32 } from '../../decode/addr.js';
import { L, type Packet } from '../../decode/packet.js';
import type { NameLookup } from './context.js';
import { etherTypeName } from './ethernet.js';
import type { ProtocolRenderer } from './protocol.js';

const OP_NAMES = ['', 'ARP Request', 'ARP Reply', 'REVARP Request', 'REVARP Reply'];
const PTYPE_IPV4 = 0x0800;

/** snoop's arp_htype(): IANA hardware type names. */
function hardwareTypeName(t: number): string {
  switch (t) {
    case 1: return 'Ethernet (10Mb)';
    case 2: return 'Experimental Ethernet (3MB)';
    case 3: return 'Amateur Radio AX.25';
    case 4: return 'Proteon ProNET Token Ring';
    case 5: return 'Chaos';
    case 6: return 'IEEE 802';
    case 7: return 'ARCNET';
    case 8: return 'Hyperchannel';
    case 9: return 'Lanstar';
    case 10: return 'Autonet';
    case 11: return 'LocalTalk';
    case 12: return 'LocalNet';
    case 13: return 'Ultra Link';
    case 14: return 'SMDS';
    case 15: return 'Frame Relay';
    case 16: return 'ATM';
    case 17: return 'HDLC';
    case 18: return 'Fibre Channel';
    case 19: return 'IP-ATM';
    case 31: return 'Tunnel';
    case 32: return 'IPIB';
    default: return 'UNKNOWN';
  }
}

/** A protocol address as snoop's printip(): `addr, name` (the address twice when unnamed). */
function printIp(pkt: Packet, off: number, names: NameLookup): string {
  if (pkt.arp.plen !== 4) return '?';
  const a = u32(pkt.bytes, off);
  const text = ipv4String(a);
  return `${text}, ${names.ipv4(a) ?? text}`;
}

/** A hardware address as libinetutil's _link_ntoa(): unpadded hex bytes joined by colons. */
function printMac(pkt: Packet, off: number): string {
  return pkt.arp.hlen === 0 ? 'Unknown' : macSnoop(pkt.bytes, off, pkt.arp.hlen);
}

function arpSummary(pkt: Packet, names: NameLookup): string {
  const a = pkt.arp;
  if (a.short) return 'ARP (short packet)';
  switch (a.op) {
    case 1: return `ARP C Who is ${printIp(pkt, a.tpaOff, names)} ?`;
    case 2: return `ARP R ${printIp(pkt, a.spaOff, names)} is ${printMac(pkt, a.shaOff)}`;
    case 3: return `RARP C Who is ${printMac(pkt, a.thaOff)} ?`;
    case 4: return `RARP R ${printMac(pkt, a.thaOff)} is ${printIp(pkt, a.tpaOff, names)}`;
    default: return `${a.reverse ? 'RARP' : 'ARP'} Opcode ${a.op}`;
  }
}

export const arpRenderer: ProtocolRenderer = {
  layer: L.ARP,
  prefix: 'ARP:  ',
  title: 'ARP/RARP Frame',
  jsonKey: 'arp',

  summary(pkt, names, out) {
    out.text(arpSummary(pkt, names));
  },

  layerLine(pkt, names) {
    return arpSummary(pkt, names);
  },

  detail(pkt, names, out) {
    const a = pkt.arp;
    if (a.short) {
      out.push('ARP (short packet)');
      return;
    }
    out.push(`Hardware type = ${a.htype} (${hardwareTypeName(a.htype)})`);
    out.push(`Protocol type = ${a.ptype.toString(16).padStart(4, '0')} (${etherTypeName(a.ptype)})`);
    out.push(`Length of hardware address = ${a.hlen} bytes`);
    out.push(`Length of protocol address = ${a.plen} bytes`);
    out.push(`Opcode ${a.op} (${OP_NAMES[a.op] ?? ''})`);
    if (a.ptype !== PTYPE_IPV4) return;
    out.push(`Sender's hardware address = ${printMac(pkt, a.shaOff)}`);
    out.push(`Sender's protocol address = ${printIp(pkt, a.spaOff, names)}`);
    out.push(`Target hardware address = ${a.op === 1 ? '?' : printMac(pkt, a.thaOff)}`);
    out.push(`Target protocol address = ${a.op === 3 ? '?' : printIp(pkt, a.tpaOff, names)}`);
  },

  json(pkt) {
    const a = pkt.arp;
    if (a.short) return { op: a.op, short: true };
    const b = pkt.bytes;
    const proto = (off: number): string | null => (a.ptype === PTYPE_IPV4 && a.plen === 4 ? ipv4String(u32(b, off)) : null);
    return {
      op: a.op,
      sha: a.hlen ? macString(b, a.shaOff, a.hlen) : '',
      spa: proto(a.spaOff),
      tha: a.hlen ? macString(b, a.thaOff, a.hlen) : '',
      tpa: proto(a.tpaOff),
    };
  },
};
