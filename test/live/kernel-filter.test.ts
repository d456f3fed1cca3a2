// The kernel runs our compiled classic BPF exactly as our interpreter does (issue #4): each live
// filter program is attached with SO_ATTACH_FILTER to a capture on one end of a veth pair, the
// whole frame corpus is sent raw from the other end, and the frames the kernel delivers must be
// exactly those `runBpf` accepts over the same program, fed what the kernel's filter sees (an
// outer 802.1Q/802.1ad tag stripped into the skb and reported through the SKF_AD loads). A second
// unfiltered capture tells when every frame has arrived. Then the live verdict (kernel part plus
// user part) must equal the verdict on the same frames read from a file, and the program's
// return value must cut frames to the snapshot length.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinkType, PacketType, type FrameBatch } from '../../src/capture/frame.js';
import { openLiveSource, type LiveSource } from '../../src/capture/live-source.js';
import { corpus } from '../../src/craft/corpus.js';
import * as c from '../../src/craft/frames.js';
import { DlpiFlag, dlpiOpen, type DlpiHandle } from '../../src/dlpi/dlpi.js';
import type { Node } from '../../src/filter/ast.js';
import { kernelCapable } from '../../src/filter/bpf.js';
import { packBpf, runBpf, type BpfAncillary } from '../../src/filter/bpf-interp.js';
import { compileFilter } from '../../src/filter/compile.js';
import { parseFilter } from '../../src/filter/parser.js';
import { decoded } from '../filter/harness.js';
import { NetnsLab, liveTestsEnabled, sleep, type VethPair } from '../helpers/netns.js';

const ETH = { linkType: LinkType.ETHERNET };

/** A tagged frame with the TCI's priority bits set (the builders write only the VLAN ID). */
function withPriority(frame: Uint8Array, pcp: number): Uint8Array {
  frame[14] |= pcp << 5;
  return frame;
}

/** A frame whose outer tag uses TPID 0x9100, which Linux leaves in the bytes. */
function withTpid9100(frame: Uint8Array): Uint8Array {
  frame[12] = 0x91;
  frame[13] = 0x00;
  return frame;
}

/** The corpus plus the VLAN and truncation edge cases that matter to the kernel's view. */
function frames(): Array<{ label: string; bytes: Uint8Array }> {
  const A = '02:00:5e:10:00:0a';
  const R = '02:00:5e:10:00:01';
  const udp4 = c.ipv4({ src: '192.0.2.10', dst: '192.0.2.1', proto: c.IpProto.UDP }, c.udp({ sport: 5000, dport: 53 }, new Uint8Array(12)));
  const tcp6 = c.ipv6({ src: '2001:db8::a', dst: '2001:db8::1', nxt: c.IpProto.TCP }, c.tcp({ sport: 40002, dport: 22, flags: c.TcpFlag.SYN }));
  const extChain = c.ipv6(
    { src: 'fe80::a', dst: 'ff02::1', nxt: c.IpProto.TCP, routerAlert: 'padn', ext: [{ type: c.IpProto.ROUTING, body: Uint8Array.from([0, 0, 0, 0, 0, 0, 0]) }, { type: c.IpProto.DSTOPTS, body: Uint8Array.from([0, 1, 4, 0, 0, 0, 0]) }] },
    c.tcp({ sport: 1, dport: 2, flags: c.TcpFlag.RST }),
  );
  return [
    ...corpus(),
    { label: 'IPv6 TCP on VLAN 100, priority 5', bytes: withPriority(c.ether({ dst: R, src: A, type: c.EtherType.IPV6, vlan: [100] }, tcp6), 5) },
    { label: 'ARP on VLAN 7', bytes: c.ether({ dst: 'ff:ff:ff:ff:ff:ff', src: A, type: c.EtherType.ARP, vlan: [7] }, c.arp({ op: 1, sha: A, spa: '192.0.2.10', tha: '00:00:00:00:00:00', tpa: '192.0.2.1' })) },
    { label: 'priority tag, VLAN 0', bytes: c.ether({ dst: R, src: A, type: c.EtherType.IPV4, vlan: [0] }, udp4) },
    { label: 'priority tag, VLAN 0, priority 6', bytes: withPriority(c.ether({ dst: R, src: A, type: c.EtherType.IPV4, vlan: [0] }, udp4), 6) },
    { label: '802.1ad single tag, VLAN 7', bytes: (() => { const f = c.ether({ dst: R, src: A, type: c.EtherType.IPV4, vlan: [7] }, udp4); f[13] = 0xa8; f[12] = 0x88; return f; })() },
    { label: 'TPID 0x9100 tag, VLAN 42', bytes: withTpid9100(c.ether({ dst: R, src: A, type: c.EtherType.IPV4, vlan: [42] }, udp4)) },
    { label: 'IPv6 hop-by-hop, routing, dest-options, TCP to ff02::1', bytes: c.ether({ dst: '33:33:00:00:00:01', src: A, type: c.EtherType.IPV6 }, extChain) },
    { label: 'IPv4 header cut at 10 bytes', bytes: c.ether({ dst: R, src: A, type: c.EtherType.IPV4, pad: false }, udp4.subarray(0, 10)) },
    { label: 'IPv6 cut inside the extension headers', bytes: c.ether({ dst: R, src: A, type: c.EtherType.IPV6, pad: false }, extChain.subarray(0, 44)) },
    { label: 'big UDP to 239.1.2.3', bytes: c.ether({ dst: c.ipv4MulticastMac('239.1.2.3'), src: A, type: c.EtherType.IPV4 }, c.ipv4({ src: '192.0.2.10', dst: '239.1.2.3', proto: c.IpProto.UDP }, c.udp({ sport: 5004, dport: 5004 }, new Uint8Array(1200).fill(7)))) },
  ];
}

