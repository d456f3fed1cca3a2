// Linux link monitors (bonding ARP / NS monitor, teamd arp_ping) in crafted frames decoded by
// decodeFrame and fed through the IPMP observer, and the sysfs bonding reader on fixture files.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Annotation } from '../../src/annotate/annotation.js';
import { parseBonding, readBondingTargets, type BondingInfo } from '../../src/annotate/ipmp/linux-monitors.js';
import { IpmpObserver } from '../../src/annotate/ipmp/observer.js';
import { LinkType } from '../../src/capture/frame.js';
import { arp, ether, EtherType, ipv6, IpProto, ndAdvert, ndSolicit } from '../../src/craft/frames.js';
import { decodeFrame } from '../../src/decode/decode.js';
import { Packet } from '../../src/decode/packet.js';
import { batchFor } from '../decode/l3-harness.js';

const BOND_MAC = '02:00:5e:10:00:0a';
const TARGET_MAC = '02:00:5e:10:00:01';
const BCAST = 'ff:ff:ff:ff:ff:ff';
const OUTGOING = 4;

function arpRequest(o: { tha?: string; spa?: string; tpa?: string; dst?: string } = {}): Uint8Array {
  return ether({ dst: o.dst ?? BCAST, src: BOND_MAC, type: EtherType.ARP }, arp({ op: 1, sha: BOND_MAC, spa: o.spa ?? '192.0.2.10', tha: o.tha ?? '00:00:00:00:00:00', tpa: o.tpa ?? '192.0.2.1' }));
}

function arpReply(o: { spa?: string } = {}): Uint8Array {
  return ether({ dst: BOND_MAC, src: TARGET_MAC, type: EtherType.ARP }, arp({ op: 2, sha: TARGET_MAC, spa: o.spa ?? '192.0.2.1', tha: BOND_MAC, tpa: '192.0.2.10' }));
}

const SRC6 = 'fe80::5eff:fe10:a';
const TARGET6 = '2001:db8::1';

/** An NS for 2001:db8::1 to its solicited-node group ff02::1:ff00:1. */
function nsRequest(target = TARGET6): Uint8Array {
  return ether({ dst: '33:33:ff:00:00:01', src: BOND_MAC, type: EtherType.IPV6 }, ipv6({ src: SRC6, dst: 'ff02::1:ff00:1', nxt: IpProto.ICMPV6, hopLimit: 255 }, ndSolicit(target, BOND_MAC)));
}

function naReply(): Uint8Array {
  return ether({ dst: BOND_MAC, src: TARGET_MAC, type: EtherType.IPV6 }, ipv6({ src: TARGET6, dst: SRC6, nxt: IpProto.ICMPV6, hopLimit: 255 }, ndAdvert(TARGET6, 0x40 | 0x20, TARGET_MAC)));
}

/** Feed [ms, frame] pairs captured on `link` (outgoing where the bond sends) and collect annotations per frame. */
function run(frames: Array<[number, Uint8Array]>, bonds: BondingInfo[] = [], link = 'eth1'): (readonly Annotation[])[] {
  const observer = new IpmpObserver(undefined, bonds);
  const pkt = new Packet();
  return frames.map(([ms, f]) => {
    const outgoing = f[6] === 0x02 && f[11] === 0x0a;
    decodeFrame(pkt, batchFor(f, { tsSec: 1_700_000_000 + Math.floor(ms / 1000), tsNsec: Math.round((ms % 1000) * 1e6), pktType: outgoing ? OUTGOING : 0 }), 0, LinkType.ETHERNET, 1);
    return observer.observe(pkt, link);
  });
}

const BOND0: BondingInfo = parseBonding('bond0', (f) =>
  ({ mode: 'active-backup 1\n', slaves: 'eth1 eth2\n', arp_ip_target: '192.0.2.1\n', ns_ip6_target: '2001:db8::1\n', arp_interval: '100\n', arp_missed_max: '2\n' })[f] ?? null,
);

