// The CLI on real links: `dlsnoop -d` inside a namespace, frames injected from the other end of
// a veth pair, files checked by tshark. Needs the bundle in dist/ (npm test builds it first).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ether, EtherType, ipv4, IpProto, udp } from '../../src/craft/frames.js';
import { DlpiFlag, dlpiOpen, type DlpiHandle } from '../../src/dlpi/dlpi.js';
import { NetnsLab, liveTestsEnabled, sleep, type VethPair } from '../helpers/netns.js';
import { requireCommandInCi } from '../helpers/tools.js';

const CLI = join(__dirname, '..', '..', 'bin', 'dlsnoop');

function udpFrame(v: VethPair, seq: number): Uint8Array {
  const payload = new Uint8Array(16);
  payload[0] = seq >> 8;
  payload[1] = seq & 255;
  return ether({ dst: v.macB, src: v.macA, type: EtherType.IPV4 }, ipv4({ src: '198.51.100.1', dst: '198.51.100.2', proto: IpProto.UDP, id: seq }, udp({ sport: 4000, dport: 9 }, payload)));
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Start the CLI inside `ns`; resolve when it exits. `started` resolves once it opened the link. */
function startCli(ns: string, args: string[]): { started: Promise<void>; done: Promise<Run>; signal: (s: NodeJS.Signals) => void } {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let resolveStarted: () => void;
  const started = new Promise<void>((r) => (resolveStarted = r));
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    if (stderr.includes('Using device')) resolveStarted();
  });
  const done = new Promise<Run>((resolve) => child.on('exit', (status) => {
    resolveStarted();
    resolve({ status, stdout, stderr });
  }));
  return { started, done, signal: (s) => child.kill(s) };
}

describe.runIf(liveTestsEnabled() && existsSync(join(__dirname, '..', '..', 'dist', 'bundle', 'cli.js')))('dlsnoop -d on a veth pair', () => {
  const lab = new NetnsLab('cli');
  let ns: string;
  let v: VethPair;
  let tx: DlpiHandle;
  const dir = mkdtempSync(join(tmpdir(), 'dls-cli-live-'));

  beforeAll(() => {
    ns = lab.addNamespace();
    v = lab.addVeth(ns, ns, { id: 7 });
    tx = lab.inside(ns, () => dlpiOpen(v.a, DlpiFlag.RAW));
  });
  afterAll(() => {
    tx?.close();
    lab.destroy();
  });

  it('captures exactly -c packets to a pcap that tshark reads with identical bytes', async () => {
    const file = join(dir, 'count.pcap');
    const run = startCli(ns, ['-d', v.b, '-c', '20', '-o', file, 'udp']);
    await run.started;
    await sleep(200);
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 25; i++) {
      const f = udpFrame(v, i);
      sent.push(f);
      tx.send(null, f);
    }
    const result = await run.done;
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/packets captured, 0 dropped by kernel/);
    if (requireCommandInCi('tshark')) {
      const hex = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.len', '-e', 'udp.dstport'], { encoding: 'utf8' }).trim().split('\n');
      expect(hex).toHaveLength(20);
      expect(new Set(hex)).toEqual(new Set([`${sent[0].length}\t9`]));
    }
    // The file's frames are byte-identical to what was sent, in order.
    const bytes = readFileSync(file);
    let off = 24;
    for (let i = 0; i < 20; i++) {
      const incl = bytes.readUInt32LE(off + 8);
      expect(Buffer.from(bytes.subarray(off + 16, off + 16 + incl))).toEqual(Buffer.from(sent[i]));
      off += 16 + incl;
    }
  });

  it('copies frames to pcap straight from the ring (record headers in the headroom), VLAN tags put back, byte for byte', async () => {
    // No filter and no views: the plain copy path, where records go to the file with writev from
    // the ring itself. 600 frames of 60 to 1514 bytes, every third one VLAN-tagged, which the
    // kernel strips and we reinsert in the space the header also uses.
    const file = join(dir, 'plain.pcap');
    const run = startCli(ns, ['-d', v.b, '-q', '-o', file]);
    await run.started;
    await sleep(200);
    const sent: string[] = [];
    for (let i = 0; i < 600; i++) {
      const payload = new Uint8Array(16 + ((i * 97) % 1450));
      payload.fill(i & 0xff);
      const f = ether({ dst: v.macB, src: v.macA, type: EtherType.IPV4, vlan: i % 3 === 0 ? [5] : undefined }, ipv4({ src: '198.51.100.1', dst: '198.51.100.2', proto: IpProto.UDP, id: i }, udp({ sport: 4000, dport: 9 }, payload)));
      sent.push(Buffer.from(f).toString('hex'));
      tx.send(null, f);
    }
    await sleep(700);
    run.signal('SIGINT');
    const result = await run.done;
    expect(result.status).toBe(0);
    const bytes = readFileSync(file);
    const got: string[] = [];
    let off = 24;
    while (off + 16 <= bytes.length) {
      const incl = bytes.readUInt32LE(off + 8);
      expect(bytes.readUInt32LE(off + 12)).toBe(incl);
      got.push(bytes.subarray(off + 16, off + 16 + incl).toString('hex'));
      off += 16 + incl;
    }
    expect(off).toBe(bytes.length);
    const sentSet = new Set(sent);
    expect(got.filter((h) => sentSet.has(h))).toEqual(sent);
  });

  it('prints snoop summary lines for live traffic and stops cleanly on SIGINT with a valid pcapng', async () => {
    const file = join(dir, 'sigint.pcapng');
    const run = startCli(ns, ['-d', v.b, '-o', file, '-q']);
    await run.started;
    await sleep(200);
    for (let i = 0; i < 10; i++) tx.send(null, udpFrame(v, 100 + i));
    await sleep(500);
    run.signal('SIGINT');
    const result = await run.done;
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/^10 packets captured, 0 dropped by kernel$/m);
    const text = execFileSync(process.execPath, [CLI, '-i', file], { encoding: 'utf8' });
    expect(text.trim().split('\n')).toHaveLength(10);
    expect(text).toContain('198.51.100.1 -> 198.51.100.2 UDP D=9 S=4000 LEN=24');
  });

  it('names a missing link in one line and exits 1', async () => {
    const result = await startCli(ns, ['-d', 'nosuch0']).done;
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe("dlsnoop: cannot open link 'nosuch0': DLPI link does not exist");
  });
});
