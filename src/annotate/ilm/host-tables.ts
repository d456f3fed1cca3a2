// The live Linux host's own membership tables (/proc/net/igmp, igmp6, mcfilter, mcfilter6,
// dev_mcast), the Linux counterparts of illumos ilm_t / ilm_filter / ill_mphysaddr_list. Parsers
// take the file text so tests feed fixtures; the reader takes a proc root so a caller can point it
// at a namespace's view or a fixture tree. No parser throws: lines that do not match are skipped.
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { ipv4String, ipv6String } from '../../decode/addr.js';
import { multicastMac } from './anomalies.js';
import type { Family } from './observation.js';
import type { FilterMode } from './membership.js';

/** Kernel timers in these files are clock_t ticks of USER_HZ = 100. */
const MS_PER_TICK = 10;

export interface ProcIgmpGroup {
  ifindex: number;
  device: string;
  /** Querier version the device has seen (IGMP_V1_SEEN / V2 / else V3). */
  querier: string;
  group: string;
  users: number;
  timerRunning: boolean;
  timerMs: number;
  /** This host sent the last report (Linux im->reporter, illumos IGMP_IREPORTEDLAST). */
  reporter: boolean;
}

export interface ProcIgmp6Group {
  ifindex: number;
  device: string;
  group: string;
  users: number;
  flags: number;
  timerRunning: boolean;
  lastReporter: boolean;
  /** Kernel-internal group never reported (ff02::1): MAF_NOREPORT, 0x08 on the kernels we read. */
  noReport: boolean;
  timerMs: number;
}

export interface ProcSourceFilter {
  ifindex: number;
  /** Truncated to 6 characters by the kernel's %6.6s; join on ifindex. */
  device: string;
  group: string;
  source: string;
  /** Sockets including / excluding this source. */
  include: number;
  exclude: number;
}

export interface ProcLinkMulticast {
  ifindex: number;
  device: string;
  refcount: number;
  global: number;
  /** Link-layer address, colon form (01:00:5e:00:00:01). */
  address: string;
}

export interface HostTables {
  igmp: ProcIgmpGroup[];
  igmp6: ProcIgmp6Group[];
  mcfilter: ProcSourceFilter[];
  mcfilter6: ProcSourceFilter[];
  devMcast: ProcLinkMulticast[];
}

const MAF_TIMER_RUNNING = 0x01;
const MAF_LAST_REPORTER = 0x02;
const MAF_NOREPORT = 0x08;

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** `%pi6`: 32 hex digits in network order. */
function ipv6FromHex(hex: string): string {
  return ipv6String(hexToBytes(hex), 0);
}

/**
 * /proc/net/igmp. The group column is the raw network-order __be32 printed as a host integer,
 * so on a little-endian host 224.0.0.1 reads `010000E0`.
 */
export function parseProcIgmp(text: string, littleEndian = endianness() === 'LE'): ProcIgmpGroup[] {
  const out: ProcIgmpGroup[] = [];
  let ifindex = -1;
  let device = '';
  let querier = '';
  for (const line of text.split('\n')) {
    const dev = /^(\d+)\t(\S+?)\s*:\s*(\d+)\s+(\S+)\s*$/.exec(line);
    if (dev) {
      ifindex = Number(dev[1]);
      device = dev[2];
      querier = dev[4];
      continue;
    }
    const grp = /^\t+([0-9A-Fa-f]{8})\s+(\d+)\s+([01]):([0-9A-Fa-f]+)\s+([01])\s*$/.exec(line);
    if (!grp || ifindex < 0) continue;
    const raw = parseInt(grp[1], 16) >>> 0;
    const addr = littleEndian
      ? (((raw & 255) << 24) | (((raw >>> 8) & 255) << 16) | (((raw >>> 16) & 255) << 8) | (raw >>> 24)) >>> 0
      : raw;
    out.push({
      ifindex, device, querier, group: ipv4String(addr), users: Number(grp[2]),
      timerRunning: grp[3] === '1', timerMs: parseInt(grp[4], 16) * MS_PER_TICK, reporter: grp[5] === '1',
    });
  }
  return out;
}

/** /proc/net/igmp6: `ifindex name group32hex users flags(hex) timer(decimal clock_t)`. */
export function parseProcIgmp6(text: string): ProcIgmp6Group[] {
  const out: ProcIgmp6Group[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+)\s+(\S+)\s+([0-9a-fA-F]{32})\s+(\d+)\s+([0-9A-Fa-f]+)\s+(-?\d+)\s*$/.exec(line);
    if (!m) continue;
    const flags = parseInt(m[5], 16);
    out.push({
      ifindex: Number(m[1]), device: m[2], group: ipv6FromHex(m[3]), users: Number(m[4]), flags,
      timerRunning: (flags & MAF_TIMER_RUNNING) !== 0, lastReporter: (flags & MAF_LAST_REPORTER) !== 0,
      noReport: (flags & MAF_NOREPORT) !== 0, timerMs: Math.max(0, Number(m[6])) * MS_PER_TICK,
    });
  }
  return out;
}

