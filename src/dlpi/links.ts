// dlpi_walk: the links this host (this process's network namespace, as sysfs shows it) has, and
// the link-layer header type each one delivers. sysfs is read fresh on every call.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LinkType } from '../capture/frame.js';
import { Arphrd, macTypeForArphrd } from './dlpi.js';
import { DlpiErr, DlpiError } from './errors.js';

const IFF_UP = 0x1;
const IFF_RUNNING = 0x40;

export interface LinkEntry {
  name: string;
  ifIndex: number;
  /** ARPHRD_* (sysfs `type`). */
  arphrd: number;
  /** DLPI mac type for the ARPHRD type. */
  macType: number;
  /** LinkType.* our frames from this link carry, or null when we cannot capture it. */
  linkType: number | null;
  mac: Uint8Array;
  mtu: number;
  /** IFF_UP: administratively up. */
  up: boolean;
  /** IFF_RUNNING: up with carrier. */
  running: boolean;
  /** Kernel operstate: up, down, lowerlayerdown, dormant, unknown... */
  operState: string;
}

/**
 * The pcap link type of frames a raw packet socket delivers from a link of this ARPHRD type.
 * Loopback has an all-zero Ethernet header on Linux; tunnels and PPP carry bare IP.
 */
export function linkTypeForArphrd(arphrd: number): number | null {
  switch (arphrd) {
    case Arphrd.ETHER:
    case Arphrd.LOOPBACK:
      return LinkType.ETHERNET;
    case Arphrd.NONE:
    case Arphrd.PPP:
    case Arphrd.TUNNEL:
    case Arphrd.TUNNEL6:
    case Arphrd.SIT:
    case Arphrd.IPGRE:
      return LinkType.RAW;
    default:
      return null;
  }
}

/** Parse "aa:bb:..." as sysfs prints hardware addresses. */
export function parseHwAddr(text: string): Uint8Array {
  const t = text.trim();
  return t === '' ? new Uint8Array(0) : Uint8Array.from(t.split(':').map((h) => parseInt(h, 16)));
}

/** Every link, ordered by ifindex. `sysfsNet` is for tests and other mount points. */
export function walk(sysfsNet = '/sys/class/net'): LinkEntry[] {
  const links: LinkEntry[] = [];
  for (const name of readdirSync(sysfsNet)) {
    const dir = join(sysfsNet, name);
    const read = (attr: string): string | null => {
      try {
        return readFileSync(join(dir, attr), 'utf8').trim();
      } catch {
        return null;
      }
    };
    const ifIndex = Number(read('ifindex'));
    // Not a link directory (e.g. bonding_masters), or it vanished while we looked.
    if (!Number.isInteger(ifIndex) || ifIndex <= 0) continue;
    const arphrd = Number(read('type') ?? -1);
    const flags = Number(read('flags') ?? 0);
    links.push({
      name,
      ifIndex,
      arphrd,
      macType: macTypeForArphrd(arphrd),
      linkType: linkTypeForArphrd(arphrd),
      mac: parseHwAddr(read('address') ?? ''),
      mtu: Number(read('mtu') ?? 0),
      up: (flags & IFF_UP) !== 0,
      running: (flags & IFF_RUNNING) !== 0,
      operState: read('operstate') ?? 'unknown',
    });
  }
  return links.sort((a, b) => a.ifIndex - b.ifIndex);
}

/**
 * The link snoop picks without -d: the first link (by ifindex) that is up, not loopback, and of a
 * type we can capture.
 */
export function defaultLink(sysfsNet = '/sys/class/net'): string {
  const link = walk(sysfsNet).find((l) => l.up && l.arphrd !== Arphrd.LOOPBACK && l.linkType !== null);
  if (link === undefined) throw new DlpiError(DlpiErr.ENOLINK, { message: 'no network interface devices found' });
  return link.name;
}
