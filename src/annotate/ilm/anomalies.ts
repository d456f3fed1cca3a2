// What is wrong, or telling, about one IGMP/MLD message: RFC rules a conforming sender follows
// (TTL 1, Router Alert, destinations, link-local MLD sources), link-layer mapping problems (a
// broadcast destination means the sender's NIC refused DL_ENABMULTI), and cheap OS fingerprints.
import { isLinkLocalText, parseIpv4, parseIpv6 } from '../../decode/addr.js';
import { NO_STRINGS } from './membership.js';
import { Rec, type MembershipObservation } from './observation.js';
import type { QueryRef } from './querier.js';

const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/** Mapped MACs by group text: a link carries few groups, and every report asks again. */
const mappedMacs = new Map<string, string | null>();

/** Ethernet address an IP multicast group maps to (RFC 1112 §6.4, RFC 2464 §7); null if not multicast. */
export function multicastMac(ip: string): string | null {
  let mac = mappedMacs.get(ip);
  if (mac === undefined) {
    if (mappedMacs.size > 4096) mappedMacs.clear();
    mac = mapMulticast(ip);
    mappedMacs.set(ip, mac);
  }
  return mac;
}

function mapMulticast(ip: string): string | null {
  const v4 = parseIpv4(ip);
  if (v4 !== null) {
    if (v4 >>> 28 !== 0xe) return null;
    return ['01', '00', '5e', hex2((v4 >>> 16) & 0x7f), hex2((v4 >>> 8) & 255), hex2(v4 & 255)].join(':');
  }
  const v6 = parseIpv6(ip);
  if (v6 === null || v6[0] !== 0xff) return null;
  return ['33', '33', hex2(v6[12]), hex2(v6[13]), hex2(v6[14]), hex2(v6[15])].join(':');
}

/** Where RFC 2236/3376/2710/3810 say this message goes, or null when the group itself is right. */
function expectedDestination(obs: MembershipObservation): string | null {
  const v4 = obs.family === 4;
  if (obs.kind === 'leave') return v4 ? '224.0.0.2' : 'ff02::2';
  if (obs.kind === 'report') {
    if (obs.records.length > 0 || (v4 ? obs.version === 3 : obs.version === 2)) return v4 ? '224.0.0.22' : 'ff02::16';
    return obs.group;
  }
  // Queries: general to all-hosts, specific to the group; v3/MLDv2 also allow unicast queries.
  if (multicastMac(obs.dstIp) === null) return null;
  if (obs.group === null) return v4 ? '224.0.0.1' : 'ff02::1';
  return obs.group;
}

/** Protocol and link-layer problems visible in this one message (the shared NO_STRINGS when none). */
export function packetAnomalies(obs: MembershipObservation): readonly string[] {
  // Made only for a message with something wrong: most have nothing.
  let out: string[] | null = null;
  const v4 = obs.family === 4;
  if (obs.hops !== 1) (out ??= []).push(`${v4 ? 'ttl' : 'hop limit'} ${obs.hops} (want 1)`);
  // IGMPv1 predates the Router Alert option (RFC 1112); everything later requires it.
  if (!obs.routerAlert && !(v4 && obs.version === 1)) (out ??= []).push('no router alert');
  if (obs.checksumOk === false) (out ??= []).push('bad checksum');
  const wantDst = expectedDestination(obs);
  if (wantDst !== null && wantDst !== obs.dstIp) (out ??= []).push(`ip dst ${obs.dstIp} (want ${wantDst})`);
  if (obs.dstMac !== null) {
    const mapped = multicastMac(obs.dstIp);
    if (obs.dstMac === BROADCAST_MAC) {
      (out ??= []).push("broadcast eth dst: sender's NIC rejected the multicast address (link broadcast used)");
    } else if (mapped !== null && obs.dstMac !== mapped) {
      (out ??= []).push(`eth dst ${obs.dstMac} (want ${mapped} for ${obs.dstIp})`);
    }
  }
  // RFC 3810 §5: MLD comes from a link-local source; reports may use :: before DAD finishes.
  if (!v4 && !isLinkLocalText(obs.srcIp) && !(obs.srcIp === '::' && obs.kind !== 'query')) {
    (out ??= []).push(`MLD from non-link-local ${obs.srcIp}`);
  }
  if (v4 && obs.version === 3 && obs.tos !== 0xc0) (out ??= []).push(`IGMPv3 TOS 0x${hex2(obs.tos)} (want 0xc0)`);
  return out ?? NO_STRINGS;
}

/**
 * A current-state record must answer a query. While only group-specific queries are open, a
 * current-state record for some other group answers nothing anybody asked.
 */
export function unqueriedReport(
  recordType: number,
  group: string,
  openGroupQueries: readonly QueryRef[],
  generalOpen: boolean,
): string | null {
  if (recordType !== Rec.IS_IN && recordType !== Rec.IS_EX) return null;
  if (generalOpen || openGroupQueries.length === 0) return null;
  if (openGroupQueries.some((q) => q.group === group)) return null;
  const asked = openGroupQueries.map((q) => q.group).join(',');
  return `report for ${group} nobody queried (open query for ${asked})`;
}

export interface Fingerprint {
  os: 'illumos' | 'linux';
  reason: string;
}

// The answers senderFingerprint gives, made once and shared by every event (none is changed).
const PAD1: Fingerprint = Object.freeze({ os: 'illumos', reason: 'hop-by-hop Pad1 padding' });
const PADN: Fingerprint = Object.freeze({ os: 'linux', reason: 'hop-by-hop PadN padding' });
/** By IGMP version 1 and 2. */
const TOS_C0: readonly Fingerprint[] = [1, 2].map((v) => Object.freeze({ os: 'linux', reason: `IGMPv${v} TOS 0xc0` }));
const TOS_0_ID_0: readonly Fingerprint[] = [1, 2].map((v) => Object.freeze({ os: 'illumos', reason: `IGMPv${v} TOS 0, IP id 0` }));

/** Sender OS guess from padding and TOS habits (illumos: Pad1 Pad1, TOS 0 id 0; Linux: PadN, TOS 0xc0). */
export function senderFingerprint(obs: MembershipObservation): Fingerprint | null {
  if (obs.family === 6) {
    if (obs.hbhPadding === 1) return PAD1;
    if (obs.hbhPadding === 2) return PADN;
    return null;
  }
  // Every IGMPv3 sender uses TOS 0xc0; only the older messages (v1, v2) tell the stacks apart.
  if (obs.version === 3 || obs.kind === 'query') return null;
  if (obs.tos === 0xc0) return TOS_C0[obs.version - 1] ?? null;
  if (obs.tos === 0 && obs.ipId === 0) return TOS_0_ID_0[obs.version - 1] ?? null;
  return null;
}
