import { describe, expect, it } from 'vitest';
import { icmp, icmpEcho, ipv4, IpProto, udp } from '../../src/craft/frames.js';
import { concatBytes, namesFrom } from './l3-harness.js';
import { decodeL4, icmpFrame, renderL4, words } from './l4-harness.js';

/** The datagram an error message quotes: an IPv4 header plus the first 8 bytes of UDP to port 53. */
function quotedUdp(): Uint8Array {
  return ipv4({ src: '192.0.2.2', dst: '198.51.100.7', proto: IpProto.UDP }, udp({ sport: 40000, dport: 53 }, new Uint8Array(0)));
}

describe('ICMP decoding and snoop rendering', () => {
  it('echo request: summary, -V, -v with a verified checksum, JSON', () => {
    const pkt = decodeL4(icmpFrame(icmpEcho({ id: 1, seq: 0, data: new Uint8Array(56) })));
    const r = renderL4(pkt);
    expect(r.summary).toBe('ICMP Echo request (ID: 1 Sequence number: 0)');
    expect(r.layers[2]).toBe('ICMP Echo request (ID: 1 Sequence number: 0)');
    expect(r.detail).toEqual([
      'ICMP:  Type = 8 (Echo request)',
      'ICMP:  Code = 0 (ID: 1 Sequence number: 0)',
      `ICMP:  Checksum = ${pkt.icmp.checksum.toString(16)} (correct)`,
    ]);
    expect(r.json.icmp).toEqual({ type: 8, code: 0, id: 1, seq: 0, cksumOk: true });
    expect(pkt.notes).toEqual([]);
    expect(pkt.probe.present).toBe(false);
  });

  it('echo reply', () => {
    const r = renderL4(decodeL4(icmpFrame(icmpEcho({ reply: true, id: 4711, seq: 65535 }))));
    expect(r.summary).toBe('ICMP Echo reply (ID: 4711 Sequence number: 65535)');
    expect(r.json.icmp).toEqual({ type: 0, code: 0, id: 4711, seq: 65535, cksumOk: true });
  });

  it('a bad checksum is reported, not hidden', () => {
    const pkt = decodeL4(icmpFrame(icmp(8, 0, words(1, 2), true)));
    expect(pkt.icmp.checksumOk).toBe(false);
    expect(pkt.notes).toContain('bad ICMP checksum');
    expect(renderL4(pkt).detail[2]).toMatch(/^ICMP: {2}Checksum = [0-9a-f]+ \(incorrect\)$/);
    expect(renderL4(pkt).json.icmp).toMatchObject({ cksumOk: false });
  });

  it('a message cut by the snap length is not verified', () => {
    const frame = icmpFrame(icmpEcho({ id: 1, seq: 2, data: new Uint8Array(100) }));
    const pkt = decodeL4(frame.subarray(0, 14 + 20 + 8 + 10));
    expect(pkt.icmp.present).toBe(true);
    expect(pkt.icmp.checksumOk).toBeNull();
    expect(renderL4(pkt).summary).toBe('ICMP Echo request (ID: 1 Sequence number: 2)');
    expect(renderL4(pkt).detail[2]).toBe(`ICMP:  Checksum = ${pkt.icmp.checksum.toString(16)}`);
  });

  it('port unreachable names the quoted protocol and port, and -v shows the subject header', () => {
    const pkt = decodeL4(icmpFrame(icmp(3, 3, concatBytes(new Uint8Array(4), quotedUdp()))));
    const r = renderL4(pkt);
    expect(r.summary).toBe('ICMP Destination unreachable (UDP port 53 unreachable)');
    expect(r.detail).toEqual([
      'ICMP:  Type = 3 (Destination unreachable)',
      'ICMP:  Code = 3 (UDP port 53 unreachable)',
      `ICMP:  Checksum = ${pkt.icmp.checksum.toString(16)} (correct)`,
      'ICMP:  ',
      'ICMP:  [ subject header follows ]',
      'ICMP:  ',
      'ICMP:  IP:   Source address = 192.0.2.2, Destination address = 198.51.100.7',
      'ICMP:  IP:   Protocol = 17, Total length = 28 bytes, TTL = 64',
      'ICMP:  UDP:  Source port = 40000, Destination port = 53',
    ]);
    expect(pkt.icmp.quotedOff - pkt.icmp.off).toBe(8);
  });

  it('host unreachable uses names; needfrag shows the MTU; without the quote it says Bad host', () => {
    const names = namesFrom({ '198.51.100.7': 'far' });
    expect(renderL4(decodeL4(icmpFrame(icmp(3, 1, concatBytes(new Uint8Array(4), quotedUdp())))), names).summary).toBe(
      'ICMP Destination unreachable (Host far unreachable)',
    );
    expect(renderL4(decodeL4(icmpFrame(icmp(3, 1, new Uint8Array(4))))).summary).toBe('ICMP Destination unreachable (Bad host)');
    const needFrag = decodeL4(icmpFrame(icmp(3, 4, concatBytes(words(0, 1400), quotedUdp()))));
    expect(needFrag.icmp.mtu).toBe(1400);
    expect(renderL4(needFrag).summary).toBe('ICMP Destination unreachable (Needed to fragment: next hop MTU = 1400)');
    expect(renderL4(decodeL4(icmpFrame(icmp(3, 13, new Uint8Array(4))))).summary).toBe(
      'ICMP Destination unreachable (Communication administratively prohibited)',
    );
  });

  it('time exceeded, redirect, parameter problem, mask reply, router messages', () => {
    const s = (type: number, code: number, rest: Uint8Array): string => renderL4(decodeL4(icmpFrame(icmp(type, code, rest)))).summary;
    expect(s(11, 0, concatBytes(new Uint8Array(4), quotedUdp()))).toBe('ICMP Time exceeded (in transit)');
    expect(s(11, 1, new Uint8Array(4))).toBe('ICMP Time exceeded (in reassembly)');
    expect(s(5, 1, concatBytes(Uint8Array.from([192, 0, 2, 254]), quotedUdp()))).toBe('ICMP Redirect (for host 198.51.100.7 to 192.0.2.254)');
    const pp = decodeL4(icmpFrame(icmp(12, 0, concatBytes(Uint8Array.from([9, 0, 0, 0]), quotedUdp()))));
    expect(pp.icmp.pointer).toBe(9);
    expect(renderL4(pp).summary).toBe('ICMP IP parameter problem (Problem at octet 9)');
    expect(s(18, 0, concatBytes(words(1, 1), Uint8Array.from([255, 255, 255, 0])))).toBe('ICMP Address mask reply (Mask = 0xffffff00)');
    expect(s(10, 0, new Uint8Array(4))).toBe('ICMP Router solicitation');
    expect(s(9, 0, concatBytes(Uint8Array.from([1, 2]), words(1800), Uint8Array.from([192, 0, 2, 254, 0, 0, 0, 0])))).toBe(
      'ICMP Router advertisement (Lifetime 1800s [1]: {192.0.2.254 0})',
    );
    expect(s(13, 0, words(5, 6, 0, 0, 0, 0, 0, 0))).toBe('ICMP Timestamp request');
    expect(s(42, 0, new Uint8Array(4))).toBe('ICMP Unknown');
  });

  it('a later fragment is not decoded and a first fragment is not checksummed', () => {
    const body = icmpEcho({ id: 1, seq: 1, data: new Uint8Array(32) });
    const first = decodeL4(icmpFrame(body, { mf: true }));
    expect(first.icmp.present).toBe(true);
    expect(first.icmp.checksumOk).toBeNull();
    const later = decodeL4(icmpFrame(body, { fragOffset: 64 }));
    expect(later.icmp.present).toBe(false);
  });
});
