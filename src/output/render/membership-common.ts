// What the IGMP and MLD renderers share: their -v source, query and record lines and their JSON
// records differ only in how an address (4 or 16 bytes) is written.
import { ipv4String, ipv6String, u32 } from '../../decode/addr.js';
import { recordTypeName } from '../../decode/membership.js';
import type { MembershipLayer } from '../../decode/packet.js';

/** How one family's messages hold addresses: their size and text. */
export interface AddressFormat {
  readonly size: 4 | 16;
  text(b: Uint8Array, off: number): string;
}

export const IPV4_ADDRESSES: AddressFormat = { size: 4, text: (b, off) => ipv4String(u32(b, off)) };
export const IPV6_ADDRESSES: AddressFormat = { size: 16, text: ipv6String };

export const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** The text of `count` consecutive addresses at `off`. */
function addressList(b: Uint8Array, off: number, count: number, fmt: AddressFormat): string[] {
  const list: string[] = [];
  for (let i = 0; i < count; i++) list.push(fmt.text(b, off + fmt.size * i));
  return list;
}

/** -v lines for a source list: a count heading, then one indented address a line. */
function sourceLines(b: Uint8Array, off: number, count: number, fmt: AddressFormat, out: string[]): void {
  out.push(`${plural(count, 'Source Address', 'Source Addresses')}:`);
  for (let i = 0; i < count; i++) out.push(`    ${fmt.text(b, off + fmt.size * i)}`);
}

/** -v lines for what an IGMPv3/MLDv2 query adds: S flag, QRV, QQIC (raw byte at `qqicOff`) and sources. */
export function queryLines(layer: MembershipLayer, b: Uint8Array, qqicOff: number, fmt: AddressFormat, out: string[]): void {
  out.push(`S flag (suppress router-side processing) = ${layer.suppress ? 1 : 0}`);
  out.push(`QRV (querier's robustness variable) = ${layer.qrv}`);
  out.push(`QQIC = ${b[qqicOff]} (QQI = ${layer.qqi} seconds)`);
  sourceLines(b, layer.sourcesOff, layer.sourceCount, fmt, out);
}

/** JSON keys for what an IGMPv3/MLDv2 query adds: null (no sources) when `v3Query` is false. */
export function queryJson(layer: MembershipLayer, b: Uint8Array, v3Query: boolean, fmt: AddressFormat): Record<string, unknown> {
  return {
    s: v3Query ? layer.suppress : null,
    qrv: v3Query ? layer.qrv : null,
    qqi: v3Query ? layer.qqi : null,
    sources: v3Query ? addressList(b, layer.sourcesOff, layer.sourceCount, fmt) : [],
  };
}

/**
 * -v lines for the records of an IGMPv3/MLDv2 report, in snoop's words for each: `records` is
 * the heading's singular and plural, `groupLabel` what precedes a record's group address.
 */
export function recordLines(
  layer: MembershipLayer, b: Uint8Array, records: readonly [string, string], groupLabel: string, fmt: AddressFormat, out: string[],
): void {
  out.push(`${plural(layer.recordCount, records[0], records[1])}:`);
  for (let i = 0; i < layer.recordCount; i++) {
    out.push(`${groupLabel}${fmt.text(b, layer.recordGroupOff[i])}  type = ${recordTypeName(layer.recordType[i])}`);
    sourceLines(b, layer.recordSourcesOff[i], layer.recordSourceCount[i], fmt, out);
  }
}

/** JSON for the first `count` records of a report. */
export function recordsJson(layer: MembershipLayer, b: Uint8Array, count: number, fmt: AddressFormat): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    records.push({
      type: layer.recordType[i],
      typeName: recordTypeName(layer.recordType[i]),
      group: fmt.text(b, layer.recordGroupOff[i]),
      sources: addressList(b, layer.recordSourcesOff[i], layer.recordSourceCount[i], fmt),
    });
  }
  return records;
}
