// snoop's interpret_igmp(): IGMP summary, -V line, -v header block and JSON. Beyond snoop: the
// Max Response Time is also shown decoded (v3 exponential code), v3 queries show the S flag, QRV
// and QQIC/QQI, and the checksum is verified.
import { ipv4String } from '../../decode/addr.js';
import {
  IGMP_MEMBERSHIP_QUERY, IGMP_V1_MEMBERSHIP_REPORT, IGMP_V2_LEAVE_GROUP, IGMP_V2_MEMBERSHIP_REPORT,
  IGMP_V3_MEMBERSHIP_REPORT,
} from '../../decode/igmp.js';
import { L, type Packet } from '../../decode/packet.js';
import { checksumText } from './l4-common.js';
import { IPV4_ADDRESSES, queryJson, queryLines, recordLines, recordsJson } from './membership-common.js';
import type { ProtocolRenderer } from './protocol.js';

/** The header was not all there, or its length fits no version. */
function unreadable(pkt: Packet): boolean {
  const g = pkt.igmp;
  return g.malformed || Math.min(g.off + g.len, pkt.end) - g.off < 8;
}

/** snoop's type text (`pt`). */
function typeText(pkt: Packet): string {
  const g = pkt.igmp;
  switch (g.type) {
    case IGMP_MEMBERSHIP_QUERY:
      return g.version === 1 ? 'v1 membership query' : g.version === 2 ? 'v2 membership query' : g.version === 3 ? 'v3 membership query' : 'Unknown membership query';
    case IGMP_V1_MEMBERSHIP_REPORT: return 'v1 membership report';
    case IGMP_V2_MEMBERSHIP_REPORT: return 'v2 membership report';
    case IGMP_V3_MEMBERSHIP_REPORT: return 'v3 membership report';
    case IGMP_V2_LEAVE_GROUP: return 'v2 leave group';
    default: return 'Unknown';
  }
}

function summaryText(pkt: Packet): string {
  return unreadable(pkt) ? 'Malformed IGMP packet' : `IGMP ${typeText(pkt)}`;
}

function isV3Query(pkt: Packet): boolean {
  return pkt.igmp.type === IGMP_MEMBERSHIP_QUERY && pkt.igmp.version === 3;
}

export const igmpRenderer: ProtocolRenderer = {
  layer: L.IGMP,
  prefix: 'IGMP:  ',
  title: 'IGMP Header',
  jsonKey: 'igmp',

  summary(pkt, _names, out) {
    // In two pieces: the joined string would be built and flattened on every membership line.
    if (unreadable(pkt)) {
      out.text('Malformed IGMP packet');
      return;
    }
    out.text('IGMP ');
    out.text(typeText(pkt));
  },

  layerLine: summaryText,

  detail(pkt, _names, out) {
    const g = pkt.igmp;
    const b = pkt.bytes;
    if (unreadable(pkt)) {
      out.push(`Malformed IGMP packet (${g.len} bytes)`);
      return;
    }
    out.push(`Type = ${g.type} (${typeText(pkt)})`);
    out.push(`Max Response Time = ${g.code}`);
    if (g.type === IGMP_MEMBERSHIP_QUERY || g.code !== 0) out.push(`Max Response Time decoded = ${g.maxRespMs} ms`);
    out.push(`Checksum = ${g.checksum.toString(16)}${checksumText(g.checksumOk)}`);
    if (g.type === IGMP_V3_MEMBERSHIP_REPORT) {
      recordLines(g, b, ['Group Record', 'Group Records'], 'Group = ', IPV4_ADDRESSES, out);
      return;
    }
    out.push(`Group = ${ipv4String(g.group)}`);
    if (isV3Query(pkt) && g.sourcesOff !== 0) queryLines(g, b, g.off + 9, IPV4_ADDRESSES, out);
  },

  json(pkt) {
    const g = pkt.igmp;
    const b = pkt.bytes;
    const readable = !unreadable(pkt);
    const v3Query = readable && isV3Query(pkt) && g.sourcesOff !== 0;
    const records = recordsJson(g, b, readable ? g.recordCount : 0, IPV4_ADDRESSES);
    // Every key is always there (null or empty when the message has no such field): a stable shape.
    return {
      v: g.version,
      type: g.type,
      group: readable && g.type !== IGMP_V3_MEMBERSHIP_REPORT ? ipv4String(g.group) : null,
      mrt: g.maxRespMs,
      ...queryJson(g, b, v3Query, IPV4_ADDRESSES),
      records,
      cksumOk: g.checksumOk,
    };
  },
};