describe('bonding ARP monitor', () => {
  it('annotates configured arp_ip_target requests and their replies as ARP-MON sent / acked', () => {
    const out = run([
      [0, arpRequest()],
      [0.3, arpReply()],
      [100, arpRequest()],
      [100.25, arpReply()],
    ], [BOND0]);
    expect(out.map((a) => a.map((x) => x.summary))).toEqual([
      ['bond0/eth1 → 192.0.2.1 ARP-MON sent'],
      ['bond0/eth1 → 192.0.2.1 ARP-MON acked 0.30ms'],
      ['bond0/eth1 → 192.0.2.1 ARP-MON sent (interval 100ms)'],
      ['bond0/eth1 → 192.0.2.1 ARP-MON acked 0.25ms'],
    ]);
    const sent = out[0][0];
    expect(sent.source).toBe('ipmp');
    expect(sent.json).toMatchObject({ group: 'bond0', iface: 'eth1', testaddr: '192.0.2.10', target: '192.0.2.1', kind: 'ARP-MON', seq: 1, state: 'sent', verdict: null, af: 4, monitor: 'bonding' });
    expect(out[1][0].json.netrttMs).toBeCloseTo(0.3, 6);
    expect(sent.detail).toContain('Monitor = bonding ARP monitor (arp_ip_target)');
  });

  it('leaves ordinary resolution alone, and recognises an unconfigured monitor by its steady re-broadcasts after answers', () => {
    const out = run([
      [0, arpRequest()],
      [0.2, arpReply()],
      [1000, arpRequest()],
      [1000.2, arpReply()],
      [2000, arpRequest()],
      [2000.2, arpReply()],
      [3000, arpRequest({ tpa: '192.0.2.2' })],
    ]);
    expect(out.slice(0, 4).flat()).toEqual([]);
    expect(out[4][0].summary).toBe('bond@02:00:5e:10:00:0a/eth1 → 192.0.2.1 ARP-MON sent (interval 1000ms)');
    expect(out[5][0].summary).toBe('bond@02:00:5e:10:00:0a/eth1 → 192.0.2.1 ARP-MON acked 0.20ms');
    // One request to a new address is just resolution.
    expect(out[6]).toEqual([]);
  });

  it('says when the slave would go down (arp_missed_max unanswered) and when it comes back', () => {
    const out = run([
      [0, arpRequest()],
      [0.2, arpReply()],
      [100, arpRequest()],
      [200, arpRequest()],
      [300, arpRequest()],
      [300.4, arpReply()],
    ], [BOND0]);
    expect(out[2][0].json.verdict).toBeNull();
    expect(out[3][0].json.verdict).toBeNull();
    expect(out[4][0].json.verdict).toBe('eth1 would be DOWN (2 ARP-MON requests to 192.0.2.1 unanswered; missed_max 2)');
    expect(out[5][0].summary).toBe('bond0/eth1 → 192.0.2.1 ARP-MON acked 0.40ms; eth1 UP again (192.0.2.1 answers)');
  });

  it("calls a request arriving on a backup slave what it is: another port's request, not one sent here", () => {
    const observer = new IpmpObserver(undefined, [BOND0]);
    const pkt = new Packet();
    decodeFrame(pkt, batchFor(arpRequest(), { tsSec: 1_700_000_000, pktType: 1 /* PACKET_BROADCAST */ }), 0, LinkType.ETHERNET, 1);
    const [a] = observer.observe(pkt, 'eth2');
    expect(a.summary).toBe("bond0/eth2 → 192.0.2.1 ARP-MON seen arriving (another port's request: arp_validate input)");
    expect(a.json.state).toBe('seen');
  });

  it('notes a 0.0.0.0 sender (no route) and ignores gratuitous ARP and unicast requests', () => {
    const out = run([
      [0, arpRequest({ spa: '0.0.0.0' })],
      [10, ether({ dst: BCAST, src: BOND_MAC, type: EtherType.ARP }, arp({ op: 1, sha: BOND_MAC, spa: '192.0.2.1', tha: '00:00:00:00:00:00', tpa: '192.0.2.1' }))],
      [20, arpRequest({ dst: TARGET_MAC, tha: TARGET_MAC })],
    ], [BOND0]);
    expect(out[0][0].summary).toBe('bond0/eth1 → 192.0.2.1 ARP-MON sent (sender 0.0.0.0: the bond has no route to the target)');
    expect(out[1]).toEqual([]);
    expect(out[2]).toEqual([]);
  });
});

