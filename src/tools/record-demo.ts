// Records fixtures/ipmp-demo.pcapng, the capture `npm start` browses: a real IPMP-style host on two
// links of a Linux bridge, probing two real Linux targets, with one path failing and coming back,
// one target going away, and multicast memberships joined and dropped through sockets.
//
//   node dist/tools/record-demo.js fixtures/ipmp-demo.pcapng      (as root; about 60 s)
//
// Lab (four private network namespaces dls-demo-<pid>-<role>, deleted at the end whatever happens):
//
//   host: net0 192.0.2.10/24 ─┐        lan: br0 192.0.2.254/24 (IGMP/MLD snooping and querier)
//         net1 192.0.2.11/24 ─┼─ veth ─ p-net0, p-net1, p-t1, p-t2
//   t1:   eth0 192.0.2.1/24  ─┤
//   t2:   eth0 192.0.2.2/24  ─┘
//
// Timeline (seconds after the capture starts; see fixtures/README.md):
//    0    dlsnoop -d net0 -d net1 -o ... runs in `host`; the bridge becomes querier
//    1    one prober process probes 192.0.2.1 and 192.0.2.2 from net0 and from net1 (FDT 2 s)
//    3    a socket joins 239.1.2.3 and 239.1.2.4 on net0 and ff15::1234 on net1
//   15    the bridge stops forwarding net1's port: net1's probes go unanswered (FAILED)
//   28    the socket drops 239.1.2.3 (IGMPv3 leave, group-specific queries)
//   35    net1's port forwards again (REPAIRED)
//   45    t2's link goes down: t2 stops answering and leaves the rotation (DEAD)
//  ~54    the probers reach their tick count; the capture gets SIGINT and closes the file
//
// Both links are probed by one process, as one in.mpathd probes every interface of a group: the
// ICMP ids share the PID byte, which is how the observer puts net0 and net1 in one group.
// Run with `--ipmp-daemon COUNT LINK=ADDR... -- TARGET...` inside `host`, this file is that process.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProber } from '../probe/prober.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DLSNOOP = join(ROOT, 'bin/dlsnoop');
const SELF = fileURLToPath(import.meta.url);

/** FAILURE_DETECTION_TIME of the probers: a probe every ~285 ms, FAILED after 5 losses. */
const FDT_MS = 2000;
/** Probe ticks per link: ~52 s at FDT/7 on average. */
const PROBE_TICKS = 182;
const TARGETS = ['192.0.2.1', '192.0.2.2'];
const LINKS = [
  { name: 'net0', addr: '192.0.2.10', mac: '02:00:00:00:00:10' },
  { name: 'net1', addr: '192.0.2.11', mac: '02:00:00:00:00:11' },
];
const TARGET_HOSTS = [
  { role: 't1', addr: '192.0.2.1', mac: '02:00:00:00:00:01' },
  { role: 't2', addr: '192.0.2.2', mac: '02:00:00:00:00:02' },
] as const;
/** Timeline, ms after the capture started. */
const AT = { probers: 1_000, members: 3_000, net1Down: 15_000, dropGroup: 28_000, net1Up: 35_000, t2Down: 45_000, latestStop: 58_000 };
/** Hard bound on every child process (seconds), in case this tool dies before its cleanup. */
const CHILD_LIMIT_S = '90';
/** Bridge port states (IFLA_BRPORT_STATE). */
const PORT_DISABLED = 0;
const PORT_FORWARDING = 3;

type Role = 'host' | 'lan' | 't1' | 't2';

