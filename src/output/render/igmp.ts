// snoop's interpret_igmp(): IGMP summary, -V line, -v header block and JSON. Beyond snoop: the
// Max Response Time is also shown decoded (v3 exponential code), v3 queries show the S flag, QRV
// and QQIC/QQI, and the checksum is verified.
import { ipv4String, u32 } from '../../decode/addr.js';
import {
  IGMP_MEMBERSHIP_QUERY, IGMP_V1_MEMBERSHIP_REPORT, IGMP_V2_LEAVE_GROUP, IGMP_V2_MEMBERSHIP_REPORT,
  IGMP_V3_MEMBERSHIP_REPORT,
} from '../../decode/igmp.js';
import { recordTypeName } from '../../decode/membership.js';
import { L, type Packet } from '../../decode/packet.js';
import { checksumText } from './l4-common.js';
import type { ProtocolRenderer } from './protocol.js';

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

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

function addrList(b: Uint8Array, off: number, count: number): string[] {
  const s: string[] = [];
  for (let i = 0; i < count; i++) s.push(ipv4String(u32(b, off + 4 * i)));
  return s;
}

function isV3Query(pkt: Packet): boolean {
  return pkt.igmp.type === IGMP_MEMBERSHIP_QUERY && pkt.igmp.version === 3;
}

export const igmpRenderer: ProtocolRenderer = {
  layer: L.IGMP,
  prefix: 'IGMP:  ',
  title: 'IGMP Header',
  jsonKey: 'igmp',

  summary: summaryText,

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
      out.push(`${plural(g.recordCount, 'Group Record', 'Group Records')}:`);
      for (let i = 0; i < g.recordCount; i++) {
        out.push(`Group = ${ipv4String(u32(b, g.recordGroupOff[i]))}  type = ${recordTypeName(g.recordType[i])}`);
        out.push(`${plural(g.recordSourceCount[i], 'Source Address', 'Source Addresses')}:`);
        for (const s of addrList(b, g.recordSourcesOff[i], g.recordSourceCount[i])) out.push(`    ${s}`);
      }
      return;
    }
    out.push(`Group = ${ipv4String(g.group)}`);
    if (isV3Query(pkt) && g.sourcesOff !== 0) {
      out.push(`S flag (suppress router-side processing) = ${g.suppress ? 1 : 0}`);
      out.push(`QRV (querier's robustness variable) = ${g.qrv}`);
      out.push(`QQIC = ${b[g.off + 9]} (QQI = ${g.qqi} seconds)`);
      out.push(`${plural(g.sourceCount, 'Source Address', 'Source Addresses')}:`);
      for (const s of addrList(b, g.sourcesOff, g.sourceCount)) out.push(`    ${s}`);
    }
  },

  json(pkt) {
    const g = pkt.igmp;
    const b = pkt.bytes;
    const readable = !unreadable(pkt);
    const v3Query = readable && isV3Query(pkt) && g.sourcesOff !== 0;
    const records: Record<string, unknown>[] = [];
    for (let i = 0; i < (readable ? g.recordCount : 0); i++) {
      records.push({
        type: g.recordType[i],
        typeName: recordTypeName(g.recordType[i]),
        group: ipv4String(u32(b, g.recordGroupOff[i])),
        sources: addrList(b, g.recordSourcesOff[i], g.recordSourceCount[i]),
      });
    }
    // Every key is always there (null or empty when the message has no such field): a stable shape.
    return {
      v: g.version,
      type: g.type,
      group: readable && g.type !== IGMP_V3_MEMBERSHIP_REPORT ? ipv4String(g.group) : null,
      mrt: g.maxRespMs,
      s: v3Query ? g.suppress : null,
      qrv: v3Query ? g.qrv : null,
      qqi: v3Query ? g.qqi : null,
      sources: v3Query ? addrList(b, g.sourcesOff, g.sourceCount) : [],
      records,
      cksumOk: g.checksumOk,
    };
  },
};
