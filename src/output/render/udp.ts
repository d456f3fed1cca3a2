// snoop's interpret_udp(): `UDP D=53 S=40000 LEN=40`, the -v header block and JSON. Beyond snoop,
// the checksum line says whether the checksum is correct.
import { L, type Packet } from '../../decode/packet.js';
import { checksumText, incompleteHeader } from './l4-common.js';
import type { ProtocolRenderer } from './protocol.js';

const UDP_HEADER_LEN = 8;

function headerCaptured(pkt: Packet): boolean {
  return pkt.end - pkt.udp.off >= UDP_HEADER_LEN;
}

function summaryText(pkt: Packet): string {
  const u = pkt.udp;
  return headerCaptured(pkt) ? `UDP D=${u.dstPort} S=${u.srcPort} LEN=${u.length}` : 'UDP (short packet)';
}

export const udpRenderer: ProtocolRenderer = {
  layer: L.UDP,
  prefix: 'UDP:  ',
  title: 'UDP Header',
  jsonKey: 'udp',

  summary: summaryText,

  layerLine: summaryText,

  detail(pkt, _names, out) {
    const u = pkt.udp;
    if (incompleteHeader(pkt.end - u.off, UDP_HEADER_LEN, out)) return;
    const truncated = u.off + u.length > pkt.end;
    out.push(`Source port = ${u.srcPort}`);
    out.push(`Destination port = ${u.dstPort} `);
    out.push(`Length = ${u.length} ${truncated ? '(Not all data contained in this fragment)' : ''}`);
    out.push(`Checksum = ${u.checksum.toString(16).toUpperCase().padStart(4, '0')} ${u.checksum === 0 ? '(no checksum)' : checksumText(u.checksumOk).trim()}`);
  },

  json(pkt) {
    return { sport: pkt.udp.srcPort, dport: pkt.udp.dstPort };
  },
};
