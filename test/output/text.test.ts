// snoop's line layout, -V, -v, -x and JSON lines, on frames built by src/craft and decoded by
// the real decoders.
import { describe, expect, it } from 'vitest';
import type { Annotation } from '../../src/annotate/annotation.js';
import { allocBatch, LinkType, type LinkDesc } from '../../src/capture/frame.js';
import * as c from '../../src/craft/frames.js';
import { decodeFrame } from '../../src/decode/decode.js';
import { Packet } from '../../src/decode/packet.js';
import { jsonLine } from '../../src/output/json.js';
import { NO_NAMES, type NameLookup } from '../../src/output/render/context.js';
import { hexDumpLines, lineParts, TextFormatter, type TextOptions } from '../../src/output/text.js';

const LINKS: LinkDesc[] = [{ name: 'net0', linkType: LinkType.ETHERNET, snaplen: 65535 }, { name: 'net1', linkType: LinkType.ETHERNET, snaplen: 65535 }];
const A = '02:00:5e:10:00:0a';
const R = '02:00:5e:10:00:01';

function decoded(bytes: Uint8Array, opts: { sec?: number; nsec?: number; number?: number; link?: number; wireLen?: number } = {}): Packet {
  const batch = allocBatch(1);
  batch.bytes = bytes;
  batch.count = 1;
  batch.capLen[0] = bytes.length;
  batch.wireLen[0] = opts.wireLen ?? bytes.length;
  batch.tsSec[0] = opts.sec ?? 1_767_225_600;
  batch.tsNsec[0] = opts.nsec ?? 0;
  batch.link[0] = opts.link ?? 0;
  const pkt = new Packet();
  decodeFrame(pkt, batch, 0, LinkType.ETHERNET, opts.number ?? 1);
  return pkt;
}

const echo = (seq: number, vlan?: number[]) =>
  c.ether({ dst: R, src: A, type: c.EtherType.IPV4, vlan }, c.ipv4({ src: '192.0.2.10', dst: '192.0.2.1', proto: c.IpProto.ICMP, id: 7 }, c.icmpEcho({ id: 1, seq })));

function formatter(o: Partial<TextOptions> = {}): TextFormatter {
  return new TextFormatter({ mode: 'summary', time: 'delta', numbers: true, showLength: false, showDrops: false, showLink: false, names: NO_NAMES, ...o }, LINKS);
}

const annotation: Annotation = { source: 'ipmp', summary: 'g/net0 → 192.0.2.1 UNI #1 acked 0.41ms', detail: ['Group = g', 'State = acked'], json: { group: 'g', state: 'acked' } };

describe('summary lines (show_pktinfo layout)', () => {
  it('prints number, delta time and %12s -> %-12s before the top layer summary', () => {
    const f = formatter();
    expect(f.format(decoded(echo(0), { number: 1, nsec: 0 }), [])).toBe('  1   0.00000   192.0.2.10 -> 192.0.2.1    ICMP Echo request (ID: 1 Sequence number: 0)\n');
    expect(f.format(decoded(echo(1), { number: 2, nsec: 1_234_567 }), [])).toBe('  2   0.00123   192.0.2.10 -> 192.0.2.1    ICMP Echo request (ID: 1 Sequence number: 1)\n');
  });

  it('shows relative times from the first packet and negative deltas when links interleave out of order', () => {
    const rel = formatter({ time: 'relative' });
    rel.format(decoded(echo(0), { sec: 100, nsec: 500_000_000 }), []);
    expect(rel.format(decoded(echo(1), { sec: 102, nsec: 0 }), [])).toMatch(/^ {2}1 {3}1\.50000 /);
    const delta = formatter();
    delta.format(decoded(echo(0), { sec: 100, nsec: 20_000 }), []);
    expect(delta.format(decoded(echo(1), { sec: 100, nsec: 10_000 }), [])).toMatch(/^ {2}1  -0\.00001 /);
  });

  it('adds VLAN#, drops, length, link names, encapsulation-free annotations in brackets', () => {
    const f = formatter({ time: 'none', numbers: false, showDrops: true, showLength: true, showLink: true });
    const line = f.format(decoded(echo(3, [100]), { link: 1, wireLen: 1514 }), [annotation]);
    expect(line).toBe('net1 VLAN#100:   192.0.2.10 -> 192.0.2.1    drops: 0 length: 1514  ICMP Echo request (ID: 1 Sequence number: 3) [g/net0 → 192.0.2.1 UNI #1 acked 0.41ms]\n');
  });

  it('names addresses from the name table and marks broadcast destinations like snoop', () => {
    const names: NameLookup = { ipv4: (a) => (a === c.ip4('192.0.2.1') ? 'gw' : undefined), ipv6: () => undefined };
    const arp = decoded(c.ether({ dst: 'ff:ff:ff:ff:ff:ff', src: A, type: c.EtherType.ARP }, c.arp({ op: 1, sha: A, spa: '192.0.2.10', tha: '00:00:00:00:00:00', tpa: '192.0.2.1' })));
    expect(lineParts(arp, names)).toEqual({ src: '192.0.2.10', dst: '(broadcast)', protocol: 'ARP', summary: 'ARP C Who is 192.0.2.1, gw ?' });
    expect(lineParts(decoded(echo(0)), names)).toMatchObject({ src: '192.0.2.10', dst: 'gw', protocol: 'ICMP' });
  });
});

