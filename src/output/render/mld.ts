// MLD, drawn as its own layer above ICMPv6 so JSON has an `mld` object and -v an MLD section.
// The summary is snoop's ICMPv6 one (`ICMPv6 Group membership report - MLDv2`); the -v lines are
// snoop's (`Multicast address= ...`, source and record lists) plus what snoop left out: the
// decoded Maximum Response Delay, the S flag, QRV and QQIC/QQI. The checksum verdict is on the
// ICMPv6 section's Checksum line (and in JSON as mld.cksumOk).
import { ipv6String } from '../../decode/addr.js';
import { MLD_LISTENER_QUERY, MLD_V2_LISTENER_REPORT } from '../../decode/mld.js';
import { L, type Packet } from '../../decode/packet.js';
import { icmp6Renderer, mldTypeText } from './icmp6.js';
import { IPV6_ADDRESSES, plural, queryJson, queryLines, recordLines, recordsJson } from './membership-common.js';
import type { ProtocolRenderer } from './protocol.js';

function isV2Query(pkt: Packet): boolean {
  return pkt.mld.type === MLD_LISTENER_QUERY && pkt.mld.version === 2;
}

function layerText(pkt: Packet): string {
  const m = pkt.mld;
  const b = pkt.bytes;
  if (m.malformed || m.version === 0) return `MLD ${mldTypeText(m.type, m.len)} (malformed)`;
  if (m.type === MLD_V2_LISTENER_REPORT) return `MLDv2 report, ${plural(m.recordCount, 'record', 'records')}`;
  if (m.groupOff === 0) return `MLDv${m.version} ${mldTypeText(m.type, m.len)} (short packet)`;
  const group = ipv6String(b, m.groupOff);
  if (isV2Query(pkt)) {
    return `MLDv2 query group=${group} MRD=${m.maxRespMs}ms S=${m.suppress ? 1 : 0} QRV=${m.qrv} QQI=${m.qqi}s ${plural(m.sourceCount, 'source', 'sources')}`;
  }
  return m.type === MLD_LISTENER_QUERY ? `MLDv1 query group=${group} MRD=${m.maxRespMs}ms` : `MLDv1 ${m.type === 131 ? 'report' : 'done'} group=${group}`;
}

export const mldRenderer: ProtocolRenderer = {
  layer: L.MLD,
  prefix: 'MLD:  ',
  title: 'MLD Message',
  jsonKey: 'mld',

  summary: (pkt, names, out) => icmp6Renderer.summary(pkt, names, out),

  layerLine: layerText,

  detail(pkt, _names, out) {
    const m = pkt.mld;
    const b = pkt.bytes;
    out.push(`Type = ${m.type} (${mldTypeText(m.type, m.len)})`);
    if (m.malformed || m.version === 0) {
      out.push(`Malformed MLD message (${m.len} bytes)`);
      return;
    }
    if (m.type === MLD_V2_LISTENER_REPORT) {
      recordLines(m, b, ['Multicast Address Record', 'Multicast Address Records'], 'Multicast address= ', IPV6_ADDRESSES, out);
    } else if (m.groupOff !== 0) {
      out.push(`Maximum Response Delay = ${m.maxRespMs} ms`);
      out.push(`Multicast address= ${ipv6String(b, m.groupOff)}`);
      if (isV2Query(pkt)) queryLines(m, b, m.off + 25, IPV6_ADDRESSES, out);
    }
  },

  json(pkt) {
    const m = pkt.mld;
    const b = pkt.bytes;
    const v2Query = isV2Query(pkt) && m.groupOff !== 0;
    const records = recordsJson(m, b, m.recordCount, IPV6_ADDRESSES);
    // Every key is always there (null or empty when the message has no such field): a stable shape.
    return {
      v: m.version,
      type: m.type,
      group: m.groupOff !== 0 ? ipv6String(b, m.groupOff) : null,
      mrd: m.maxRespMs,
      ...queryJson(m, b, v2Query, IPV6_ADDRESSES),
      records,
      cksumOk: m.checksumOk,
    };
  },
};