/**
 * Every expression here has a kernel part; the ones ending in user-level terms (greater, nofrag,
 * group, mld, nd, probe, port, byte access) check that the kernel runs the leading and-prefix.
 */
const EXPRESSIONS = [
  'ip', 'ip6', 'arp', 'rarp', 'ethertype 0x0800', 'ethertype 0x0806', 'ethertype 0x8100', 'ethertype 0x88a8', 'ethertype 0x9100',
  'vlan', 'vlan-id 100', 'vlan-id 200', 'vlan-id 7', 'vlan-id 0', 'vlan-id 42',
  'tcp', 'udp', 'icmp', 'icmp6', 'igmp', 'proto 58', 'proto 17', 'proto 0',
  'host 192.0.2.1', 'src host 192.0.2.10', 'dst host 192.0.2.1', 'to 224.0.0.1', 'host 198.51.100.2',
  'host fe80::1', 'src fe80::a', 'dst 2001:db8::a', 'inet6 host 2001:db8::1',
  'ether host 02:00:5e:10:00:01', 'ether src 02:00:5e:10:00:0a', 'ether dst ff:ff:ff:ff:ff:ff', 'ether dst 33:33:00:00:00:01',
  'broadcast', 'multicast', 'broadcast or multicast',
  'net 192.0.2.0', 'net 192.0.2.0/28', 'dstnet 224.0.0.0/4', 'srcnet 198.51.100.0/24', 'net 0.0.0.0/0',
  'net 2001:db8::/32', 'net ff00::/8', 'dstnet ff02::/16', 'net fe80::/10', 'net ::/0',
  'between 192.0.2.10 203.0.113.5', 'between fe80::a fe80::1',
  'arp or (ip6 and udp)', 'tcp or icmp6 or igmp', 'ip and (icmp or igmp)', 'vlan and udp', 'vlan-id 100 and host 192.0.2.1',
  '(vlan or ip6) and multicast', 'ether src 02:00:5e:10:00:0a and ip6 and icmp6', 'net 192.0.2.0/24 and (tcp or udp)',
  'ip and greater 100', 'ip6 and less 90', 'multicast and ether[0] & 1 = 1', 'ip and ip[9] = 1', 'udp and not nofrag',
  'igmp and group 232.1.1.1', 'ip6 and mld', 'icmp6 and nd', 'icmp and probe', 'udp and port 53', 'tcp and srcport 22',
];

/** The primitives the kernel runs (bpf.ts); the expressions above must use each of them there. */
const KERNEL_PRIMITIVES = ['between', 'broadcast', 'ether', 'ethertype', 'host', 'ipproto', 'multicast', 'net', 'vlan', 'vlan-id'];

const TARGET = { ...ETH, live: true, snaplen: 0 };

/** The leading and-terms the kernel takes, as compile.ts splits them. */
function kernelPrimitives(expr: string): string[] {
  const conjuncts = (n: Node): Node[] => (n.kind === 'and' ? [...conjuncts(n.left), ...conjuncts(n.right)] : [n]);
  const prims = (n: Node): string[] => (n.kind === 'and' || n.kind === 'or' ? [...prims(n.left), ...prims(n.right)] : n.kind === 'prim' ? [n.prim.p] : []);
  const out: string[] = [];
  for (const part of conjuncts(parseFilter(expr, ETH))) {
    if (!kernelCapable(part, TARGET)) break;
    out.push(...prims(part));
  }
  return out;
}

const TPID_STRIPPED = [0x8100, 0x88a8];

