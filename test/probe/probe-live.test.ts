// `dlsnoop probe` against a real Linux target: a "host" namespace probing over a veth pair into a
// "target" namespace. The CLI runs as the user would run it (`ip netns exec HOST node bin/dlsnoop
// probe ...`, from dist/); runProber runs in-process (sockets opened inside the namespace) for
// the format, discovery and IPv6 variants. The target is taken away by making its kernel ignore
// echo requests (ARP keeps working, so only probe replies stop) and brought back the same way.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { runProber, type ProbeOptions } from '../../src/probe/prober.js';
import { NetnsLab, liveTestsEnabled } from '../helpers/netns.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const HOST_ADDR = '192.0.2.10';
const TARGET_ADDR = '192.0.2.1';
// EUI-64 link-locals of the fixed veth MACs (02:00:5e:10:01:0a / :0b).
const HOST_LL = 'fe80::5eff:fe10:10a';
const TARGET_LL = 'fe80::5eff:fe10:10b';

interface Row {
  line: number;
  seq: number;
  /** NETRTT in ms, null for a LOST probe. */
  rttMs: number | null;
  target: string;
}

/** ipmpstat -p rows: TIME INTERFACE PROBE NETRTT RTT RTTAVG TARGET. */
function rows(lines: string[]): Row[] {
  const out: Row[] = [];
  lines.forEach((l, line) => {
    const m = /^(\d+\.\d\d)s\s+veth0\s+(\d+)\s+(\S+)\s+\S+\s+\S+\s+(\S+)$/.exec(l);
    if (m) out.push({ line, seq: Number(m[2]), rttMs: m[3] === '--' ? null : parseFloat(m[3]), target: m[4] });
  });
  return out;
}

function verdicts(lines: string[]): Array<{ line: number; text: string }> {
  return lines.flatMap((text, line) => (text.startsWith('verdict') ? [{ line, text }] : []));
}

/** The first run of `n` consecutive seqs (in seq order) that satisfy `pred`, at or after `from`. */
function firstRun(all: Row[], n: number, pred: (r: Row) => boolean, from = 0): number[] {
  const bySeq = [...all].sort((a, b) => a.seq - b.seq).filter((r) => r.seq >= from);
  let run: number[] = [];
  for (const r of bySeq) {
    run = pred(r) && (run.length === 0 || r.seq === run[run.length - 1] + 1) ? [...run, r.seq] : pred(r) ? [r.seq] : [];
    if (run.length === n) return run;
  }
  return [];
}

/** dist/ must hold a build of the current sources: bin/dlsnoop runs the bundle in dist/bundle/. */
function distIsFresh(): string | null {
  const newest = (dir: string): number => Math.max(...readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => statSync(`${dir}/${f}`).mtimeMs));
  try {
    const built = statSync(`${ROOT}dist/bundle/cli.js`).mtimeMs;
    if (built < newest(`${ROOT}src/probe`)) return 'dist/bundle is older than src/probe';
    return null;
  } catch {
    return 'dist/bundle/cli.js is missing';
  }
}

