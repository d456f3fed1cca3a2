// Observation records for state-machine tests: a conforming message unless a test overrides
// fields. Packet-level tests (packet.test.ts) cover extraction from real frames.
import { multicastMac } from '../../src/annotate/ilm/anomalies.js';
import type { GroupRecordObs, MembershipObservation } from '../../src/annotate/ilm/observation.js';
import { parseIpv4, parseIpv6 } from '../../src/decode/addr.js';

let counter = 0;

function keyOf(ip: string): string {
  const v4 = parseIpv4(ip);
  if (v4 !== null) return v4.toString(16).padStart(8, '0');
  return [...(parseIpv6(ip) ?? new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

type Base = Partial<MembershipObservation> & { ts: number };

function make(o: Base & Pick<MembershipObservation, 'kind' | 'version' | 'group' | 'records'>): MembershipObservation {
  const family = o.family ?? 4;
  const srcIp = o.srcIp ?? (family === 4 ? '192.0.2.10' : 'fe80::10');
  const dstIp = o.dstIp ?? '224.0.0.1';
  return {
    number: o.number ?? ++counter, link: 'eth1', srcMac: '02:00:00:00:00:10',
    dstMac: multicastMac(dstIp), hops: 1, routerAlert: true,
    tos: 0xc0, ipId: 0, hbhPadding: 0, checksumOk: true, outgoing: false, maxRespMs: 0, qrv: 0, qqiSec: 0,
    suppress: false, querySources: [], ...o, srcKey: keyOf(srcIp), dstIp, srcIp, family,
  };
}

/** IGMPv3 report with the given records (to 224.0.0.22). */
export function v3Report(o: Base, records: GroupRecordObs[]): MembershipObservation {
  return make({ dstIp: '224.0.0.22', ...o, kind: 'report', version: 3, group: null, records });
}

/** MLDv2 report (to ff02::16). */
export function mldv2Report(o: Base, records: GroupRecordObs[]): MembershipObservation {
  return make({ family: 6, dstIp: 'ff02::16', ...o, kind: 'report', version: 2, group: null, records });
}

/** IGMPv1/v2 report to the group. */
export function legacyReport(o: Base, version: 1 | 2, group: string): MembershipObservation {
  return make({ dstIp: group, tos: 0xc0, ...o, kind: 'report', version, group, records: [] });
}

export function leave(o: Base, group: string): MembershipObservation {
  return make({ dstIp: '224.0.0.2', ...o, kind: 'leave', version: 2, group, records: [] });
}

export function mldv1(o: Base, kind: 'report' | 'leave', group: string): MembershipObservation {
  const dstIp = kind === 'leave' ? 'ff02::2' : group;
  return make({ family: 6, dstIp, ...o, kind, version: 1, group, records: [] });
}

export interface QueryOpts extends Base {
  group?: string | null;
}

/** Query from 192.0.2.1 by default; general unless `group` is given. */
export function query(o: QueryOpts, version: number): MembershipObservation {
  const group = o.group ?? null;
  const family = o.family ?? 4;
  const allHosts = family === 4 ? '224.0.0.1' : 'ff02::1';
  return make({
    srcIp: family === 4 ? '192.0.2.1' : 'fe80::1', srcMac: '02:00:00:00:00:01', dstIp: group ?? allHosts,
    maxRespMs: group === null ? 10_000 : 1_000, ...o, kind: 'query', version, group, records: [],
  });
}

export const rec = (type: number, group: string, sources: string[] = []): GroupRecordObs => ({ type, group, sources });
