import { describe, expect, it } from 'vitest';
import { igmp, igmpv3Query, igmpv3Report, RecordType } from '../../src/craft/frames.js';
import { onesSum } from '../../src/decode/addr.js';
import { decodeCode8 } from '../../src/decode/membership.js';
import { decodeL4, igmpFrame, renderL4 } from './l4-harness.js';

/** An IGMP message of any length with a correct checksum. */
function withChecksum(b: Uint8Array): Uint8Array {
  const c = Uint8Array.from(b);
  c[2] = c[3] = 0;
  const sum = ~onesSum(c, 0, c.length) & 0xffff;
  c[2] = sum >> 8;
  c[3] = sum & 255;
  return c;
}

const ALL_SIX = [
  { type: RecordType.MODE_IS_INCLUDE, group: '239.1.1.1', sources: ['192.0.2.10'] },
  { type: RecordType.MODE_IS_EXCLUDE, group: '239.1.1.2' },
  { type: RecordType.CHANGE_TO_INCLUDE, group: '239.1.1.3', sources: ['192.0.2.11', '192.0.2.12'] },
  { type: RecordType.CHANGE_TO_EXCLUDE, group: '239.1.1.4' },
  { type: RecordType.ALLOW_NEW_SOURCES, group: '239.1.1.5', sources: ['192.0.2.13'] },
  { type: RecordType.BLOCK_OLD_SOURCES, group: '239.1.1.6', sources: ['192.0.2.14'] },
];

describe('IGMP code decoding (RFC 3376 4.1.1)', () => {
  it('is literal below 128 and mantissa/exponent from 128', () => {
    expect(decodeCode8(0)).toBe(0);
    expect(decodeCode8(100)).toBe(100);
    expect(decodeCode8(127)).toBe(127);
    expect(decodeCode8(0x80)).toBe(0x10 << 3);
    expect(decodeCode8(0x8c)).toBe((0x0c | 0x10) << 3);
    expect(decodeCode8(0xff)).toBe(0x1f << 10);
  });
});

