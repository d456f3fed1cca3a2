// Network-namespace lab for live tests: private namespaces joined by veth pairs, so tests never
// see or touch the host's interfaces.
//
// How code runs "inside" a namespace: setns(2) switches the network namespace of the calling
// thread only, and a socket stays in the namespace it was created in. `lab.inside(ns, fn)` moves
// this thread into `ns`, runs `fn` synchronously (open the DLPI handles / live source there) and
// moves back before returning; the sockets keep working from the original namespace, and the
// async polls on Koffi's worker threads only need the fds. This avoids a child process per test
// (which would have to load TypeScript and ship batches back) and keeps assertions in-process.
// Shell commands use `ip -n NS` / `ip netns exec NS`, which also remounts /sys for that namespace.
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import { openLiveSource, type LiveSource, type LiveSourceOptions } from '../../src/capture/live-source.js';
import { DlpiFlag, dlpiOpen, type DlpiHandle } from '../../src/dlpi/dlpi.js';
import * as c from '../../src/dlpi/libc.js';

let counter = 0;
let enabled: boolean | null = null;

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Live tests need root and working `ip netns`. In CI (CI=true) they must run, so not having them
 * throws and fails the suite; elsewhere tests skip with a printed reason.
 */
export function liveTestsEnabled(): boolean {
  if (enabled !== null) return enabled;
  let reason = '';
  if (process.getuid?.() !== 0) {
    reason = 'not running as root';
  } else {
    const probe = `dls-probe-${process.pid}-${counter++}`;
    const r = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
    if (r.status !== 0) reason = `ip netns add failed: ${(r.stderr || r.error?.message || '').trim()}`;
    else spawnSync('ip', ['netns', 'del', probe]);
  }
  enabled = reason === '';
  if (!enabled) {
    if (process.env.CI === 'true') throw new Error(`live capture tests must run in CI but cannot: ${reason}`);
    console.warn(`skipping live capture tests: ${reason}`);
  }
  return enabled;
}

export interface VethPair {
  nsA: string;
  a: string;
  macA: string;
  nsB: string;
  b: string;
  macB: string;
}

export class NetnsLab {
  private readonly namespaces: string[] = [];
  private readonly tag: string;

  constructor(tag: string) {
    this.tag = tag;
  }

