// What IGMP (RFC 3376) and MLD (RFC 3810) share: the exponential code format of Max Resp Code
// and QQIC, and the group record types of v3/v2 reports.

/** 8-bit code (IGMPv3 MRC in 1/10 s, QQIC in s for both): below 128 literal, else mant/exp. */
export function decodeCode8(c: number): number {
  return c < 128 ? c : ((c & 0x0f) | 0x10) << (((c >> 4) & 7) + 3);
}

/** MLDv2 16-bit Maximum Response Code (ms): below 32768 literal, else mant/exp. */
export function decodeCode16(c: number): number {
  return c < 32768 ? c : ((c & 0x0fff) | 0x1000) << (((c >> 12) & 7) + 3);
}

export const RECORD_TYPE_NAMES: readonly string[] = [
  '<unknown>',
  'MODE_IS_INCLUDE',
  'MODE_IS_EXCLUDE',
  'CHANGE_TO_INCLUDE',
  'CHANGE_TO_EXCLUDE',
  'ALLOW_NEW_SOURCES',
  'BLOCK_OLD_SOURCES',
];

/** snoop's record type name, `<unknown>` outside 1..6. */
export function recordTypeName(t: number): string {
  return t >= 1 && t <= 6 ? RECORD_TYPE_NAMES[t] : '<unknown>';
}