describe('IGMP decoding and snoop rendering', () => {
  it('v1 query (8 bytes, code 0) and v2 query (8 bytes, code set)', () => {
    const v1 = decodeL4(igmpFrame(igmp({ type: 0x11, group: '0.0.0.0' })));
    expect(v1.igmp.version).toBe(1);
    expect(renderL4(v1).summary).toBe('IGMP v1 membership query');
    const v2 = decodeL4(igmpFrame(igmp({ type: 0x11, code: 100, group: '239.1.2.3' })));
    const r = renderL4(v2);
    expect(r.summary).toBe('IGMP v2 membership query');
    expect(r.detail).toEqual([
      'IGMP:  Type = 17 (v2 membership query)',
      'IGMP:  Max Response Time = 100',
      'IGMP:  Max Response Time decoded = 10000 ms',
      `IGMP:  Checksum = ${v2.igmp.checksum.toString(16)} (correct)`,
      'IGMP:  Group = 239.1.2.3',
    ]);
    expect(r.json.igmp).toEqual({ v: 2, type: 17, group: '239.1.2.3', mrt: 10000, s: null, qrv: null, qqi: null, sources: [], records: [], cksumOk: true });
  });

  it('v3 query: MRC and QQIC codes decoded, S flag, QRV, sources', () => {
    const pkt = decodeL4(igmpFrame(igmpv3Query({ mrc: 0x8c, group: '239.1.2.3', suppress: true, qrv: 3, qqic: 0x90, sources: ['192.0.2.9', '192.0.2.10'] })));
    expect(pkt.igmp.maxRespMs).toBe(22400);
    expect(pkt.igmp.qqi).toBe((0x00 | 0x10) << (1 + 3));
    const r = renderL4(pkt);
    expect(r.summary).toBe('IGMP v3 membership query');
    expect(r.detail).toEqual([
      'IGMP:  Type = 17 (v3 membership query)',
      'IGMP:  Max Response Time = 140',
      'IGMP:  Max Response Time decoded = 22400 ms',
      `IGMP:  Checksum = ${pkt.igmp.checksum.toString(16)} (correct)`,
      'IGMP:  Group = 239.1.2.3',
      'IGMP:  S flag (suppress router-side processing) = 1',
      "IGMP:  QRV (querier's robustness variable) = 3",
      'IGMP:  QQIC = 144 (QQI = 256 seconds)',
      'IGMP:  2 Source Addresses:',
      'IGMP:      192.0.2.9',
      'IGMP:      192.0.2.10',
    ]);
    expect(r.json.igmp).toEqual({
      v: 3, type: 17, group: '239.1.2.3', mrt: 22400, s: true, qrv: 3, qqi: 256, sources: ['192.0.2.9', '192.0.2.10'], records: [], cksumOk: true,
    });
    const small = decodeL4(igmpFrame(igmpv3Query({ mrc: 100, group: '0.0.0.0', qqic: 125 })));
    expect(small.igmp.maxRespMs).toBe(10000);
    expect(small.igmp.qqi).toBe(125);
    expect(small.igmp.suppress).toBe(false);
  });

  it('v1 and v2 reports and v2 leave', () => {
    expect(renderL4(decodeL4(igmpFrame(igmp({ type: 0x12, group: '239.1.1.1' })))).summary).toBe('IGMP v1 membership report');
    const rep = decodeL4(igmpFrame(igmp({ type: 0x16, group: '239.1.1.1' })));
    expect(renderL4(rep).summary).toBe('IGMP v2 membership report');
    expect(rep.igmp.version).toBe(2);
    expect(renderL4(rep).json.igmp).toMatchObject({ v: 2, type: 0x16, group: '239.1.1.1', mrt: 0 });
    expect(renderL4(decodeL4(igmpFrame(igmp({ type: 0x17, group: '239.1.1.1' })))).summary).toBe('IGMP v2 leave group');
  });

  it('v3 report with all six record types and their sources', () => {
    const pkt = decodeL4(igmpFrame(igmpv3Report(ALL_SIX)));
    expect(pkt.igmp.recordCount).toBe(6);
    const r = renderL4(pkt);
    expect(r.summary).toBe('IGMP v3 membership report');
    expect(r.detail.slice(3)).toEqual([
      'IGMP:  6 Group Records:',
      'IGMP:  Group = 239.1.1.1  type = MODE_IS_INCLUDE',
      'IGMP:  1 Source Address:',
      'IGMP:      192.0.2.10',
      'IGMP:  Group = 239.1.1.2  type = MODE_IS_EXCLUDE',
      'IGMP:  0 Source Addresses:',
      'IGMP:  Group = 239.1.1.3  type = CHANGE_TO_INCLUDE',
      'IGMP:  2 Source Addresses:',
      'IGMP:      192.0.2.11',
      'IGMP:      192.0.2.12',
      'IGMP:  Group = 239.1.1.4  type = CHANGE_TO_EXCLUDE',
      'IGMP:  0 Source Addresses:',
      'IGMP:  Group = 239.1.1.5  type = ALLOW_NEW_SOURCES',
      'IGMP:  1 Source Address:',
      'IGMP:      192.0.2.13',
      'IGMP:  Group = 239.1.1.6  type = BLOCK_OLD_SOURCES',
      'IGMP:  1 Source Address:',
      'IGMP:      192.0.2.14',
    ]);
    const json = r.json.igmp as { v: number; records: unknown[] };
    expect(json.v).toBe(3);
    expect(json.records).toEqual(
      ALL_SIX.map((rec) => ({
        type: rec.type,
        typeName: Object.entries(RecordType).find(([, v]) => v === rec.type)?.[0],
        group: rec.group,
        sources: rec.sources ?? [],
      })),
    );
  });

  it('a query of 9 to 11 bytes fits no version and is malformed', () => {
    for (const len of [9, 10, 11]) {
      const msg = new Uint8Array(len);
      msg.set(igmp({ type: 0x11, code: 100, group: '0.0.0.0' }));
      const pkt = decodeL4(igmpFrame(withChecksum(msg)));
      expect(pkt.igmp.malformed).toBe(true);
      expect(pkt.igmp.version).toBe(0);
      expect(pkt.notes).toContain('malformed IGMP packet');
      expect(renderL4(pkt).summary).toBe('Malformed IGMP packet');
    }
  });

  it('a message under 8 bytes is malformed', () => {
    const pkt = decodeL4(igmpFrame(Uint8Array.from([0x16, 0, 0, 0, 239, 1])));
    expect(renderL4(pkt).summary).toBe('Malformed IGMP packet');
    expect(pkt.notes).toContain('malformed IGMP packet');
  });

  it('a bad checksum is reported', () => {
    const pkt = decodeL4(igmpFrame(igmp({ type: 0x16, group: '239.1.1.1', badChecksum: true })));
    expect(pkt.igmp.checksumOk).toBe(false);
    expect(pkt.notes).toContain('bad IGMP checksum');
    expect(renderL4(pkt).detail[2]).toMatch(/^IGMP: {2}Checksum = [0-9a-f]+ \(incorrect\)$/);
  });
});
