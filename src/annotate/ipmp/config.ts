// --ipmp-config: what the wire cannot tell us. Group and interface names, which MAC and test
// addresses belong to which interface, and the FAILURE_DETECTION_TIME the daemon was given.
//
//   { "fdt": 10000,
//     "groups": { "ipmp0": { "fdt": 10000,
//                            "interfaces": { "net0": { "mac": "00:10:18:aa:00:01",
//                                                      "testAddresses": ["192.0.2.10", "fe80::1"],
//                                                      "standby": false } } } } }
import { readFileSync } from 'node:fs';
import { ipv4String, ipv6String, parseIpv4, parseIpv6 } from '../../decode/addr.js';

/** in.mpathd refuses a FAILURE_DETECTION_TIME below 100 ms. */
export const MIN_FDT_MS = 100;

export class IpmpConfigError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(path ? `--ipmp-config ${path}: ${message}` : `--ipmp-config: ${message}`);
    this.name = 'IpmpConfigError';
  }
}

export interface IpmpInterfaceConfig {
  name: string;
  group: string;
  /** Lowercase two-digit colon form, or null when only test addresses identify the interface. */
  mac: string | null;
  /** Canonical text (dotted quad / RFC 5952). */
  testAddresses: string[];
  standby: boolean;
}

export interface IpmpGroupConfig {
  name: string;
  /** FAILURE_DETECTION_TIME in ms, null when not given (group, then file-level, then the 10 s default). */
  fdtMs: number | null;
  interfaces: IpmpInterfaceConfig[];
}

export interface IpmpConfig {
  groups: IpmpGroupConfig[];
}

export const EMPTY_IPMP_CONFIG: IpmpConfig = { groups: [] };

/** Canonical form of an IPv4 or IPv6 address, or null. */
export function canonicalAddress(text: string): string | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return ipv4String(v4);
  const v6 = parseIpv6(text);
  return v6 ? ipv6String(v6, 0) : null;
}

function canonicalMac(text: string): string | null {
  const m = /^([0-9a-f]{1,2})([:-][0-9a-f]{1,2}){5}$/i.exec(text);
  if (!m) return null;
  return text
    .split(/[:-]/)
    .map((p) => p.toLowerCase().padStart(2, '0'))
    .join(':');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(obj: Record<string, unknown>, allowed: string[], path: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new IpmpConfigError(path, `unknown key "${k}" (expected ${allowed.join(', ')})`);
  }
}

function readFdt(v: unknown, path: string): number | null {
  if (v === undefined) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < MIN_FDT_MS) {
    throw new IpmpConfigError(path, `must be an integer number of milliseconds >= ${MIN_FDT_MS}`);
  }
  return v;
}

/** Validate an already-parsed JSON value. */
export function validateIpmpConfig(value: unknown): IpmpConfig {
  if (!isObject(value)) throw new IpmpConfigError('', 'the top level must be an object with a "groups" key');
  checkKeys(value, ['fdt', 'groups'], '');
  const fileFdt = readFdt(value.fdt, 'fdt');
  if (!isObject(value.groups)) throw new IpmpConfigError('groups', 'must be an object mapping group names to groups');
  const seenMacs = new Map<string, string>();
  const seenAddrs = new Map<string, string>();
  const seenNames = new Set<string>();
  const groups: IpmpGroupConfig[] = [];
  for (const [gname, graw] of Object.entries(value.groups)) {
    const gpath = `groups.${gname}`;
    if (!isObject(graw)) throw new IpmpConfigError(gpath, 'must be an object with an "interfaces" key');
    checkKeys(graw, ['fdt', 'interfaces'], gpath);
    const fdtMs = readFdt(graw.fdt, `${gpath}.fdt`) ?? fileFdt;
    if (!isObject(graw.interfaces)) throw new IpmpConfigError(`${gpath}.interfaces`, 'must be an object mapping interface names to interfaces');
    const interfaces: IpmpInterfaceConfig[] = [];
    for (const [iname, iraw] of Object.entries(graw.interfaces)) {
      const ipath = `${gpath}.interfaces.${iname}`;
      if (!isObject(iraw)) throw new IpmpConfigError(ipath, 'must be an object');
      checkKeys(iraw, ['mac', 'testAddresses', 'standby'], ipath);
      if (seenNames.has(iname)) throw new IpmpConfigError(ipath, 'interface name used twice');
      seenNames.add(iname);
      let mac: string | null = null;
      if (iraw.mac !== undefined) {
        mac = typeof iraw.mac === 'string' ? canonicalMac(iraw.mac) : null;
        if (!mac) throw new IpmpConfigError(`${ipath}.mac`, `not a MAC address: ${JSON.stringify(iraw.mac)}`);
        const other = seenMacs.get(mac);
        if (other) throw new IpmpConfigError(`${ipath}.mac`, `${mac} is already the MAC of ${other}`);
        seenMacs.set(mac, iname);
      }
      const testAddresses: string[] = [];
      if (iraw.testAddresses !== undefined) {
        if (!Array.isArray(iraw.testAddresses)) throw new IpmpConfigError(`${ipath}.testAddresses`, 'must be an array of addresses');
        iraw.testAddresses.forEach((a, i) => {
          const addr = typeof a === 'string' ? canonicalAddress(a) : null;
          if (!addr) throw new IpmpConfigError(`${ipath}.testAddresses[${i}]`, `not an IPv4 or IPv6 address: ${JSON.stringify(a)}`);
          const other = seenAddrs.get(addr);
          if (other) throw new IpmpConfigError(`${ipath}.testAddresses[${i}]`, `${addr} is already a test address of ${other}`);
          seenAddrs.set(addr, iname);
          testAddresses.push(addr);
        });
      }
      if (!mac && testAddresses.length === 0) throw new IpmpConfigError(ipath, 'needs a "mac" or at least one entry in "testAddresses"');
      if (iraw.standby !== undefined && typeof iraw.standby !== 'boolean') throw new IpmpConfigError(`${ipath}.standby`, 'must be true or false');
      interfaces.push({ name: iname, group: gname, mac, testAddresses, standby: iraw.standby === true });
    }
    groups.push({ name: gname, fdtMs, interfaces });
  }
  return { groups };
}

/** Parse the text of a --ipmp-config file. */
export function parseIpmpConfig(text: string): IpmpConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new IpmpConfigError('', `not valid JSON (${(e as Error).message})`);
  }
  return validateIpmpConfig(value);
}

/** Read and validate a --ipmp-config file (the CLI's entry point; the observer itself does no I/O). */
export function loadIpmpConfig(path: string): IpmpConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new IpmpConfigError('', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseIpmpConfig(text);
}

/** The configured interface a probe belongs to: by MAC first, then by test address. */
export function findConfiguredInterface(config: IpmpConfig, mac: string, testAddr: string): IpmpInterfaceConfig | null {
  let byAddr: IpmpInterfaceConfig | null = null;
  for (const g of config.groups) {
    for (const i of g.interfaces) {
      if (i.mac !== null && i.mac === mac) return i;
      if (!byAddr && i.testAddresses.includes(testAddr)) byAddr = i;
    }
  }
  return byAddr;
}
