import { describe, expect, it } from 'vitest';
import { arp, ether, EtherType } from '../../src/craft/frames.js';
import { L } from '../../src/decode/packet.js';
import { concatBytes, decode, hex, linesAfter, namesFrom, render } from './l3-harness.js';

const SUN = '8:0:20:1:2:3';
const GW = '0:11:22:33:44:55';

function arpFrame(op: number, o: { sha?: string; spa?: string; tha?: string; tpa?: string } = {}, type: number = EtherType.ARP): Uint8Array {
  const body = arp({ op, sha: o.sha ?? SUN, spa: o.spa ?? '192.0.2.2', tha: o.tha ?? '0:0:0:0:0:0', tpa: o.tpa ?? '192.0.2.1' });
  return ether({ dst: 'ff:ff:ff:ff:ff:ff', src: SUN, type }, body);
}

describe('ARP decoding', () => {
  it('fills every field and offset of an Ethernet/IPv4 request', () => {
    const pkt = decode(arpFrame(1));
    expect(pkt.layers).toBe(L.ETH | L.ARP);
    const a = pkt.arp;
    expect(a.present).toBe(true);
    expect(a.short).toBe(false);
    expect(a.reverse).toBe(false);
    expect([a.htype, a.ptype, a.hlen, a.plen, a.op]).toEqual([1, 0x0800, 6, 4, 1]);
    expect([a.off, a.shaOff, a.spaOff, a.thaOff, a.tpaOff]).toEqual([14, 22, 28, 32, 38]);
    expect(a.ipv4).toBe(true);
    expect(a.spa).toBe(0xc0000202);
    expect(a.tpa).toBe(0xc0000201);
  });

  it('marks RARP by its ethertype', () => {
    const pkt = decode(arpFrame(3, {}, EtherType.RARP));
    expect(pkt.arp.reverse).toBe(true);
    expect(pkt.arp.op).toBe(3);
  });

  it('handles hardware addresses of other lengths (IPoIB-style 20 bytes)', () => {
    const body = concatBytes(hex('0020 0800 14 04 0001'), new Uint8Array(20).fill(0xab), hex('c0000202'), new Uint8Array(20), hex('c0000201'));
    const pkt = decode(ether({ dst: 'ff:ff:ff:ff:ff:ff', src: SUN, type: EtherType.ARP }, body));
    expect(pkt.arp.present).toBe(true);
    expect(pkt.arp.hlen).toBe(20);
    expect(pkt.arp.tpaOff).toBe(14 + 8 + 20 + 4 + 20);
    // The contract's ipv4 flag covers the Ethernet case only.
    expect(pkt.arp.ipv4).toBe(false);
    expect(render(pkt).summary).toBe('ARP C Who is 192.0.2.1, 192.0.2.1 ?');
  });

  it('is short when the addresses were not all captured', () => {
    const frame = arpFrame(1).subarray(0, 14 + 20);
    const pkt = decode(frame);
    expect(pkt.arp.present).toBe(true);
    expect(pkt.arp.short).toBe(true);
    expect(pkt.arp.ipv4).toBe(false);
    expect(pkt.notes).toEqual(['short packet']);
    const r = render(pkt);
    expect(r.summary).toBe('ARP (short packet)');
    expect(r.detail).toEqual(['ETHER:  ----- Ether Header -----', ...r.detail.slice(1, 6), 'ARP:  ----- ARP/RARP Frame -----', 'ARP (short packet)']);
    expect(r.json.arp).toEqual({ op: 1, short: true });
  });

  it('is absent when even the fixed header is missing', () => {
    const pkt = decode(arpFrame(1).subarray(0, 14 + 7));
    expect(pkt.has(L.ARP)).toBe(false);
    expect(pkt.arp.short).toBe(true);
    expect(pkt.notes).toEqual(['short packet']);
  });
});

describe('ARP rendering', () => {
  it('prints a request as snoop does, the address twice when unnamed', () => {
    const r = render(decode(arpFrame(1)));
    expect(r.summary).toBe('ARP C Who is 192.0.2.1, 192.0.2.1 ?');
    expect(r.layers).toEqual(['ETHER Type=0806 (ARP), size=60 bytes', 'ARP C Who is 192.0.2.1, 192.0.2.1 ?']);
  });

  it('uses names for the protocol address', () => {
    const names = namesFrom({ '192.0.2.1': 'gw', '192.0.2.2': 'alpha' });
    expect(render(decode(arpFrame(1)), names).summary).toBe('ARP C Who is 192.0.2.1, gw ?');
    const reply = decode(arpFrame(2, { sha: GW, spa: '192.0.2.1', tha: SUN, tpa: '192.0.2.2' }));
    expect(render(reply, names).summary).toBe('ARP R 192.0.2.1, gw is 0:11:22:33:44:55');
  });

  it('prints RARP requests and replies by hardware address', () => {
    const req = decode(arpFrame(3, { sha: SUN, spa: '0.0.0.0', tha: SUN, tpa: '0.0.0.0' }, EtherType.RARP));
    expect(render(req).summary).toBe('RARP C Who is 8:0:20:1:2:3 ?');
    const rep = decode(arpFrame(4, { sha: GW, spa: '192.0.2.1', tha: SUN, tpa: '192.0.2.9' }, EtherType.RARP));
    expect(render(rep).summary).toBe('RARP R 8:0:20:1:2:3 is 192.0.2.9, 192.0.2.9');
  });

  it('prints the -v block of a request with the target hardware address hidden', () => {
    const names = namesFrom({ '192.0.2.1': 'gw', '192.0.2.2': 'alpha' });
    const r = render(decode(arpFrame(1)), names);
    expect(linesAfter(r.detail, 'ARP:  ----- ARP/RARP Frame -----')).toEqual([
      'Hardware type = 1 (Ethernet (10Mb))',
      'Protocol type = 0800 (IP)',
      'Length of hardware address = 6 bytes',
      'Length of protocol address = 4 bytes',
      'Opcode 1 (ARP Request)',
      "Sender's hardware address = 8:0:20:1:2:3",
      "Sender's protocol address = 192.0.2.2, alpha",
      'Target hardware address = ?',
      'Target protocol address = 192.0.2.1, gw',
    ]);
  });

  it('shows the target hardware address of a reply and JSON with padded MACs', () => {
    const r = render(decode(arpFrame(2, { sha: GW, spa: '192.0.2.1', tha: SUN, tpa: '192.0.2.2' })));
    expect(r.detail).toContain('Target hardware address = 8:0:20:1:2:3');
    expect(r.detail).toContain('Opcode 2 (ARP Reply)');
    expect(r.json.arp).toEqual({ op: 2, sha: '00:11:22:33:44:55', spa: '192.0.2.1', tha: '08:00:20:01:02:03', tpa: '192.0.2.2' });
  });

  it('names an unknown opcode rather than printing nothing', () => {
    const r = render(decode(arpFrame(9)));
    expect(r.summary).toBe('ARP Opcode 9');
    expect(r.detail).toContain('Opcode 9 ()');
  });
});
