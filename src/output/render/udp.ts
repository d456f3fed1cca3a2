// snoop's interpret_udp(): `UDP D=53 S=40000 LEN=40`, the -v header block and JSON. Beyond snoop,
// the checksum line says whether the checksum is correct.
import { L, type Packet } from '../../decode/packet.js';
import { type ByteText, textOf } from '../byte-text.js';
import { checksumText, incompleteHeader, writePortPair } from './l4-common.js';
import type { ProtocolRenderer } from './protocol.js';

const UDP_HEADER_LEN = 8;

function headerCaptured(pkt: Packet): boolean {
  return pkt.end - pkt.udp.off >= UDP_HEADER_LEN;
}

function writeSummary(pkt: Packet, out: ByteText): void {
  const u = pkt.udp;
  if (!headerCaptured(pkt)) {
    out.text('UDP (short packet)');
    return;
  }
  writePortPair(out, 'UDP', u.dstPort, u.srcPort);
  out.text(' LEN=');
  out.int(u.length);
}

export const udpRenderer: ProtocolRenderer = {
  layer: L.UDP,
  prefix: 'UDP:  ',
  title: 'UDP Header',
  jsonKey: 'udp',

  summary: (pkt, _names, out) => writeSummary(pkt, out),

  layerLine: (pkt) => textOf((out) => writeSummary(pkt, out)),

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