/** /proc/net/mcfilter: addresses printed with ntohl(), i.e. as the address's own value. */
export function parseProcMcfilter(text: string): ProcSourceFilter[] {
  const out: ProcSourceFilter[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(\S+)\s+0x([0-9a-fA-F]{8})\s+0x([0-9a-fA-F]{8})\s+(\d+)\s+(\d+)\s*$/.exec(line);
    if (!m) continue;
    out.push({
      ifindex: Number(m[1]), device: m[2], group: ipv4String(parseInt(m[3], 16) >>> 0),
      source: ipv4String(parseInt(m[4], 16) >>> 0), include: Number(m[5]), exclude: Number(m[6]),
    });
  }
  return out;
}

/** /proc/net/mcfilter6: `%3d %6.6s %pi6 %pi6 %6lu %6lu`. */
export function parseProcMcfilter6(text: string): ProcSourceFilter[] {
  const out: ProcSourceFilter[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(\S+)\s+([0-9a-fA-F]{32})\s+([0-9a-fA-F]{32})\s+(\d+)\s+(\d+)\s*$/.exec(line);
    if (!m) continue;
    out.push({
      ifindex: Number(m[1]), device: m[2], group: ipv6FromHex(m[3]), source: ipv6FromHex(m[4]),
      include: Number(m[5]), exclude: Number(m[6]),
    });
  }
  return out;
}

/** /proc/net/dev_mcast: `ifindex name refcount global_use address-hex`. */
export function parseProcDevMcast(text: string): ProcLinkMulticast[] {
  const out: ProcLinkMulticast[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+)\s+(\S+)\s+(\d+)\s+(\d+)\s+([0-9a-fA-F]+)\s*$/.exec(line);
    if (!m || m[5].length % 2 !== 0) continue;
    out.push({
      ifindex: Number(m[1]), device: m[2], refcount: Number(m[3]), global: Number(m[4]),
      address: m[5].toLowerCase().replace(/(..)(?!$)/g, '$1:'),
    });
  }
  return out;
}

function readOptional(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    // No IPv6, or an older kernel without the file: an empty table, not an error.
    return '';
  }
}

/** Read all five tables under `procRoot` (default /proc; a namespace's view when run inside one). */
export function readHostTables(procRoot = '/proc'): HostTables {
  const f = (name: string): string => readOptional(join(procRoot, 'net', name));
  return {
    igmp: parseProcIgmp(f('igmp')),
    igmp6: parseProcIgmp6(f('igmp6')),
    mcfilter: parseProcMcfilter(f('mcfilter')),
    mcfilter6: parseProcMcfilter6(f('mcfilter6')),
    devMcast: parseProcDevMcast(f('dev_mcast')),
  };
}

/** One host membership: the Linux ilm for (device, group), with its filter and L2 address. */
export interface HostMembership {
  family: Family;
  ifindex: number;
  device: string;
  group: string;
  users: number;
  reporter: boolean;
  timerRunning: boolean;
  timerMs: number;
  /** IGMP querier version the device uses (V1/V2/V3); null for IPv6 (not exported by Linux). */
  querier: string | null;
  mode: FilterMode;
  sources: string[];
  /** The link-layer multicast address programmed for it, and its reference count. */
  linkAddress: string | null;
  linkRefcount: number | null;
}

/**
 * The interface filter from per-source socket counts. Linux does not export the filter mode, so
 * it is estimated: any excluding socket ⇒ EXCLUDE of the sources every excluder blocks and no
 * includer wants; only including sockets that account for every user ⇒ INCLUDE of their union;
 * otherwise (an any-source join among them) ⇒ EXCLUDE{}.
 */
function filterOf(users: number, rows: ProcSourceFilter[]): { mode: FilterMode; sources: string[] } {
  if (rows.length === 0) return { mode: 'EX', sources: [] };
  const maxExclude = Math.max(...rows.map((r) => r.exclude));
  if (maxExclude > 0) {
    return { mode: 'EX', sources: rows.filter((r) => r.include === 0 && r.exclude === maxExclude).map((r) => r.source) };
  }
  const includeCount = rows.reduce((n, r) => n + r.include, 0);
  if (users > includeCount) return { mode: 'EX', sources: [] };
  return { mode: 'IN', sources: rows.map((r) => r.source) };
}

export function hostMemberships(t: HostTables): HostMembership[] {
  const l2 = new Map<string, ProcLinkMulticast>();
  for (const d of t.devMcast) l2.set(`${d.ifindex}|${d.address}`, d);
  const filters = (list: ProcSourceFilter[], ifindex: number, group: string): ProcSourceFilter[] =>
    list.filter((r) => r.ifindex === ifindex && r.group === group);
  const build = (
    family: Family, ifindex: number, device: string, group: string, users: number,
    reporter: boolean, timerRunning: boolean, timerMs: number, querier: string | null,
  ): HostMembership => {
    const mac = multicastMac(group);
    const link = mac === null ? undefined : l2.get(`${ifindex}|${mac}`);
    const f = filterOf(users, filters(family === 4 ? t.mcfilter : t.mcfilter6, ifindex, group));
    return {
      family, ifindex, device, group, users, reporter, timerRunning, timerMs, querier, mode: f.mode, sources: f.sources,
      linkAddress: link?.address ?? null, linkRefcount: link?.refcount ?? null,
    };
  };
  return [
    ...t.igmp.map((g) => build(4, g.ifindex, g.device, g.group, g.users, g.reporter, g.timerRunning, g.timerMs, g.querier)),
    ...t.igmp6.map((g) => build(6, g.ifindex, g.device, g.group, g.users, g.lastReporter, g.timerRunning, g.timerMs, null)),
  ];
}