describe('teamd arp_ping', () => {
  it('is recognised from its first request by the ff:ff:ff:ff:ff:ff target MAC', () => {
    const out = run([
      [0, arpRequest({ tha: BCAST, spa: '0.0.0.0' })],
      [0.5, arpReply()],
    ]);
    expect(out[0][0].summary).toBe('team@02:00:5e:10:00:0a/eth1 → 192.0.2.1 ARP-PING sent');
    expect(out[0][0].json.monitor).toBe('teamd');
    expect(out[1][0].summary).toBe('team@02:00:5e:10:00:0a/eth1 → 192.0.2.1 ARP-PING acked 0.50ms');
  });
});

describe('bonding NS monitor', () => {
  it('annotates configured ns_ip6_target solicitations and the advertisements answering them', () => {
    const out = run([
      [0, nsRequest()],
      [0.6, naReply()],
    ], [BOND0], 'eth2');
    expect(out[0][0].summary).toBe('bond0/eth2 → 2001:db8::1 NS-MON sent');
    expect(out[0][0].json).toMatchObject({ kind: 'NS-MON', af: 6, monitor: 'bonding', testaddr: SRC6 });
    expect(out[1][0].summary).toBe('bond0/eth2 → 2001:db8::1 NS-MON acked 0.60ms');
  });

  it('is not confused with ordinary resolution on a link outside the bond', () => {
    const out = run([
      [0, nsRequest()],
      [0.6, naReply()],
    ], [BOND0], 'eth9');
    expect(out.flat()).toEqual([]);
  });
});

describe('readBondingTargets', () => {
  const root = mkdtempSync(join(tmpdir(), 'dls-sysfs-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function link(name: string, bonding?: Record<string, string>): void {
    const dir = join(root, 'class', 'net', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'ifindex'), '3\n');
    if (!bonding) return;
    mkdirSync(join(dir, 'bonding'));
    for (const [f, text] of Object.entries(bonding)) writeFileSync(join(dir, 'bonding', f), text);
  }

  it('reads every bond: mode, slaves, ARP and NS targets, interval and missed_max', () => {
    link('eth1');
    link('bond0', { mode: 'active-backup 1\n', slaves: 'eth1 eth2\n', arp_ip_target: '192.0.2.1 192.0.2.2\n', ns_ip6_target: '2001:DB8:0::1\n', arp_interval: '100\n', arp_missed_max: '2\n' });
    // An older kernel: no arp_missed_max or ns_ip6_target; no slaves or targets yet.
    link('bond1', { mode: 'balance-rr 0\n', slaves: '\n', arp_ip_target: '\n', arp_interval: '0\n' });
    writeFileSync(join(root, 'class', 'net', 'bonding_masters'), 'bond0 bond1\n');
    expect(readBondingTargets(root)).toEqual([
      { name: 'bond0', mode: 'active-backup', slaves: ['eth1', 'eth2'], arpIpTargets: ['192.0.2.1', '192.0.2.2'], nsIp6Targets: ['2001:db8::1'], arpIntervalMs: 100, missedMax: 2 },
      { name: 'bond1', mode: 'balance-rr', slaves: [], arpIpTargets: [], nsIp6Targets: [], arpIntervalMs: 0, missedMax: null },
    ]);
  });

  it('gives no bonds for a missing sysfs tree', () => {
    expect(readBondingTargets(join(root, 'nope'))).toEqual([]);
  });
});