function log(line: string): void {
  process.stdout.write(`[${new Date().toISOString().slice(11, 23)}] ${line}\n`);
}

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class DemoLab {
  readonly ns: Record<Role, string>;
  private readonly made: string[] = [];
  private readonly children: ChildProcess[] = [];

  constructor() {
    const tag = `dls-demo-${process.pid}`;
    this.ns = { host: `${tag}-host`, lan: `${tag}-lan`, t1: `${tag}-t1`, t2: `${tag}-t2` };
  }

  ip(role: Role, ...args: string[]): string {
    return run('ip', ['-n', this.ns[role], ...args]);
  }

  /**
   * Set a port of br0 to a bridge port state and check that it took (`ip link set ... type
   * bridge_slave state N` was accepted and silently ignored on the 6.18 kernel this was written
   * on; `bridge link set` works).
   */
  portState(port: string, state: number): void {
    run('bridge', ['-n', this.ns.lan, 'link', 'set', 'dev', port, 'state', String(state)]);
    const shown = JSON.parse(run('bridge', ['-n', this.ns.lan, '-j', 'link', 'show', 'dev', port])) as Array<{ state?: string }>;
    const want = state === PORT_DISABLED ? 'disabled' : 'forwarding';
    if (shown[0]?.state !== want) throw new Error(`${port} is ${shown[0]?.state ?? 'unknown'}, not ${want}`);
  }

  sysctl(role: Role, ...settings: string[]): void {
    run('ip', ['netns', 'exec', this.ns[role], 'sysctl', '-qw', ...settings]);
  }

  build(): void {
    for (const role of ['host', 'lan', 't1', 't2'] as const) {
      run('ip', ['netns', 'add', this.ns[role]]);
      this.made.push(this.ns[role]);
      this.ip(role, 'link', 'set', 'lo', 'up');
    }
    // Two links on one subnet: each answers ARP only for its own address and announces it from
    // the right link (no ARP flux, so a reply always comes back on the link its probe left), and
    // replies arriving on net1 for a subnet routed first via net0 must not be dropped.
    this.sysctl('host', 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0');

    this.ip('lan', 'link', 'add', 'br0', 'address', '02:00:00:00:00:fe', 'type', 'bridge',
      'mcast_snooping', '1', 'mcast_igmp_version', '3', 'mcast_mld_version', '2', 'mcast_query_use_ifaddr', '1',
      'mcast_query_interval', '1000', 'mcast_query_response_interval', '500',
      'mcast_startup_query_interval', '250', 'mcast_startup_query_count', '2');
    this.ip('lan', 'addr', 'add', '192.0.2.254/24', 'dev', 'br0');
    this.ip('lan', 'link', 'set', 'br0', 'up');
    // br0 keeps IPv6 (the MLD querier needs its link-local address); the bridge ports made from
    // here on have none, so they send no ND/MLD of their own into the capture.
    this.sysctl('lan', 'net.ipv6.conf.default.disable_ipv6=1');

    for (const l of LINKS) {
      this.ip('host', 'link', 'add', l.name, 'address', l.mac, 'type', 'veth', 'peer', 'name', `p-${l.name}`, 'netns', this.ns.lan);
      this.ip('lan', 'link', 'set', `p-${l.name}`, 'master', 'br0', 'up');
      // No unknown-unicast flooding towards the host: when a target's port goes down its MAC is
      // forgotten, and probes to it must not reappear as foreign frames on the host's other link.
      this.ip('lan', 'link', 'set', `p-${l.name}`, 'type', 'bridge_slave', 'flood', 'off');
      this.ip('host', 'addr', 'add', `${l.addr}/24`, 'dev', l.name);
      this.ip('host', 'link', 'set', l.name, 'up');
    }
    // The net1 outage is a path failure beyond the link (carrier stays up): keep the host's ARP
    // entries on net1 valid through it, so its probes keep leaving and are seen unanswered,
    // rather than stalling behind a failed ARP resolution.
    this.sysctl('host', 'net.ipv4.neigh.net1.base_reachable_time_ms=120000');

    for (const t of TARGET_HOSTS) {
      this.ip(t.role, 'link', 'add', 'eth0', 'address', t.mac, 'type', 'veth', 'peer', 'name', `p-${t.role}`, 'netns', this.ns.lan);
      this.ip('lan', 'link', 'set', `p-${t.role}`, 'master', 'br0', 'up');
      this.ip(t.role, 'addr', 'add', `${t.addr}/24`, 'dev', 'eth0');
      this.ip(t.role, 'link', 'set', 'eth0', 'up');
    }
  }

  /**
   * Start `args` inside namespace `role`, bounded by timeout(1); output lines go to `onLine`.
   * --foreground: otherwise timeout passes a signal both to its child and to its whole process
   * group, and the capture, seeing SIGINT twice, would quit without draining (its "second
   * signal" exit).
   */
  spawnIn(role: Role, args: string[], onLine: (line: string, stream: 'out' | 'err') => void): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.ns[role], 'timeout', '--foreground', '--kill-after=5', CHILD_LIMIT_S, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.push(child);
    for (const [stream, pipe] of [['out', child.stdout], ['err', child.stderr]] as const) {
      let rest = '';
      pipe?.on('data', (d: Buffer) => {
        const lines = (rest + d.toString()).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) onLine(line, stream);
      });
    }
    return child;
  }

  /**
   * Stop every child still running, each by its own pid: SIGTERM first, which timeout(1) passes
   * on to the program it runs (a SIGKILL would kill timeout and orphan the program), SIGKILL
   * after a grace period. Then delete the namespaces.
   */
  async destroy(): Promise<void> {
    const running = this.children.filter((child) => child.exitCode === null && child.signalCode === null && child.pid);
    for (const child of running) child.kill('SIGTERM');
    const stopped = await Promise.all(running.map((child) => exited(child, 3_000)));
    running.forEach((child, i) => {
      if (!stopped[i]) child.kill('SIGKILL');
    });
    for (const ns of this.made.splice(0)) {
      try {
        run('ip', ['netns', 'del', ns]);
      } catch (e) {
        log(`could not delete namespace ${ns}: ${(e as Error).message}`);
      }
    }
  }
}

