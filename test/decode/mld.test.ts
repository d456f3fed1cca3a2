import { describe, expect, it } from 'vitest';
import { icmp6, mldv1, mldv2Query, mldv2Report, RecordType } from '../../src/craft/frames.js';
import { decodeCode16 } from '../../src/decode/membership.js';
import { L } from '../../src/decode/packet.js';
import { corrupt, decodeL4, mldFrame, renderL4 } from './l4-harness.js';

describe('MLD code decoding (RFC 3810 5.1.3)', () => {
  it('is literal below 32768 and mantissa/exponent from 32768', () => {
    expect(decodeCode16(10000)).toBe(10000);
    expect(decodeCode16(32767)).toBe(32767);
    expect(decodeCode16(0x8000)).toBe(0x1000 << 3);
    expect(decodeCode16(0x9234)).toBe((0x0234 | 0x1000) << (1 + 3));
  });
});

describe('MLD decoding and snoop rendering', () => {
  it('v1 query, report and done', () => {
    const q = decodeL4(mldFrame(mldv1({ type: 130, mrd: 10000, group: '::' })));
    expect(q.has(L.ICMP6) && q.has(L.MLD)).toBe(true);
    expect(q.mld.version).toBe(1);
    const r = renderL4(q);
    expect(r.summary).toBe('ICMPv6 Group membership query - MLDv1');
    expect(r.layers.slice(2)).toEqual(['ICMPv6 Group membership query - MLDv1', 'MLDv1 query group=:: MRD=10000ms']);
    expect(r.detail.slice(3)).toEqual([
      'MLD:  Type = 130 (Group membership query - MLDv1)',
      'MLD:  Maximum Response Delay = 10000 ms',
      'MLD:  Multicast address= ::',
    ]);
    expect(r.json.mld).toEqual({ v: 1, type: 130, group: '::', mrd: 10000, s: null, qrv: null, qqi: null, sources: [], records: [], cksumOk: true });
    expect(renderL4(decodeL4(mldFrame(mldv1({ type: 131, group: 'ff05::1:3' })))).summary).toBe('ICMPv6 Group membership report - MLDv1');
    const done = renderL4(decodeL4(mldFrame(mldv1({ type: 132, group: 'ff05::1:3' }))));
    expect(done.summary).toBe('ICMPv6 Group membership termination - MLDv1');
    expect(done.json.mld).toMatchObject({ v: 1, type: 132, group: 'ff05::1:3' });
  });

  it('v2 query: MRC decoded, S, QRV, QQIC and sources', () => {
    const pkt = decodeL4(mldFrame(mldv2Query({ mrc: 0x9234, group: 'ff05::1:3', suppress: true, qrv: 7, qqic: 0x8c, sources: ['2001:db8::a'] })));
    expect(pkt.mld.version).toBe(2);
    expect(pkt.mld.maxRespMs).toBe((0x0234 | 0x1000) << 4);
    const r = renderL4(pkt);
    expect(r.summary).toBe('ICMPv6 Group membership query - MLDv2');
    expect(r.detail.slice(3)).toEqual([
      'MLD:  Type = 130 (Group membership query - MLDv2)',
      `MLD:  Maximum Response Delay = ${(0x0234 | 0x1000) << 4} ms`,
      'MLD:  Multicast address= ff05::1:3',
      'MLD:  S flag (suppress router-side processing) = 1',
      "MLD:  QRV (querier's robustness variable) = 7",
      'MLD:  QQIC = 140 (QQI = 224 seconds)',
      'MLD:  1 Source Address:',
      'MLD:      2001:db8::a',
    ]);
    expect(r.json.mld).toEqual({
      v: 2, type: 130, group: 'ff05::1:3', mrd: 74560, s: true, qrv: 7, qqi: 224, sources: ['2001:db8::a'], records: [], cksumOk: true,
    });
  });

  it('v2 report with all six record types', () => {
    const recs = [
      { type: RecordType.MODE_IS_INCLUDE, group: 'ff05::1', sources: ['2001:db8::1'] },
      { type: RecordType.MODE_IS_EXCLUDE, group: 'ff05::2' },
      { type: RecordType.CHANGE_TO_INCLUDE, group: 'ff05::3', sources: ['2001:db8::2', '2001:db8::3'] },
      { type: RecordType.CHANGE_TO_EXCLUDE, group: 'ff02::fb' },
      { type: RecordType.ALLOW_NEW_SOURCES, group: 'ff05::5', sources: ['2001:db8::4'] },
      { type: RecordType.BLOCK_OLD_SOURCES, group: 'ff05::6', sources: ['2001:db8::5'] },
    ];
    const pkt = decodeL4(mldFrame(mldv2Report(recs)));
    const r = renderL4(pkt);
    expect(r.summary).toBe('ICMPv6 Group membership report - MLDv2');
    expect(r.layers[3]).toBe('MLDv2 report, 6 records');
    expect(r.detail.slice(3, 8)).toEqual([
      'MLD:  Type = 143 (Group membership report - MLDv2)',
      'MLD:  6 Multicast Address Records:',
      'MLD:  Multicast address= ff05::1  type = MODE_IS_INCLUDE',
      'MLD:  1 Source Address:',
      'MLD:      2001:db8::1',
    ]);
    expect(r.detail).toContain('MLD:  Multicast address= ff02::fb  type = CHANGE_TO_EXCLUDE');
    expect(r.detail).toContain('MLD:  Multicast address= ff05::6  type = BLOCK_OLD_SOURCES');
    const json = r.json.mld as { v: number; records: Array<{ type: number; typeName: string; group: string; sources: string[] }> };
    expect(json.v).toBe(2);
    expect(json.records.map((x) => x.typeName)).toEqual([
      'MODE_IS_INCLUDE', 'MODE_IS_EXCLUDE', 'CHANGE_TO_INCLUDE', 'CHANGE_TO_EXCLUDE', 'ALLOW_NEW_SOURCES', 'BLOCK_OLD_SOURCES',
    ]);
    expect(json.records.map((x) => x.type)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(json.records[2].sources).toEqual(['2001:db8::2', '2001:db8::3']);
  });

  it('a 26-byte query fits no version', () => {
    const pkt = decodeL4(mldFrame(icmp6(130, 0, new Uint8Array(22))));
    expect(pkt.mld.malformed).toBe(true);
    expect(pkt.notes).toContain('malformed MLD query');
    expect(renderL4(pkt).summary).toBe('ICMPv6 Unknown membership query');
  });

  it('the ICMPv6 checksum verdict is carried into the MLD layer', () => {
    const frame = mldFrame(mldv1({ type: 131, group: 'ff05::1:3' }));
    const bad = decodeL4(corrupt(frame, frame.length - 1));
    expect(bad.icmp6.checksumOk).toBe(false);
    expect(bad.mld.checksumOk).toBe(false);
    expect(renderL4(bad).json.mld).toMatchObject({ cksumOk: false });
  });
});