/**
 * What the socket filter sees of a frame arriving on a link with MAC `rxMac`: Linux moves an
 * outer 802.1Q/802.1ad tag into the skb before the packet taps run, so the program reads the
 * untagged bytes and learns of the tag through SKF_AD_VLAN_TAG(_PRESENT).
 */
function kernelView(frame: Uint8Array, rxMac: Uint8Array, ifIndex: number): { bytes: Uint8Array; anc: BpfAncillary; stripped: boolean } {
  const type = (frame[12] << 8) | frame[13];
  const stripped = TPID_STRIPPED.includes(type) && frame.length >= 18;
  const bytes = stripped ? Uint8Array.from([...frame.subarray(0, 12), ...frame.subarray(16)]) : frame;
  const dst = frame.subarray(0, 6);
  const pktType = dst.every((b) => b === 0xff) ? PacketType.BROADCAST : dst[0] & 1 ? PacketType.MULTICAST : dst.every((b, i) => b === rxMac[i]) ? PacketType.HOST : PacketType.OTHERHOST;
  // skb->protocol from eth_type_trans: the EtherType, or ETH_P_802_3 / ETH_P_802_2 for 802.3 lengths.
  const inner = (bytes[12] << 8) | bytes[13];
  const protocol = inner >= 0x600 ? inner : bytes[14] === 0xff && bytes[15] === 0xff ? 0x0001 : 0x0004;
  const anc = { pktType, ifIndex, protocol, vlanPresent: stripped ? 1 : 0, vlanTci: stripped ? (frame[14] << 8) | frame[15] : 0, vlanTpid: stripped ? type : 0 };
  return { bytes, anc, stripped };
}

