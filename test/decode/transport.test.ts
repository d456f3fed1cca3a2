import { describe, expect, it } from 'vitest';
import { IpProto, tcp, TcpFlag, udp } from '../../src/craft/frames.js';
import { corrupt, decodeL4, renderL4, v4Frame, v6Frame } from './l4-harness.js';

const UDP4_AT = 14 + 20;
const UDP6_AT = 14 + 40;

describe('UDP', () => {
  it('summary, -v and JSON over IPv4 with a verified checksum', () => {
    const pkt = decodeL4(v4Frame(IpProto.UDP, udp({ sport: 40000, dport: 53 }, new Uint8Array(12))));
    const r = renderL4(pkt);
    expect(r.summary).toBe('UDP D=53 S=40000 LEN=20');
    expect(r.layers[2]).toBe('UDP D=53 S=40000 LEN=20');
    expect(r.detail).toEqual([
      'UDP:  Source port = 40000',
      'UDP:  Destination port = 53 ',
      'UDP:  Length = 20 ',
      `UDP:  Checksum = ${pkt.udp.checksum.toString(16).toUpperCase().padStart(4, '0')} (correct)`,
    ]);
    expect(r.json.udp).toEqual({ sport: 40000, dport: 53 });
    expect(pkt.udp.checksumOk).toBe(true);
  });

  it('checksum 0 means not computed over IPv4 but is invalid over IPv6', () => {
    const v4 = decodeL4(v4Frame(IpProto.UDP, udp({ sport: 1, dport: 2 }, new Uint8Array(4)), { upperChecksum: false }));
    expect(v4.udp.checksum).toBe(0);
    expect(v4.udp.checksumOk).toBeNull();
    expect(renderL4(v4).detail[3]).toBe('UDP:  Checksum = 0000 (no checksum)');
    const v6 = decodeL4(v6Frame(IpProto.UDP, udp({ sport: 1, dport: 2 }, new Uint8Array(4)), { upperChecksum: false }));
    expect(v6.udp.checksumOk).toBe(false);
    expect(v6.notes).toContain('bad UDP checksum');
  });

  it('a bad checksum over IPv4 and IPv6; a good one over IPv6', () => {
    const f4 = v4Frame(IpProto.UDP, udp({ sport: 5, dport: 6 }, new Uint8Array(8)));
    expect(decodeL4(corrupt(f4, UDP4_AT + 9)).udp.checksumOk).toBe(false);
    const f6 = v6Frame(IpProto.UDP, udp({ sport: 5, dport: 6 }, new Uint8Array(8)));
    expect(decodeL4(f6).udp.checksumOk).toBe(true);
    const bad6 = decodeL4(corrupt(f6, UDP6_AT + 9));
    expect(bad6.udp.checksumOk).toBe(false);
    expect(bad6.notes).toContain('bad UDP checksum');
  });

  it('a UDP length beyond the IP payload is malformed', () => {
    const msg = udp({ sport: 5, dport: 6 }, new Uint8Array(4));
    msg[5] = 200;
    const pkt = decodeL4(v4Frame(IpProto.UDP, msg, { upperChecksum: false }));
    expect(pkt.notes).toContain('malformed UDP length');
  });
});

describe('TCP', () => {
  it('SYN with options: snoop summary, -v flags and options, JSON flags', () => {
    const opts = Uint8Array.from([2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0]);
    const pkt = decodeL4(v4Frame(IpProto.TCP, tcp({ sport: 40000, dport: 80, seq: 1000, flags: TcpFlag.SYN, window: 64240, options: opts })));
    const r = renderL4(pkt);
    expect(r.summary).toBe('TCP D=80 S=40000 Syn Seq=1000 Len=0 Win=64240 Options=<mss 1460,nop,wscale 7,sackOK,tstamp 1 0>');
    expect(r.detail.slice(5, 15)).toEqual([
      'TCP:  Flags = 0x02',
      'TCP:        0... .... = No ECN congestion window reduced',
      'TCP:        .0.. .... = No ECN echo',
      'TCP:        ..0. .... = No urgent pointer',
      'TCP:        ...0 .... = No acknowledgement',
      'TCP:        .... 0... = No push',
      'TCP:        .... .0.. = No reset',
      'TCP:        .... ..1. = Syn',
      'TCP:        .... ...0 = No Fin',
      'TCP:  Window = 64240',
    ]);
    expect(r.detail.slice(17)).toEqual([
      'TCP:  Options: (20 bytes)',
      'TCP:    - Maximum segment size = 1460 bytes',
      'TCP:    - No operation',
      'TCP:    - Window scale = 7',
      'TCP:    - SACK permitted option',
      'TCP:    - TS Val = 1, TS Echo = 0',
    ]);
    expect(r.detail[15]).toBe(`TCP:  Checksum = 0x${pkt.tcp.checksum.toString(16).padStart(4, '0')} (correct)`);
    expect(r.json.tcp).toEqual({ sport: 40000, dport: 80, flags: 'S' });
  });

  it('SYN-ACK, FIN-ACK, RST and payload length', () => {
    const one = (o: Parameters<typeof tcp>[0], payload?: Uint8Array): ReturnType<typeof renderL4> =>
      renderL4(decodeL4(v6Frame(IpProto.TCP, tcp(o, payload))));
    const sa = one({ sport: 80, dport: 40000, seq: 5, ack: 1001, flags: TcpFlag.SYN | TcpFlag.ACK, window: 100 });
    expect(sa.summary).toBe('TCP D=40000 S=80 Syn Ack=1001 Seq=5 Len=0 Win=100');
    expect(sa.json.tcp).toEqual({ sport: 80, dport: 40000, flags: 'SA' });
    const fa = one({ sport: 1, dport: 2, seq: 7, ack: 9, flags: TcpFlag.FIN | TcpFlag.ACK, window: 10 }, new Uint8Array(5));
    expect(fa.summary).toBe('TCP D=2 S=1 Fin Ack=9 Seq=7 Len=5 Win=10');
    expect((fa.json.tcp as { flags: string }).flags).toBe('FA');
    const rst = one({ sport: 1, dport: 2, flags: TcpFlag.RST, window: 0 });
    expect(rst.summary).toBe('TCP D=2 S=1 Rst Win=0');
    expect((rst.json.tcp as { flags: string }).flags).toBe('R');
  });

  it('checksum verified over IPv4 and IPv6, bad one noted', () => {
    const f = v6Frame(IpProto.TCP, tcp({ sport: 1, dport: 2, seq: 3, flags: TcpFlag.ACK }, new Uint8Array(3)));
    expect(decodeL4(f).tcp.checksumOk).toBe(true);
    const bad = decodeL4(corrupt(f, f.length - 1));
    expect(bad.tcp.checksumOk).toBe(false);
    expect(bad.notes).toContain('bad TCP checksum');
  });

  it('a data offset below 20 is malformed', () => {
    const seg = tcp({ sport: 1, dport: 2, flags: TcpFlag.ACK });
    seg[12] = 0x30;
    const pkt = decodeL4(v4Frame(IpProto.TCP, seg, { upperChecksum: false }));
    expect(pkt.notes).toContain('malformed TCP header');
  });
});
