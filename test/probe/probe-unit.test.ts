// The prober's pure parts: in.mpathd's jittered timer, the ICMP id, and the checks on the link,
// test address and targets (against a made-up interface table, no kernel needed).
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { checkTarget, ProbeSetupError, resolveProbeLink, samePrefix } from '../../src/probe/link.js';
import { icmpIdFor, probeIntervalMs, ProbeSchedule } from '../../src/probe/schedule.js';

/** A deterministic stand-in for Math.random: a fixed cycle of values in [0, 1). */
function cycle(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length];
}

describe('ProbeSchedule (phyint_inst_timer)', () => {
  it('sends the first probe at once, then at base + [0.5, 1.0) x interval with the base moving one interval per tick', () => {
    const rnd = cycle([0.25, 0, 0.999, 0.5]);
    const s = new ProbeSchedule(1000, 100, rnd);
    expect(s.nextAtMs).toBe(1000);
    const sent: number[] = [];
    for (let i = 0; i < 5; i++) {
      sent.push(s.nextAtMs);
      s.advance(s.nextAtMs, 100);
    }
    // base starts at 1000 + 0.25*100; spreads: 0.5, 0.9995, 0.75, then 0.625 (0.25 again), 0.5.
    expect(sent[1]).toBeCloseTo(1025 + 50, 6);
    expect(sent[2]).toBeCloseTo(1125 + 99.95, 6);
    expect(sent[3]).toBeCloseTo(1225 + 75, 6);
    expect(sent[4]).toBeCloseTo(1325 + 62.5, 6);
  });

  it('keeps gaps within [0.5, 1.5) x interval with the interval as mean', () => {
    const s = new ProbeSchedule(0, 1428);
    const times: number[] = [];
    for (let i = 0; i < 4000; i++) {
      times.push(s.nextAtMs);
      s.advance(s.nextAtMs, 1428);
    }
    const gaps = times.slice(2).map((t, i) => t - times[i + 1]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(714);
    expect(Math.max(...gaps)).toBeLessThan(2142);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    expect(Math.abs(mean - 1428)).toBeLessThan(15);
  });

  it('skips ticks it woke up too late for, in whole intervals', () => {
    const s = new ProbeSchedule(0, 100, cycle([0]));
    s.advance(450, 100);
    expect(s.nextAtMs).toBeGreaterThan(450);
    expect(s.nextAtMs).toBe(550);
    expect(s.missed).toBe(5);
  });

  it('derives the interval and the ICMP id as in.mpathd does', () => {
    expect(probeIntervalMs(10_000)).toBe(1428);
    expect(probeIntervalMs(700)).toBe(100);
    expect(icmpIdFor(0x12d2, 0x302)).toBe(0xd202);
  });
});

const veth: NetworkInterfaceInfo[] = [
  { address: '192.0.2.10', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:5E:10:01:0A', internal: false, cidr: '192.0.2.10/24' },
  { address: 'fe80::5eff:fe10:10a', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:5e:10:01:0a', internal: false, cidr: 'fe80::5eff:fe10:10a/64', scopeid: 2 },
  { address: '2001:db8::10', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:5e:10:01:0a', internal: false, cidr: '2001:db8::10/64', scopeid: 0 },
];
const table = { veth0: veth };
const indexOf = (name: string): number => (name === 'veth0' ? 2 : 0);

function setupError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProbeSetupError);
    return (e as Error).message;
  }
  throw new Error('expected a ProbeSetupError');
}

describe('resolveProbeLink / checkTarget', () => {
  it('finds the test address on the link with its prefix, MAC and index', () => {
    const l = resolveProbeLink('veth0', '192.0.2.10', table, indexOf);
    expect(l).toMatchObject({ name: 'veth0', ifIndex: 2, mac: '02:00:5e:10:01:0a', family: 4, testAddr: '192.0.2.10', prefixLen: 24, ownAddrs: ['192.0.2.10'] });
    const l6 = resolveProbeLink('veth0', 'FE80:0::5eff:fe10:10a', table, indexOf);
    expect(l6).toMatchObject({ family: 6, testAddr: 'fe80::5eff:fe10:10a', prefixLen: 64 });
    expect(l6.ownAddrs).toEqual(['fe80::5eff:fe10:10a', '2001:db8::10']);
  });

  it('refuses unknown links, bad addresses, addresses not on the link and global IPv6 test addresses', () => {
    expect(setupError(() => resolveProbeLink('nope0', '192.0.2.10', table, indexOf))).toBe("unknown link 'nope0'");
    expect(setupError(() => resolveProbeLink('veth0', '192.0.2.300', table, indexOf))).toMatch(/^bad test address '192.0.2.300'/);
    expect(setupError(() => resolveProbeLink('veth0', '192.0.2.11', table, indexOf))).toBe('test address 192.0.2.11 is not configured on veth0');
    expect(setupError(() => resolveProbeLink('veth0', '2001:db8::10', table, indexOf))).toMatch(/not link-local/);
  });

  it('accepts on-subnet targets and refuses the rest as target_create would', () => {
    const l = resolveProbeLink('veth0', '192.0.2.10', table, indexOf);
    expect(checkTarget(l, '192.0.2.1')).toBe('192.0.2.1');
    expect(setupError(() => checkTarget(l, '198.51.100.1'))).toMatch(/not in the test address's subnet 192.0.2.10\/24/);
    expect(setupError(() => checkTarget(l, '192.0.2.10'))).toMatch(/address of veth0 itself/);
    expect(setupError(() => checkTarget(l, '224.0.0.1'))).toMatch(/all-nodes/);
    expect(setupError(() => checkTarget(l, 'fe80::1'))).toMatch(/not an IPv4 address/);
    const l6 = resolveProbeLink('veth0', 'fe80::5eff:fe10:10a', table, indexOf);
    expect(checkTarget(l6, 'fe80::5eff:fe10:10b')).toBe('fe80::5eff:fe10:10b');
    expect(setupError(() => checkTarget(l6, '2001:db8::1'))).toMatch(/subnet/);
  });

  it('compares prefixes bit by bit', () => {
    expect(samePrefix('192.0.2.1', '192.0.2.130', 24)).toBe(true);
    expect(samePrefix('192.0.2.1', '192.0.2.130', 25)).toBe(false);
    expect(samePrefix('192.0.2.1', '192.0.3.1', 23)).toBe(true);
    expect(samePrefix('fe80::1', 'fe80::2:0:0:1', 64)).toBe(true);
    expect(samePrefix('fe80::1', '192.0.2.1', 8)).toBe(false);
  });
});