describe.runIf(liveTestsEnabled())('dlsnoop probe against a Linux target in network namespaces', () => {
  const lab = new NetnsLab('probe');
  let host: string;
  let target: string;

  const targetSysctl = (setting: string): void => void execFileSync('ip', ['netns', 'exec', target, 'sysctl', '-qw', setting]);

  /** The CLI process of the current test, for signalling it. */
  let running: ChildProcess | null = null;

  /** Run the CLI in the host namespace; `onLine` sees every stdout line as it arrives. Bounded by --count and a kill timer. */
  function cli(args: string[], onLine: (line: string, all: string[]) => void = () => {}): Promise<{ status: number | null; lines: string[]; stderr: string }> {
    return new Promise((resolve, reject) => {
      const proc = spawn('ip', ['netns', 'exec', host, process.execPath, `${ROOT}bin/dlsnoop`, 'probe', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      running = proc;
      const lines: string[] = [];
      let stderr = '';
      proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      createInterface({ input: proc.stdout }).on('line', (l) => {
        lines.push(l);
        onLine(l, lines);
      });
      const killer = setTimeout(() => proc.kill('SIGKILL'), 40_000);
      proc.on('error', reject);
      proc.on('close', (status) => {
        clearTimeout(killer);
        running = null;
        resolve({ status, lines, stderr });
      });
    });
  }

  async function inProcess(o: Partial<ProbeOptions>): Promise<{ status: number; lines: string[]; errors: string[] }> {
    const lines: string[] = [];
    const errors: string[] = [];
    const opts: ProbeOptions = { link: 'veth0', testAddr: HOST_ADDR, format: 'ns64', fdtMs: 700, count: 8, targets: [TARGET_ADDR], ...o };
    // runProber resolves the link and opens its socket before its first await, i.e. inside `host`.
    const status = await lab.inside(host, () => runProber(opts, (l) => lines.push(l), (l) => errors.push(l)));
    return { status, lines, errors };
  }

  beforeAll(() => {
    host = lab.addNamespace();
    target = lab.addNamespace();
    // NetnsLab turns IPv6 off; these tests want the automatic fe80:: addresses, without DAD delay.
    for (const ns of [host, target]) {
      execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=0', 'net.ipv6.conf.default.disable_ipv6=0', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    }
    lab.addVeth(host, target, { a: 'veth0', b: 'veth1' });
    lab.ip(host, 'addr', 'add', `${HOST_ADDR}/24`, 'dev', 'veth0');
    lab.ip(target, 'addr', 'add', `${TARGET_ADDR}/24`, 'dev', 'veth1');
  });

  afterAll(() => lab.destroy());

  it('dist/ is built from the current sources (the CLI tests run bin/dlsnoop)', () => {
    expect(distIsFresh(), 'run `npm run build` first').toBeNull();
  });

  it('CLI: every probe to a live target is acked, with a sane RTT', async () => {
    const r = await cli(['-d', 'veth0', '--test-addr', HOST_ADDR, '--fdt', '1000', '--count', '15', TARGET_ADDR]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.lines[0]).toMatch(/^PROBE veth0 from 192\.0\.2\.10 \(ICMP id 0x[0-9a-f]{4}, ns64, FDT 1000 ms, probe interval 142 ms\) targets 192\.0\.2\.1$/);
    const rs = rows(r.lines);
    expect(rs.map((x) => x.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    for (const x of rs) {
      expect(x.target).toBe(TARGET_ADDR);
      expect(x.rttMs).not.toBeNull();
      expect(x.rttMs!).toBeGreaterThan(0);
      expect(x.rttMs!).toBeLessThan(50);
    }
    expect(verdicts(r.lines)).toEqual([]);
    expect(r.lines.at(-1)).toBe('veth0: 15 probes sent, 15 acked, 0 lost, 0 unknown; targets 192.0.2.1; state OK');
  });

  it('CLI: FAILED right after the 5th consecutive loss, REPAIRED right after the 10th consecutive ack', async () => {
    // Moved on by the line callback: `as` keeps TypeScript from narrowing it to 'up' out here.
    let phase = 'up' as 'up' | 'away' | 'back';
    try {
      const r = await cli(['-d', 'veth0', '--test-addr', HOST_ADDR, '--format', 'ms32', '--fdt', '1000', '--count', '45', TARGET_ADDR], (_line, all) => {
        const rs = rows(all);
        if (phase === 'up' && rs.filter((x) => x.rttMs !== null).length >= 6) {
          phase = 'away';
          targetSysctl('net.ipv4.icmp_echo_ignore_all=1');
        } else if (phase === 'away' && rs.filter((x) => x.rttMs === null).length >= 8) {
          phase = 'back';
          targetSysctl('net.ipv4.icmp_echo_ignore_all=0');
        }
      });
      // On failure, show the run: the order of rows and verdicts is the whole point.
      onTestFailed(() => console.error(r.lines.join('\n')));
      expect(r.status).toBe(0);
      expect(phase).toBe('back');
      const rs = rows(r.lines);
      const vs = verdicts(r.lines);
      const rowLine = (seq: number): number => rs.find((x) => x.seq === seq)!.line;

      // in.mpathd judges at its ticks, where the newest probe counts only once its deadline has
      // passed and the one before is forced LOST: the 5th loss can become known at the same tick
      // as the 6th. The verdict comes at the first tick with 5 resolved consecutive losses.
      const lost = firstRun(rs, 5, (x) => x.rttMs === null);
      expect(lost).toHaveLength(5);
      const failed = /^verdict after probe #(\d+): veth0 FAILED \(lost #(\d+)-#(\d+)\)$/.exec(vs[0].text);
      expect(failed, vs[0].text).not.toBeNull();
      const [after, first, last] = failed!.slice(1).map(Number);
      expect(first).toBe(lost[0]);
      expect(after).toBe(last);
      // Six only when the 5th and 6th losses became known at the same tick: their rows come
      // together, oldest first, right before the verdict.
      expect(last - first + 1 === 5 || (last - first + 1 === 6 && rowLine(last) === rowLine(lost[4]) + 1), `lost #${first}-#${last}`).toBe(true);
      // Printed right after the rows that made the 5th loss known, before any later probe's row.
      for (let seq = first; seq <= last; seq++) expect(rs.find((x) => x.seq === seq)!.rttMs).toBeNull();
      expect(vs[0].line).toBe(Math.max(...Array.from({ length: last - first + 1 }, (_, k) => rowLine(first + k))) + 1);
      expect(vs[0].line).toBeLessThan(Math.min(...rs.filter((x) => x.seq > last).map((x) => x.line)));
      // Nothing was lost before the target went away.
      expect(rs.filter((x) => x.seq < lost[0]).every((x) => x.rttMs !== null)).toBe(true);

      // Acks resolve as replies arrive; the repair is judged at the next tick, once the 10th ack is
      // in. (Were the 10th reply to come after the next tick, the daemon would see it one tick
      // later, with 11 acks.)
      const lastLost = Math.max(...rs.filter((x) => x.rttMs === null).map((x) => x.seq));
      const acked = firstRun(rs, 10, (x) => x.rttMs !== null, lastLost + 1);
      expect(acked).toHaveLength(10);
      const repaired = /^verdict after probe #(\d+): veth0 REPAIRED \(acked #(\d+)-#(\d+)\)$/.exec(vs[1].text);
      expect(repaired, vs[1].text).not.toBeNull();
      const [afterAck, firstAck, lastAck] = repaired!.slice(1).map(Number);
      expect(firstAck).toBe(acked[0]);
      expect(afterAck).toBe(lastAck);
      expect([acked[9], acked[9] + 1], `acked #${firstAck}-#${lastAck}`).toContain(lastAck);
      expect(vs[1].line).toBe(rowLine(lastAck) + 1);
      expect(vs[1].line).toBeLessThan(Math.min(...rs.filter((x) => x.seq > lastAck).map((x) => x.line)));
      expect(vs).toHaveLength(2);
      expect(r.lines.at(-1)).toMatch(/^veth0: 45 probes sent, \d+ acked, \d+ lost, 0 unknown; targets 192\.0\.2\.1; state OK$/);
    } finally {
      if (phase === 'away') targetSysctl('net.ipv4.icmp_echo_ignore_all=0');
    }
  });

  it('CLI: without --count, SIGINT stops it cleanly with the summary', async () => {
    let signalled = false;
    const r = await cli(['-d', 'veth0', '--test-addr', HOST_ADDR, '--fdt', '700', TARGET_ADDR], (_line, all) => {
      // `ip netns exec` execs node, so the child's pid is the prober's.
      if (!signalled && rows(all).length >= 4) {
        signalled = true;
        running?.kill('SIGINT');
      }
    });
    expect(signalled).toBe(true);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const n = rows(r.lines).length;
    expect(n).toBeGreaterThanOrEqual(4);
    expect(r.lines.at(-1)).toMatch(/^veth0: \d+ probes sent, \d+ acked, \d+ lost, 0 unknown; targets 192\.0\.2\.1; state OK$/);
  });

  it('CLI: bad input is one line on stderr and status 1', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['-d', 'nosuch0', '--test-addr', HOST_ADDR], /^dlsnoop probe: unknown link 'nosuch0'\n$/],
      [['-d', 'veth0', '--test-addr', '192.0.2.99', TARGET_ADDR], /^dlsnoop probe: test address 192\.0\.2\.99 is not configured on veth0\n$/],
      [['-d', 'veth0', '--test-addr', 'not-an-address'], /^dlsnoop probe: bad test address 'not-an-address'/],
      [['-d', 'veth0', '--test-addr', HOST_ADDR, '203.0.113.7'], /^dlsnoop probe: target 203\.0\.113\.7 is not in the test address's subnet/],
      [['-d', 'veth0', '--test-addr', HOST_ADDR, '--fdt', '50', TARGET_ADDR], /^dlsnoop: --fdt takes an integer >= 100, not '50'\n$/],
    ];
    for (const [args, expected] of cases) {
      const r = await cli(args);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(expected);
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(r.lines).toEqual([]);
    }
  });

  it('a Linux target echoes both time stamp formats (ms32: 16 bytes, ns64: 24 bytes), so every probe is acked', async () => {
    for (const format of ['ms32', 'ns64'] as const) {
      const r = await inProcess({ format, count: 6 });
      expect(r.errors).toEqual([]);
      expect(r.status).toBe(0);
      expect(r.lines[0]).toContain(`, ${format}, FDT 700 ms, probe interval 100 ms)`);
      expect(rows(r.lines).map((x) => x.rttMs !== null)).toEqual(Array(6).fill(true));
      expect(r.lines.at(-1)).toBe('veth0: 6 probes sent, 6 acked, 0 lost, 0 unknown; targets 192.0.2.1; state OK');
    }
  });

  it('discovers the target with PROBE_MULTI to 224.0.0.1 when none is given', async () => {
    // Linux ignores echo requests to multicast by default (§6.4); this target answers them.
    targetSysctl('net.ipv4.icmp_echo_ignore_broadcasts=0');
    try {
      const r = await inProcess({ targets: [], count: 6, format: 'ms32' });
      expect(r.status).toBe(0);
      expect(r.lines[0]).toMatch(/discovering targets at 224\.0\.0\.1$/);
      expect(r.lines).toContain('target 192.0.2.1 found by PROBE_MULTI (1 of 5)');
      // The first tick only multicasts; the following five probe the discovered target.
      const rs = rows(r.lines);
      expect(rs.map((x) => x.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(rs.every((x) => x.target === TARGET_ADDR && x.rttMs !== null)).toBe(true);
      expect(r.lines.at(-1)).toBe('veth0: 5 probes sent, 5 acked, 0 lost, 0 unknown; targets 192.0.2.1; state OK');
    } finally {
      targetSysctl('net.ipv4.icmp_echo_ignore_broadcasts=1');
    }
  });

  it('nobody answers PROBE_MULTI on an all-Linux LAN by default: no targets, state unknown', async () => {
    const r = await inProcess({ targets: [], count: 4, format: 'ms32' });
    expect(r.status).toBe(0);
    expect(rows(r.lines)).toEqual([]);
    expect(r.lines.at(-1)).toBe('veth0: 0 probes sent, 0 acked, 0 lost, 0 unknown; targets --; state unknown (no targets)');
  });

  it('probes from an IPv6 link-local test address, given or discovered via ff02::1', async () => {
    const given = await inProcess({ testAddr: HOST_LL, targets: [TARGET_LL], count: 6 });
    expect(given.errors).toEqual([]);
    expect(rows(given.lines).every((x) => x.target === TARGET_LL && x.rttMs !== null)).toBe(true);
    expect(given.lines.at(-1)).toBe(`veth0: 6 probes sent, 6 acked, 0 lost, 0 unknown; targets ${TARGET_LL}; state OK`);
    const found = await inProcess({ testAddr: HOST_LL, targets: [], count: 6 });
    expect(found.lines).toContain(`target ${TARGET_LL} found by PROBE_MULTI (1 of 5)`);
    expect(found.lines.at(-1)).toBe(`veth0: 5 probes sent, 5 acked, 0 lost, 0 unknown; targets ${TARGET_LL}; state OK`);
  });
});
