// Checking what the user asked to probe from, the way in.mpathd picks a test address: the address
// must be configured on the link, an IPv6 one must be link-local, and a target must lie in the
// test address's subnet (target_create's prefix_equal) and not be one of our own addresses.
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { isLinkLocalText, parseIpv4, parseIpv6 } from '../decode/addr.js';
import { canonicalAddress } from '../annotate/ipmp/config.js';
import { isAllNodes } from '../annotate/ipmp/recognise.js';
import { ifNametoindex } from '../dlpi/libc.js';

/** Bad input to `dlsnoop probe`: printed as one line, exit status 1. */
export class ProbeSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProbeSetupError';
  }
}

export interface ProbeLink {
  name: string;
  ifIndex: number;
  /** Lowercase two-digit colon form. */
  mac: string;
  family: 4 | 6;
  /** Canonical text. */
  testAddr: string;
  prefixLen: number;
  /** Every address of the link in this family (canonical), to refuse our own as a target. */
  ownAddrs: string[];
}

function addrBytes(text: string): Uint8Array | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return Uint8Array.of(v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255);
  return parseIpv6(text);
}

/** Do `a` and `b` share their first `prefixLen` bits? */
export function samePrefix(a: string, b: string, prefixLen: number): boolean {
  const x = addrBytes(a);
  const y = addrBytes(b);
  if (!x || !y || x.length !== y.length) return false;
  for (let bit = 0; bit < prefixLen; bit += 8) {
    const mask = prefixLen - bit >= 8 ? 0xff : (0xff00 >> (prefixLen - bit)) & 0xff;
    if ((x[bit >> 3] & mask) !== (y[bit >> 3] & mask)) return false;
  }
  return true;
}

/**
 * Find the link and the test address on it. `interfaces` and `indexOf` default to the running
 * system (this process's network namespace).
 */
export function resolveProbeLink(
  link: string,
  testAddr: string,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
  indexOf: (name: string) => number = ifNametoindex,
): ProbeLink {
  const ifIndex = link.length > 0 && link.length < 16 ? indexOf(link) : 0;
  if (!ifIndex) throw new ProbeSetupError(`unknown link '${link}'`);
  const addr = canonicalAddress(testAddr);
  if (!addr) throw new ProbeSetupError(`bad test address '${testAddr}': not an IPv4 or IPv6 address`);
  const family = parseIpv4(addr) !== null ? 4 : 6;
  if (family === 6 && !isLinkLocalText(addr)) throw new ProbeSetupError(`test address ${addr} is not link-local: in.mpathd probes IPv6 from a link-local address`);
  const entries = interfaces[link] ?? [];
  const own = entries.filter((e) => (family === 4 ? e.family === 'IPv4' : e.family === 'IPv6'));
  const entry = own.find((e) => canonicalAddress(e.address) === addr);
  if (!entry) throw new ProbeSetupError(`test address ${addr} is not configured on ${link}`);
  const prefixLen = Number((entry.cidr ?? '').split('/')[1] ?? (family === 4 ? 32 : 128));
  return {
    name: link,
    ifIndex,
    mac: entry.mac.toLowerCase(),
    family,
    testAddr: addr,
    prefixLen,
    ownAddrs: own.map((e) => canonicalAddress(e.address) ?? e.address),
  };
}

/** A target given on the command line, checked as target_create would; returns its canonical text. */
export function checkTarget(link: ProbeLink, text: string): string {
  const addr = canonicalAddress(text);
  if (!addr) throw new ProbeSetupError(`bad target '${text}': not an IPv4 or IPv6 address`);
  if ((parseIpv4(addr) !== null ? 4 : 6) !== link.family) throw new ProbeSetupError(`target ${addr} is not an IPv${link.family} address like the test address ${link.testAddr}`);
  if (isAllNodes(addr)) throw new ProbeSetupError(`target ${addr} is the all-nodes group: give no target to discover targets with PROBE_MULTI`);
  if (link.ownAddrs.includes(addr)) throw new ProbeSetupError(`target ${addr} is an address of ${link.name} itself`);
  if (!samePrefix(addr, link.testAddr, link.prefixLen)) throw new ProbeSetupError(`target ${addr} is not in the test address's subnet ${link.testAddr}/${link.prefixLen}`);
  return addr;
}
