// The observer against a real kernel: two member namespaces on a Linux bridge with IGMP/MLD
// snooping and its own querier. Members join with sockets (any-source, source-specific, IPv6),
// one leaves; we capture each bridge port with tcpdump, rebuild the table from the files and
// compare it with the bridge's mdb and the members' own /proc tables.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProcIgmp, parseProcIgmp6 } from '../../src/annotate/ilm/host-tables.js';
import { IlmObserver } from '../../src/annotate/ilm/observer.js';
import { ilmTableRows, type IlmTableRow } from '../../src/annotate/ilm/views.js';
import type { Annotation } from '../../src/annotate/annotation.js';
import { openFileSource } from '../../src/capture/file-source.js';
import { decode } from '../decode/l3-harness.js';
import { hasCommand } from '../helpers/tools.js';

const canRun = process.getuid?.() === 0 && hasCommand('ip') && hasCommand('tcpdump') && hasCommand('bridge');
if (!canRun && process.env.CI === 'true') throw new Error('live ilm test needs root, ip, bridge and tcpdump in CI');
if (!canRun) console.warn('skipping live ilm bridge test: needs root, ip, bridge and tcpdump');

const tag = `${process.pid}`;
const NS = { br: `dls-ilm-br-${tag}`, m1: `dls-ilm-m1-${tag}`, m2: `dls-ilm-m2-${tag}` };

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
}
const inNs = (ns: string, ...args: string[]): string => sh('ip', ['netns', 'exec', ns, ...args]);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A member's socket script: joins, optionally drops one group after `dropAfterMs`, lives `lifeMs`. */
function memberScript(joins: string, drop: string, lifeMs: number): string {
  return `
const dgram = require('dgram');
const s4 = dgram.createSocket({ type: 'udp4', reuseAddr: true });
const s6 = dgram.createSocket({ type: 'udp6', reuseAddr: true });
s4.bind(5000, () => s6.bind(5000, () => { ${joins}; setTimeout(() => { ${drop} }, 2500); }));
setTimeout(() => process.exit(0), ${lifeMs});`;
}

function startCapture(port: string, file: string): Promise<ChildProcess> {
  const p = spawn('ip', ['netns', 'exec', NS.br, 'timeout', '20', 'tcpdump', '-i', port, '-U', '-c', '500', '-w', file, 'igmp or ip6'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    p.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('listening on')) resolve(p);
    });
    p.on('exit', (code) => reject(new Error(`tcpdump on ${port} exited ${code}: ${err}`)));
  });
}

interface Captured {
  link: string;
  linkType: number;
  ts: number;
  tsSec: number;
  tsNsec: number;
  number: number;
  frame: Uint8Array;
}

/** Copy every frame out of a capture file (batches reuse their buffers). */
async function readCapture(file: string, link: string): Promise<Captured[]> {
  const src = await openFileSource(file);
  const out: Captured[] = [];
  for await (const b of src.batches()) {
    for (let i = 0; i < b.count; i++) {
      out.push({
        link, linkType: src.links[b.link[i]].linkType, ts: b.tsSec[i] + b.tsNsec[i] / 1e9, tsSec: b.tsSec[i], tsNsec: b.tsNsec[i],
        number: out.length + 1, frame: b.bytes.slice(b.offset[i], b.offset[i] + b.capLen[i]),
      });
    }
  }
  await src.close();
  return out;
}

/** Both port captures, merged in time order, through one observer. */
async function observe(files: Record<string, string>): Promise<{ observer: IlmObserver; notes: Annotation[] }> {
  const frames: Captured[] = [];
  for (const [link, file] of Object.entries(files)) frames.push(...(await readCapture(file, link)));
  frames.sort((a, b) => a.ts - b.ts);
  const observer = new IlmObserver();
  const notes: Annotation[] = [];
  for (const f of frames) {
    const pkt = decode(f.frame, f.linkType, { tsSec: f.tsSec, tsNsec: f.tsNsec, number: f.number });
    notes.push(...observer.observe(pkt, f.link));
  }
  return { observer, notes };
}