  /** A fresh namespace named dls-<tag>-<pid>-<n>, with lo up and IPv6 off (no autoconf chatter). */
  addNamespace(): string {
    const name = `dls-${this.tag}-${process.pid}-${counter++}`;
    ip(['netns', 'add', name]);
    this.namespaces.push(name);
    ip(['-n', name, 'link', 'set', 'lo', 'up']);
    execFileSync('ip', ['netns', 'exec', name, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6']);
    return name;
  }

  /**
   * A veth pair created directly inside the namespaces (end `a` in nsA, `b` in nsB, the same
   * namespace allowed), both up, with fixed locally administered MACs.
   */
  addVeth(nsA: string, nsB: string, opts: { a?: string; b?: string; id?: number } = {}): VethPair {
    const id = opts.id ?? 1;
    const a = opts.a ?? `dla${id}`;
    const b = opts.b ?? `dlb${id}`;
    const macA = `02:00:5e:10:${id.toString(16).padStart(2, '0')}:0a`;
    const macB = `02:00:5e:10:${id.toString(16).padStart(2, '0')}:0b`;
    ip(['-n', nsA, 'link', 'add', a, 'address', macA, 'type', 'veth', 'peer', 'name', b, 'address', macB, 'netns', nsB]);
    ip(['-n', nsA, 'link', 'set', a, 'up']);
    ip(['-n', nsB, 'link', 'set', b, 'up']);
    return { nsA, a, macA, nsB, b, macB };
  }

  /** `ip -n ns ARGS...` */
  ip(ns: string, ...args: string[]): string {
    return ip(['-n', ns, ...args]);
  }

  /** Run `fn` with this thread in `ns` (see the header comment); `fn` must be synchronous. */
  inside<T>(ns: string, fn: () => T): T {
    const home = c.open('/proc/thread-self/ns/net', c.O_RDONLY | c.O_CLOEXEC);
    if (home < 0) throw new Error(`open own netns: ${c.strerror(c.errno())}`);
    const target = c.open(`/run/netns/${ns}`, c.O_RDONLY | c.O_CLOEXEC);
    try {
      if (target < 0) throw new Error(`open netns ${ns}: ${c.strerror(c.errno())}`);
      if (c.setns(target, c.CLONE_NEWNET) !== 0) throw new Error(`setns ${ns}: ${c.strerror(c.errno())}`);
      try {
        return fn();
      } finally {
        if (c.setns(home, c.CLONE_NEWNET) !== 0) throw new Error(`setns back: ${c.strerror(c.errno())}`);
      }
    } finally {
      if (target >= 0) c.close(target);
      c.close(home);
    }
  }

  /** Delete every namespace made here (their veths go with them). Safe to call twice. */
  destroy(): void {
    for (const ns of this.namespaces.splice(0)) spawnSync('ip', ['netns', 'del', ns]);
  }
}

/** Resolve after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** cBPF accepting only the given EtherTypes at offset 12 (what `tcpdump -dd ether proto X` gives). */
export function etherTypeFilter(...types: number[]): Uint8Array {
  const insns: [number, number, number, number][] = [[0x28, 0, 0, 12]];
  types.forEach((t, i) => insns.push([0x15, types.length - i, 0, t]));
  insns.push([0x06, 0, 0, 0], [0x06, 0, 0, 0x40000]);
  const b = new Uint8Array(insns.length * 8);
  const dv = new DataView(b.buffer);
  insns.forEach(([code, jt, jf, k], i) => {
    dv.setUint16(i * 8, code, true);
    b[i * 8 + 2] = jt;
    b[i * 8 + 3] = jf;
    dv.setUint32(i * 8 + 4, k, true);
  });
  return b;
}

/** Two veth pairs from namespace `nsA` to `nsB`, raw senders open on the `nsA` ends. */
export interface TwoLinkRig {
  lab: NetnsLab;
  nsA: string;
  nsB: string;
  v1: VethPair;
  v2: VethPair;
  tx1: DlpiHandle;
  tx2: DlpiHandle;
  /** A live source on `nsB`'s ends of `links`, promiscuous, kernel-filtered to LAB_ETHERTYPE. */
  openCapture(links: string[], opts?: Partial<LiveSourceOptions>): Promise<LiveSource>;
}

/** IEEE 802 local experimental ethertype: the test frames, told apart from the kernel's own traffic. */
export const LAB_ETHERTYPE = 0x88b5;

/** A TwoLinkRig for the enclosing describe block: built in beforeAll, torn down in afterAll. */
export function useTwoLinkRig(purpose: string): TwoLinkRig {
  const rig = {
    lab: new NetnsLab(purpose),
    openCapture: (links, opts = {}) =>
      rig.lab.inside(rig.nsB, () => openLiveSource(links, { promisc: 'phys', filter: etherTypeFilter(LAB_ETHERTYPE), blockTimeoutMs: 10, ringBytes: 1 << 20, ...opts })),
  } as TwoLinkRig;
  beforeAll(() => {
    rig.nsA = rig.lab.addNamespace();
    rig.nsB = rig.lab.addNamespace();
    rig.v1 = rig.lab.addVeth(rig.nsA, rig.nsB, { id: 1 });
    rig.v2 = rig.lab.addVeth(rig.nsA, rig.nsB, { id: 2 });
    [rig.tx1, rig.tx2] = rig.lab.inside(rig.nsA, () => [dlpiOpen(rig.v1.a, DlpiFlag.RAW), dlpiOpen(rig.v2.a, DlpiFlag.RAW)]);
  });
  afterAll(() => {
    rig.tx1?.close();
    rig.tx2?.close();
    rig.lab.destroy();
  });
  return rig;
}