describe('cached pieces of summary lines', () => {
  it('gives every address pair its own columns, named, whatever the pair cache holds or evicts', () => {
    const names: NameLookup = { ipv4: (a) => (a === c.ip4('192.0.2.1') ? 'gw' : undefined), ipv6: () => undefined };
    const f = formatter({ time: 'none', numbers: false, names });
    const addr = (k: number): string => (k === 0 ? '192.0.2.1' : `198.51.${(k >> 8) & 255}.${k & 255}`);
    const shown = (a: string): string => (a === '192.0.2.1' ? 'gw' : a);
    // 3000 pairs (each also reversed) against 4096 slots: sets fill, evict, and are looked up again.
    for (let round = 0; round < 2; round++) {
      for (let k = 0; k < 3000; k++) {
        const [src, dst] = k % 2 ? [addr(k), addr((k * 7) % 3001)] : [addr((k * 7) % 3001), addr(k)];
        const frame = c.ether({ dst: R, src: A, type: c.EtherType.IPV4 }, c.ipv4({ src, dst, proto: c.IpProto.UDP }, c.udp({ sport: 1, dport: 2 }, new Uint8Array(0))));
        const line = f.format(decoded(frame), []);
        const columns = `${shown(src).padStart(12)} -> ${shown(dst).padEnd(12)} `;
        expect(line.slice(0, columns.length)).toBe(columns);
      }
    }
  });

  it('tells apart two address pairs whose cache keys are equal', () => {
    // White box: the key is imul(src ^ imul(dst, 0x85ebca6b), 0x9e3779b1), so a second pair
    // with src2 = src1 ^ imul(dst1, C) ^ imul(dst2, C) has the very same key.
    const C = 0x85ebca6b;
    const dst1 = c.ip4('192.0.2.1') | 0;
    const src1 = c.ip4('192.0.2.10') | 0;
    const dst2 = c.ip4('203.0.113.5') | 0;
    const src2 = src1 ^ Math.imul(dst1, C) ^ Math.imul(dst2, C);
    const quad = (a: number): string => [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');
    const f = formatter({ time: 'none', numbers: false });
    for (const [src, dst] of [[src1, dst1], [src2, dst2], [src1, dst1]]) {
      const frame = c.ether({ dst: R, src: A, type: c.EtherType.IPV4 }, c.ipv4({ src: quad(src), dst: quad(dst), proto: c.IpProto.UDP }, c.udp({ sport: 1, dport: 2 }, new Uint8Array(0))));
      expect(f.format(decoded(frame), [])).toMatch(new RegExp(`^ *${quad(src).replace(/\./g, '\\.')} -> ${quad(dst).replace(/\./g, '\\.')} `));
    }
  });

  it('keeps echo heads apart by direction, ID and protocol, and ends probes with their tail', () => {
    const f = formatter({ time: 'none', numbers: false });
    const v4 = (reply: boolean, id: number, data?: Uint8Array) =>
      decoded(c.ether({ dst: R, src: A, type: c.EtherType.IPV4 }, c.ipv4({ src: '192.0.2.10', dst: '192.0.2.1', proto: c.IpProto.ICMP }, c.icmpEcho({ reply, id, seq: 5, data }))));
    const v6 = (reply: boolean, id: number) =>
      decoded(c.ether({ dst: R, src: A, type: c.EtherType.IPV6 }, c.ipv6({ src: 'fe80::a', dst: 'fe80::1', nxt: c.IpProto.ICMPV6 }, c.icmp6Echo({ reply, id, seq: 5 }))));
    const summary = (p: Packet): string => f.format(p, []).slice(29, -1);
    const probe = c.probePayload({ kind: 'MULTI', format: 'ms32', size: 16, ts: 1000n });
    for (let round = 0; round < 2; round++) {
      expect(summary(v4(false, 7))).toBe('ICMP Echo request (ID: 7 Sequence number: 5)');
      expect(summary(v4(true, 7))).toBe('ICMP Echo reply (ID: 7 Sequence number: 5)');
      expect(summary(v4(false, 8))).toBe('ICMP Echo request (ID: 8 Sequence number: 5)');
      expect(summary(v6(false, 7))).toBe('ICMPv6 Echo request (ID: 7 Sequence number: 5)');
      expect(summary(v4(true, 7, probe))).toBe('ICMP Echo reply (ID: 7 Sequence number: 5) [mpathd MULTI ms32]');
    }
  });
});

describe('-V, -v and -x', () => {
  it('-V prints the rule, then one prefixed line per layer and per annotation', () => {
    const text = formatter({ mode: 'layers', time: 'none', numbers: false }).format(decoded(echo(0)), [annotation]);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('________________________________');
    expect(lines.slice(1).map((l) => l.slice(0, 29))).toEqual(Array(4).fill('  192.0.2.10 -> 192.0.2.1    '));
    expect(lines.slice(1).map((l) => l.slice(29).split(' ')[0])).toEqual(['ETHER', 'IP', 'ICMP', 'IPMP']);
    expect(lines[4]).toContain('IPMP  g/net0 → 192.0.2.1 UNI #1 acked 0.41ms');
  });

  it('-v prints snoop sections with prefix-only spacer lines, then the annotation section and a blank line', () => {
    const text = formatter({ mode: 'verbose', time: 'none', numbers: false }).format(decoded(echo(0)), [annotation]);
    const lines = text.split('\n');
    expect(lines[0]).toBe('ETHER:  ----- Ether Header -----');
    expect(lines[1]).toBe('ETHER:  ');
    expect(lines).toContain('IP:   ----- IP Header -----');
    expect(lines).toContain('ICMP:  ----- ICMP Header -----');
    const ipmp = lines.indexOf('IPMP:  ----- IPMP Probe -----');
    expect(lines.slice(ipmp, ipmp + 5)).toEqual(['IPMP:  ----- IPMP Probe -----', 'IPMP:  ', 'IPMP:  Group = g', 'IPMP:  State = acked', 'IPMP:  ']);
    expect(text.endsWith('\n\n')).toBe(true);
  });

  it('hex dump matches snoop: decimal offsets, 16-bit words, an odd last byte, ASCII', () => {
    const bytes = Uint8Array.from([...Array.from({ length: 16 }, (_, i) => 0x41 + i), 0x01, 0x02, 0x7a]);
    expect(hexDumpLines(bytes, 0, bytes.length)).toEqual([
      '\t   0: 4142 4344 4546 4748 494a 4b4c 4d4e 4f50    ABCDEFGHIJKLMNOP',
      '\t  16: 0102 7a                                    ..z',
    ]);
    const f = formatter({ time: 'none', numbers: false, hex: { offset: 13, length: 4 } });
    // The offset rounds down to an even byte, as snoop does: bytes 12..15 are the ethertype and IP version.
    expect(f.format(decoded(echo(0)), [])).toContain('\n\n\t   0: 0800 4500                                  ..E.\n\n');
  });
});

describe('JSON lines', () => {
  it('carries the stable keys and one object per observer, extra annotations under <source>More', () => {
    const second: Annotation = { ...annotation, summary: 'older', json: { seq: 0, state: 'lost' } };
    const o = JSON.parse(jsonLine(decoded(echo(5), { nsec: 5 }), 'net0', [annotation, second], NO_NAMES));
    expect(o).toMatchObject({
      n: 1,
      ts: '1767225600.000000005',
      link: 'net0',
      len: 60,
      caplen: 60,
      summary: 'ICMP Echo request (ID: 1 Sequence number: 5)',
      eth: { src: A, dst: R, type: 0x0800, vlan: [] },
      ip: { src: '192.0.2.10', dst: '192.0.2.1', ttl: 64, proto: 1, id: 7 },
      icmp: { type: 8, code: 0, id: 1, seq: 5, cksumOk: true },
      ipmp: { group: 'g', state: 'acked' },
      ipmpMore: [{ seq: 0, state: 'lost' }],
    });
  });
});