function exited(child: ChildProcess, limitMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((res) => {
    const timer = setTimeout(() => res(false), limitMs);
    child.once('exit', () => {
      clearTimeout(timer);
      res(true);
    });
  });
}

/**
 * A socket that joins groups and later drops one; IGMPv3/MLDv2 reports come from the kernel. It
 * lives until it is stopped after the capture (bounded by a timer of its own), so the groups it
 * still holds are memberships at the end of the file.
 */
function memberScript(dropAfterMs: number): string {
  const [net0, net1] = LINKS;
  return `
const dgram = require('dgram');
const s4 = dgram.createSocket({ type: 'udp4', reuseAddr: true });
const s6 = dgram.createSocket({ type: 'udp6', reuseAddr: true });
setTimeout(() => process.exit(0), ${dropAfterMs + 60_000});
s4.bind(5000, () => s6.bind(5000, () => {
  s4.addMembership('239.1.2.3', '${net0.addr}');
  s4.addMembership('239.1.2.4', '${net0.addr}');
  s6.addMembership('ff15::1234', '::%${net1.name}');
  console.log('joined 239.1.2.3 and 239.1.2.4 on ${net0.name}, ff15::1234 on ${net1.name}');
  setTimeout(() => { s4.dropMembership('239.1.2.3', '${net0.addr}'); console.log('dropped 239.1.2.3'); }, ${dropAfterMs});
}));`;
}