describe.runIf(canRun)('ilm observer against a snooping Linux bridge', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dls-ilm-live-'));
  const files = { p1: join(dir, 'p1.pcap'), p2: join(dir, 'p2.pcap') };
  const procs: ChildProcess[] = [];
  let mdb: Array<{ port: string; grp: string; src?: string; state?: string }> = [];
  let m1Igmp = '';
  let m1Igmp6 = '';
  let rows: IlmTableRow[] = [];
  /** Bridge port → MAC of the member behind it (reports to 224.0.0.22 / ff02::16 flood to every port). */
  const macOfPort = new Map<string, string>();
  let notes: Annotation[] = [];

  beforeAll(async () => {
    for (const ns of Object.values(NS)) sh('ip', ['netns', 'add', ns]);
    for (const m of [NS.m1, NS.m2]) inNs(m, 'sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0');
    inNs(NS.br, 'sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0');
    sh('ip', ['-n', NS.br, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '1', 'mcast_igmp_version', '3', 'mcast_mld_version', '2',
      'mcast_query_use_ifaddr', '1', 'mcast_query_interval', '400', 'mcast_query_response_interval', '100', 'mcast_startup_query_interval', '100']);
    sh('ip', ['-n', NS.br, 'addr', 'add', '192.0.2.1/24', 'dev', 'br0']);
    [['p1', NS.m1, '192.0.2.11'], ['p2', NS.m2, '192.0.2.12']].forEach(([port, ns, addr]) => {
      sh('ip', ['-n', NS.br, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      sh('ip', ['-n', NS.br, 'link', 'set', port, 'master', 'br0', 'up']);
      sh('ip', ['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0']);
      sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
    });
    sh('ip', ['-n', NS.br, 'link', 'set', 'br0', 'up']);
    for (const [port, ns] of [['p1', NS.m1], ['p2', NS.m2]]) {
      macOfPort.set(port, (JSON.parse(sh('ip', ['-n', ns, '-j', 'link', 'show', 'eth0'])) as Array<{ address: string }>)[0].address);
    }
    await sleep(300);
    procs.push(await startCapture('p1', files.p1), await startCapture('p2', files.p2));
    sh('ip', ['-n', NS.br, 'link', 'set', 'br0', 'type', 'bridge', 'mcast_querier', '1']);
    await sleep(500);
    const m1 = memberScript(
      `s4.addMembership('239.1.2.3', '192.0.2.11'); s4.addMembership('239.1.2.4', '192.0.2.11');
       s4.addSourceSpecificMembership('198.51.100.7', '232.1.1.1', '192.0.2.11'); s6.addMembership('ff15::1234', '::%eth0')`,
      `s4.dropMembership('239.1.2.4', '192.0.2.11')`, 9000);
    const m2 = memberScript(`s4.addMembership('239.1.2.3', '192.0.2.12')`, '', 9000);
    for (const [ns, script] of [[NS.m1, m1], [NS.m2, m2]]) {
      procs.push(spawn('ip', ['netns', 'exec', ns, 'timeout', '15', 'node', '-e', script], { stdio: 'ignore' }));
    }
    // Long enough for the joins, their retransmissions, the leave and a query round.
    await sleep(7000);
    mdb = (JSON.parse(inNs(NS.br, 'bridge', '-j', 'mdb', 'show')) as Array<{ mdb: typeof mdb }>).flatMap((d) => d.mdb ?? []);
    m1Igmp = inNs(NS.m1, 'cat', '/proc/net/igmp');
    m1Igmp6 = inNs(NS.m1, 'cat', '/proc/net/igmp6');
    await sleep(300);
    for (const p of procs.slice(0, 2)) p.kill('SIGINT');
    await Promise.all(procs.slice(0, 2).map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : p.on('exit', r)))));
    const seen = await observe(files);
    notes = seen.notes;
    rows = ilmTableRows(seen.observer);
  }, 40_000);

  afterAll(() => {
    for (const p of procs) if (p.exitCode === null && p.pid) p.kill('SIGKILL');
    for (const ns of Object.values(NS)) {
      try {
        sh('ip', ['netns', 'del', ns]);
      } catch {
        // Already gone (setup failed before creating it).
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  /** The row for `group` as seen on `port`, and whether the member behind `port` is in it. */
  const row = (port: string, group: string): IlmTableRow | undefined => rows.find((r) => r.link === port && r.group === group);
  const memberOf = (port: string, group: string): boolean => row(port, group)?.members.includes(macOfPort.get(port) ?? '?') ?? false;

  it('sees the bridge querier and every join as CREATE', () => {
    expect(notes.some((n) => n.json.event === 'QUERY' && n.json.querier === '192.0.2.1')).toBe(true);
    for (const g of ['239.1.2.3', '239.1.2.4', '232.1.1.1', 'ff15::1234']) {
      expect(notes.some((n) => n.json.event === 'CREATE' && n.json.group === g && n.json.link === 'p1')).toBe(true);
    }
  });

  it('rebuilds the membership of every snooped mdb entry', () => {
    const ours = mdb.filter((e) => /^(239\.1\.2\.|232\.1\.1\.1|ff15::1234)/.test(e.grp));
    expect(ours.length).toBeGreaterThanOrEqual(4);
    for (const e of ours) {
      const r = row(e.port, e.grp);
      expect(r, `${e.port} ${e.grp}`).toBeDefined();
      expect(memberOf(e.port, e.grp), `${e.port} ${e.grp}`).toBe(true);
      expect(['JOINING', 'MEMBER']).toContain(r?.state);
      if (e.src) expect(r?.sources).toContain(e.src);
    }
    expect(row('p1', '232.1.1.1')).toMatchObject({ mode: 'IN', sources: ['198.51.100.7'] });
    expect(row('p2', '239.1.2.3')).toMatchObject({ mode: 'EX', sources: [] });
  });

  it('agrees with the member\'s own tables, including the group it left', () => {
    const held = [...parseProcIgmp(m1Igmp), ...parseProcIgmp6(m1Igmp6)]
      .filter((g) => g.device === 'eth0' && /^(239|232)\.|^ff15:/.test(g.group))
      .map((g) => g.group).sort();
    expect(held).toEqual(['232.1.1.1', '239.1.2.3', 'ff15::1234']);
    for (const g of held) {
      expect(['JOINING', 'MEMBER']).toContain(row('p1', g)?.state);
      expect(memberOf('p1', g), g).toBe(true);
    }
    expect(memberOf('p2', '239.1.2.3')).toBe(true);
    expect(memberOf('p2', '232.1.1.1')).toBe(false);
    expect(notes.some((n) => n.json.event === 'REMOVE' && n.json.group === '239.1.2.4')).toBe(true);
    expect(['LEAVING', 'EXPIRED']).toContain(row('p1', '239.1.2.4')?.state);
    expect(mdb.some((e) => e.port === 'p1' && e.grp === '239.1.2.4')).toBe(false);
  });
});