interface Received {
  hex: string;
  capLen: number;
  wireLen: number;
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

function collect(batch: FrameBatch, into: Received[]): void {
  for (let i = 0; i < batch.count; i++) {
    const off = batch.offset[i];
    into.push({ hex: hex(batch.bytes.subarray(off, off + batch.capLen[i])), capLen: batch.capLen[i], wireLen: batch.wireLen[i] });
  }
}

/** Everything a source delivers until it ends; close() after `limitMs` bounds a hung read. */
async function drain(src: LiveSource, into: Received[], limitMs: number): Promise<void> {
  const limit = setTimeout(() => void src.close(), limitMs);
  for await (const b of src.batches()) collect(b, into);
  clearTimeout(limit);
}

const count = <T>(items: T[], key: (t: T) => string): Map<string, number> => {
  const m = new Map<string, number>();
  for (const it of items) m.set(key(it), (m.get(key(it)) ?? 0) + 1);
  return m;
};
const sorted = (m: Map<string, number>): Array<[string, number]> => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

describe.runIf(liveTestsEnabled())('kernel socket filters run our BPF as bpf-interp does', () => {
  const lab = new NetnsLab('kf');
  const sent = frames();
  const sentHex = new Set(sent.map((f) => hex(f.bytes)));
  const labelOf = new Map(sent.map((f) => [hex(f.bytes), f.label]));
  let v: VethPair;
  let tx: DlpiHandle;
  let rxMac: Uint8Array;

  beforeAll(() => {
    const nsA = lab.addNamespace();
    const nsB = lab.addNamespace();
    v = lab.addVeth(nsA, nsB, { id: 1 });
    rxMac = c.mac(v.macB);
    tx = lab.inside(nsA, () => dlpiOpen(v.a, DlpiFlag.RAW));
  });
  afterAll(() => {
    tx?.close();
    lab.destroy();
  });

  const open = (filter: Uint8Array | null, snaplen?: number): Promise<LiveSource> =>
    lab.inside(v.nsB, () => openLiveSource([v.b], { promisc: 'phys', filter, snaplen, blockTimeoutMs: 5, ringBytes: 1 << 18 }));

  /**
   * Send every frame once with `filter` on one capture and no filter on a second; the second says
   * when all have arrived. Returns what each delivered of our frames (the namespace's own stack
   * is quiet, IPv6 is off and no address is configured, but only exact copies count anyway).
   */
  async function exchange(filter: Uint8Array | null, snaplen?: number): Promise<{ filtered: Received[]; all: Received[]; ifIndex: number }> {
    const filteredSrc = await open(filter, snaplen);
    const allSrc = await open(null);
    const filtered: Received[] = [];
    const all: Received[] = [];
    const done = Promise.all([drain(filteredSrc, filtered, 5000), drain(allSrc, all, 5000)]);
    for (const f of sent) tx.send(null, f.bytes);
    for (let waited = 0; waited < 3000 && all.filter((r) => sentHex.has(r.hex)).length < sent.length; waited += 5) await sleep(5);
    filteredSrc.stop();
    allSrc.stop();
    await done;
    await filteredSrc.close();
    await allSrc.close();
    return { filtered, all: all.filter((r) => sentHex.has(r.hex)), ifIndex: filteredSrc.links[0].ifIndex ?? 0 };
  }

  it('the expressions compile to kernel programs that use every kernel primitive', () => {
    const used = new Set<string>();
    for (const expr of EXPRESSIONS) {
      expect(compileFilter(expr, TARGET).kernel, expr).not.toBeNull();
      for (const p of kernelPrimitives(expr)) used.add(p);
    }
    expect([...used].sort()).toEqual(KERNEL_PRIMITIVES);
  });

  it('frames cross the veth pair unchanged, VLAN tags included', async () => {
    expect(sentHex.size).toBe(sent.length);
    const { filtered, all } = await exchange(null);
    const want = sorted(count(sent, (f) => hex(f.bytes)));
    expect(sorted(count(all, (r) => r.hex))).toEqual(want);
    expect(sorted(count(filtered.filter((r) => sentHex.has(r.hex)), (r) => r.hex))).toEqual(want);
    for (const r of all) expect(r.capLen).toBe(r.wireLen);
  });

  for (const expr of EXPRESSIONS) {
    it(expr, async () => {
      const live = compileFilter(expr, TARGET);
      const program = live.kernel!;
      const packed = packBpf(program);
      const { filtered, ifIndex } = await exchange(program.toBuffer());
      const wanted = sent.filter((f) => {
        const view = kernelView(f.bytes, rxMac, ifIndex);
        return runBpf(packed, view.bytes, 0, view.bytes.length, view.bytes.length, view.anc) !== 0;
      });
      const delivered = filtered.filter((r) => sentHex.has(r.hex));
      expect(sorted(count(delivered, (r) => labelOf.get(r.hex)!))).toEqual(sorted(count(wanted, (f) => f.label)));
      for (const r of delivered) expect([r.capLen, r.wireLen]).toEqual([r.hex.length / 2, r.hex.length / 2]);

      // And what a live capture finally shows (kernel part, then the user part on the frames as
      // delivered) is what reading the same frames from a file shows.
      const file = compileFilter(expr, ETH);
      const shownLive = delivered.filter((r) => live.matches(decoded(Buffer.from(r.hex, 'hex')))).map((r) => labelOf.get(r.hex)!);
      const shownFile = sent.filter((f) => file.matches(decoded(f.bytes))).map((f) => f.label);
      expect(shownLive.sort()).toEqual(shownFile.sort());
    });
  }

  it("the program's return value is the snapshot length", async () => {
    const SNAP = 64;
    const program = compileFilter('ip or ip6 or arp or vlan', { ...TARGET, snaplen: SNAP }).kernel!;
    const packed = packBpf(program);
    // Socket snaplen left at the default: only the kernel cuts. It cuts the frame it filtered,
    // so a frame whose outer tag was stripped comes back with the tag put back, 4 bytes longer.
    const kernelCut = await exchange(program.toBuffer());
    const want = sent.flatMap((f) => {
      const view = kernelView(f.bytes, rxMac, kernelCut.ifIndex);
      const accepted = runBpf(packed, view.bytes, 0, view.bytes.length, view.bytes.length, view.anc);
      if (accepted === 0) return [];
      expect(accepted).toBe(SNAP);
      const capLen = Math.min(view.bytes.length, accepted) + (view.stripped ? 4 : 0);
      return [{ hex: hex(f.bytes.subarray(0, capLen)), capLen, wireLen: f.bytes.length }];
    });
    const key = (r: Received): string => `${r.hex}/${r.capLen}/${r.wireLen}`;
    const prefixes = new Set(want.map((r) => r.hex));
    expect(want.some((r) => r.capLen < r.wireLen && r.capLen > SNAP)).toBe(true);
    expect(want.some((r) => r.capLen === SNAP && r.wireLen > SNAP)).toBe(true);
    expect(sorted(count(kernelCut.filtered.filter((r) => prefixes.has(r.hex)), key))).toEqual(sorted(count(want, key)));

    // With the capture's snaplen set too, as the CLI does, every frame is min(length, snaplen).
    const bothCut = await exchange(program.toBuffer(), SNAP);
    const wantBoth = want.map((r) => ({ hex: r.hex.slice(0, 2 * Math.min(r.wireLen, SNAP)), capLen: Math.min(r.wireLen, SNAP), wireLen: r.wireLen }));
    const prefixesBoth = new Set(wantBoth.map((r) => r.hex));
    expect(sorted(count(bothCut.filtered.filter((r) => prefixesBoth.has(r.hex)), key))).toEqual(sorted(count(wantBoth, key)));
  });
});