async function record(outPath: string): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('record-demo needs root (network namespaces and raw sockets)');
  const lab = new DemoLab();
  const work = mkdtempSync(join(tmpdir(), 'dls-demo-'));
  const capturePath = join(work, 'ipmp-demo.pcapng');
  try {
    lab.build();
    log(`lab up: ${Object.values(lab.ns).join(' ')}`);

    let captureReady: () => void = () => {};
    const ready = new Promise<void>((r) => (captureReady = r));
    const capture = lab.spawnIn('host', [process.execPath, DLSNOOP, ...LINKS.flatMap((l) => ['-d', l.name]), '-o', capturePath, '-q'], (line) => {
      log(`capture: ${line}`);
      if (line.startsWith('Using device')) captureReady();
    });
    const started = await Promise.race([ready.then(() => true), exited(capture, 10_000).then(() => false)]);
    if (!started) throw new Error('the capture did not start');
    const t0 = Date.now();
    const until = (ms: number): Promise<void> => sleep(Math.max(0, t0 + ms - Date.now()));

    // Querier on once the capture runs, so its startup queries are in the file.
    lab.ip('lan', 'link', 'set', 'br0', 'type', 'bridge', 'mcast_querier', '1');

    await until(AT.probers);
    const daemonArgs = [String(PROBE_TICKS), ...LINKS.map((l) => `${l.name}=${l.addr}`), '--', ...TARGETS];
    const probers = lab.spawnIn('host', [process.execPath, SELF, '--ipmp-daemon', ...daemonArgs], (line) => {
      // Everything but the ipmpstat -p rows (verdicts, notes, the start and summary lines).
      if (!/^\S+: +(TIME|\d+\.\d+s) /.test(line)) log(`probe ${line}`);
    });

    await until(AT.members);
    const member = lab.spawnIn('host', [process.execPath, '-e', memberScript(AT.dropGroup - AT.members)], (line) => log(`member: ${line}`));

    await until(AT.net1Down);
    lab.portState('p-net1', PORT_DISABLED);
    log('p-net1 disabled on br0: net1 cut off');

    await until(AT.net1Up);
    lab.portState('p-net1', PORT_FORWARDING);
    log('p-net1 forwarding again: net1 back');

    await until(AT.t2Down);
    lab.ip('t2', 'link', 'set', 'eth0', 'down');
    log('t2 eth0 down: target 192.0.2.2 gone');

    const done = await exited(probers, Math.max(1_000, t0 + AT.latestStop - Date.now()));
    if (!done) log('probers still running at the latest stop time: stopping them');
    if (!done && probers.pid) probers.kill('SIGINT');
    await exited(probers, 3_000);
    await sleep(1_000);

    capture.kill('SIGINT');
    if (!(await exited(capture, 15_000))) throw new Error('the capture did not exit after SIGINT');
    if (capture.exitCode !== 0) throw new Error(`the capture exited with status ${capture.exitCode}`);
    member.kill('SIGTERM');
    await exited(member, 3_000);
    log(`capture closed after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    copyFileSync(capturePath, outPath);
    log(`${outPath}: ${statSync(outPath).size} bytes`);
  } finally {
    await lab.destroy();
    rmSync(work, { recursive: true, force: true });
  }
}

/** The prober process: every LINK=ADDR probed concurrently from this one process. */
async function ipmpDaemon(args: string[]): Promise<number> {
  const split = args.indexOf('--');
  const count = Number(args[0]);
  const links = args.slice(1, split).map((a) => a.split('='));
  const targets = args.slice(split + 1);
  const statuses = await Promise.all(
    links.map(([link, testAddr]) =>
      runProber({ link, testAddr, format: 'ns64', fdtMs: FDT_MS, count, targets }, (line) => void process.stdout.write(`${link}: ${line}\n`)),
    ),
  );
  return Math.max(...statuses);
}

async function main(args: string[]): Promise<number> {
  if (args[0] === '--ipmp-daemon') return ipmpDaemon(args.slice(1));
  if (args.length !== 1) {
    process.stderr.write('usage: node dist/tools/record-demo.js OUTPUT.pcapng\n');
    return 2;
  }
  try {
    await record(resolve(args[0]));
    return 0;
  } catch (e) {
    process.stderr.write(`record-demo: ${(e as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1]?.endsWith('record-demo.js')) process.exitCode = await main(process.argv.slice(2));
