// IGMP v1/v2/v3 (RFC 1112, 2236, 3376). The version of a query follows from its length and code
// as in snoop and the illumos stack: 8 bytes with code 0 is v1, 8 with a code is v2, 12 or more is
// v3, 9 to 11 is no version at all. Reports carry their version in the type.
import { u32 } from './addr.js';
import { noteOnce, noteTruncation, verifyChecksum } from './l4.js';
import { decodeCode8, readQuerySources, startMembershipLayer, walkGroupRecords } from './membership.js';
import { L, type Packet } from './packet.js';

export const IGMP_MEMBERSHIP_QUERY = 0x11;
export const IGMP_V1_MEMBERSHIP_REPORT = 0x12;
export const IGMP_V2_MEMBERSHIP_REPORT = 0x16;
export const IGMP_V2_LEAVE_GROUP = 0x17;
export const IGMP_V3_MEMBERSHIP_REPORT = 0x22;

const IGMP_MINLEN = 8;
const IGMP_V3_QUERY_MINLEN = 12;

/** Decode the IGMP message at `off`, `len` bytes as IP claims; `whole` when all of it was captured. */
export function decodeIgmp(pkt: Packet, off: number, len: number, whole: boolean): void {
  const b = pkt.bytes;
  const g = pkt.igmp;
  const msgEnd = off + len;
  const stop = Math.min(msgEnd, pkt.end);
  pkt.layers |= L.IGMP;
  startMembershipLayer(pkt, g, off, len, stop);

  if (stop < off + IGMP_MINLEN) {
    g.malformed = len < IGMP_MINLEN;
    g.short = noteTruncation(pkt, off + IGMP_MINLEN, msgEnd, 'IGMP packet');
    return;
  }
  if (whole) g.checksumOk = verifyChecksum(pkt, off, len, 0, 'IGMP');
  g.groupOff = off + 4;
  g.group = u32(b, off + 4);
  switch (g.type) {
    case IGMP_MEMBERSHIP_QUERY:
      decodeQuery(pkt, off, len, stop, msgEnd);
      return;
    case IGMP_V1_MEMBERSHIP_REPORT:
      g.version = 1;
      return;
    case IGMP_V2_MEMBERSHIP_REPORT:
    case IGMP_V2_LEAVE_GROUP:
      g.version = 2;
      g.maxRespMs = g.code * 100;
      return;
    case IGMP_V3_MEMBERSHIP_REPORT:
      g.version = 3;
      g.group = 0;
      g.groupOff = 0;
      walkGroupRecords(pkt, g, off, stop, msgEnd, 4, 'IGMP', 'IGMPv3 report');
      return;
  }
}

function decodeQuery(pkt: Packet, off: number, len: number, stop: number, msgEnd: number): void {
  const g = pkt.igmp;
  if (len === IGMP_MINLEN) {
    g.version = g.code === 0 ? 1 : 2;
    g.maxRespMs = g.code * 100;
    return;
  }
  if (len < IGMP_V3_QUERY_MINLEN) {
    g.malformed = true;
    noteOnce(pkt, 'malformed IGMP packet');
    return;
  }
  g.version = 3;
  g.maxRespMs = decodeCode8(g.code) * 100;
  if (stop < off + IGMP_V3_QUERY_MINLEN) {
    g.short = noteTruncation(pkt, off + IGMP_V3_QUERY_MINLEN, msgEnd, 'IGMP query');
    return;
  }
  readQuerySources(pkt, g, off + 8, 4, stop, msgEnd, 'IGMP query');
}
