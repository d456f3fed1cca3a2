import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LinkType } from '../../src/capture/frame.js';
import { defaultLink, linkTypeForArphrd, parseHwAddr, walk } from '../../src/dlpi/links.js';
import { MacType } from '../../src/dlpi/dlpi.js';

describe('walk', () => {
  it('lists the same links, indexes and addresses as ip link (read-only, this namespace)', () => {
    const ipLinks = JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })) as { ifname: string; ifindex: number; address?: string; flags: string[] }[];
    const links = walk();
    expect(links.map((l) => [l.name, l.ifIndex])).toEqual(ipLinks.map((l) => [l.ifname, l.ifindex]).sort((a, b) => (a[1] as number) - (b[1] as number)));
    for (const l of ipLinks) {
      const w = links.find((x) => x.name === l.ifname)!;
      expect(w.up).toBe(l.flags.includes('UP'));
      if (l.address) expect(Array.from(w.mac)).toEqual(Array.from(parseHwAddr(l.address)));
    }
    const lo = links.find((l) => l.name === 'lo')!;
    expect([lo.arphrd, lo.macType, lo.linkType]).toEqual([772, MacType.LOOP, LinkType.ETHERNET]);
  });

  const dir = mkdtempSync(join(tmpdir(), 'dls-sysfs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  function fakeLink(name: string, attrs: Record<string, string>): void {
    mkdirSync(join(dir, name));
    for (const [k, v] of Object.entries(attrs)) writeFileSync(join(dir, name, k), v + '\n');
  }

  it('orders by ifindex, skips non-links, and picks the first up non-loopback link by default', () => {
    fakeLink('lo', { ifindex: '1', type: '772', flags: '0x9', address: '00:00:00:00:00:00', mtu: '65536', operstate: 'unknown' });
    fakeLink('net1', { ifindex: '3', type: '1', flags: '0x1003', address: '02:00:00:00:00:03', mtu: '1500', operstate: 'up' });
    fakeLink('net0', { ifindex: '2', type: '1', flags: '0x1002', address: '02:00:00:00:00:02', mtu: '1500', operstate: 'down' });
    fakeLink('tun0', { ifindex: '4', type: '65534', flags: '0x11', address: '', mtu: '1400', operstate: 'unknown' });
    writeFileSync(join(dir, 'bonding_masters'), 'bond0\n');
    const links = walk(dir);
    expect(links.map((l) => l.name)).toEqual(['lo', 'net0', 'net1', 'tun0']);
    expect(links[2]).toMatchObject({ up: true, running: false, operState: 'up', mtu: 1500, macType: MacType.ETHER, linkType: LinkType.ETHERNET });
    expect(links[3]).toMatchObject({ linkType: LinkType.RAW, mac: new Uint8Array(0) });
    expect(defaultLink(dir)).toBe('net1');
  });

  it('maps ARPHRD types to what a raw packet socket delivers', () => {
    expect(linkTypeForArphrd(1)).toBe(LinkType.ETHERNET);
    expect(linkTypeForArphrd(768)).toBe(LinkType.RAW);
    expect(linkTypeForArphrd(803)).toBeNull();
  });
});
