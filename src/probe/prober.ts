// `dlsnoop probe`: in.mpathd's probing for one link and address family, on Linux. Probes leave
// exactly as the daemon sends them (socket.ts, craft/frames.ts), on its jittered timer
// (schedule.ts), round-robin over the targets, which are given or discovered with PROBE_MULTI.
// Every probe sent and every reply read is handed to the IpmpObserver, and what is printed (the
// ipmpstat -p rows, LOST decisions and FAILED / REPAIRED verdicts) is the observer's: the prober
// has no failure logic of its own.
import type { Annotation } from '../annotate/annotation.js';
import { MIN_FDT_MS } from '../annotate/ipmp/config.js';
import { seqDiff } from '../annotate/ipmp/instance.js';
import { IpmpObserver } from '../annotate/ipmp/observer.js';
import { type ProbeFormat, type ProbeKindName, type ProbeObservation } from '../annotate/ipmp/recognise.js';
import { formatProbeRow, probeRowHeader } from '../annotate/ipmp/views.js';
import { isLinkLocalText, u16, u32 } from '../decode/addr.js';
import { dlpiWait } from '../dlpi/dlpi.js';
import * as c from '../dlpi/libc.js';
import { icmp6Echo, icmpEcho, probePayload, ProbeMagic } from '../craft/frames.js';
import { checkTarget, ProbeSetupError, resolveProbeLink, type ProbeLink } from './link.js';
import { icmpIdFor, ProbeSchedule } from './schedule.js';
import { monotonicNs, ProbeSocket, ProbeSocketError, realtimeNs, type ReceivedIcmp } from './socket.js';

export interface ProbeOptions {
  link: string;
  testAddr: string;
  format: ProbeFormat;
  /** FAILURE_DETECTION_TIME, ms (>= 100). */
  fdtMs: number;
  /** Stop after this many probe ticks (each sends a UNI probe, or a PROBE_MULTI while no target is known). */
  count?: number;
  /** Unicast targets; none: discover them with PROBE_MULTI. */
  targets: string[];
}

/** The group name the observer reports the probed link under. */
export const PROBE_GROUP = 'probe';
/** MAX_PROBE_TARGETS */
const MAX_TARGETS = 5;
/** MIN_RECOVERY_TIME: how long a DEAD or SLOW router target sits out. */
const MIN_RECOVERY_MS = 60_000;
/** Bound on datagrams read per wake-up, so a flood cannot starve the timer. */
const MAX_READS_PER_WAKEUP = 256;

const KIND_OF_MAGIC = new Map<number, ProbeKindName>([
  [ProbeMagic.UNI, 'UNI'],
  [ProbeMagic.MULTI, 'MULTI'],
  [ProbeMagic.RTT, 'RTT'],
]);

function monoMs(): number {
  return Number(monotonicNs() / 1000n) / 1000;
}

function splitNs(ns: bigint): { tsSec: number; tsNsec: number } {
  return { tsSec: Number(ns / 1_000_000_000n), tsNsec: Number(ns % 1_000_000_000n) };
}

class Prober {
  private readonly observer: IpmpObserver;
  private readonly id: number;
  /** pr_icmp size on the wire: 16 (ms32) or 24 (ns64 as an LP64 daemon sends it). */
  private readonly size: 16 | 24;
  /** pii_snxt */
  private snxt = 1;
  /** The target list in the daemon's order (new host targets are inserted at the head). */
  private readonly targets: string[];
  /** pii_target_next */
  private cursor: string | null;
  private readonly discovering: boolean;
  /** Router-like targets the observer declared DEAD or SLOW, and since when (ms): skipped for MIN_RECOVERY_TIME. */
  private readonly sittingOut = new Map<string, number>();
  private ticks = 0;
  private stopping = false;
  /** probeRowsLogged() when rows were last printed. */
  private rowsPrinted = 0;
  /** The newest probe seq that has been reported ACKED or LOST. */
  private lastResolvedSeq: number | null = null;
  private socketErrors = 0;
  private sendErrors = 0;

  constructor(
    private readonly link: ProbeLink,
    private readonly sock: ProbeSocket,
    private readonly opts: ProbeOptions,
    givenTargets: string[],
    private readonly out: (line: string) => void,
  ) {
    this.observer = new IpmpObserver({
      groups: [
        {
          name: PROBE_GROUP,
          fdtMs: opts.fdtMs,
          interfaces: [{ name: link.name, group: PROBE_GROUP, mac: link.mac, testAddresses: [link.testAddr], standby: false }],
        },
      ],
    });
    this.id = icmpIdFor(process.pid, link.ifIndex);
    this.size = opts.format === 'ms32' ? 16 : 24;
    this.targets = [...givenTargets];
    this.cursor = this.targets[0] ?? null;
    this.discovering = givenTargets.length === 0;
  }

  /** pg_probeint as the observer has it (the FDT/7, or more once the FDT had to be raised). */
  private intervalMs(): number {
    return this.observer.groups()[0].probeintMs;
  }

  stop(): void {
    this.stopping = true;
  }

  async run(wakeFd: number): Promise<void> {
    const l = this.link;
    this.out(
      `PROBE ${l.name} from ${l.testAddr} (ICMP id 0x${this.id.toString(16).padStart(4, '0')}, ${this.opts.format}, FDT ${this.opts.fdtMs} ms, ` +
        `probe interval ${this.intervalMs()} ms) ${this.discovering ? `discovering targets at ${this.allNodes()}` : `targets ${this.targets.join(' ')}`}`,
    );
    this.out(probeRowHeader());
    const schedule = new ProbeSchedule(monoMs(), this.intervalMs());
    let endAtMs: number | null = null;
    while (!this.stopping) {
      // Replies already queued are read first, so a late wake-up cannot turn them into losses.
      this.drain();
      if (endAtMs === null && monoMs() >= schedule.nextAtMs) {
        this.tick();
        schedule.advance(monoMs(), this.intervalMs());
        // After the last probe, wait out its loss deadline (time sent + probe interval) so it resolves.
        if (this.opts.count !== undefined && this.ticks >= this.opts.count) endAtMs = monoMs() + this.intervalMs() + 1;
      }
      if (endAtMs !== null && monoMs() >= endAtMs) break;
      const waitMs = Math.max(0, Math.ceil((endAtMs ?? schedule.nextAtMs) - monoMs()));
      // One async poll per wake-up: a reply, the stop signal, or the next tick.
      await dlpiWait([this.sock.fd, wakeFd], waitMs);
    }
    this.drain();
    const end = splitNs(realtimeNs());
    this.emit(this.observer.finish(end.tsSec, end.tsNsec));
    this.summary();
  }

  private allNodes(): string {
    return this.link.family === 4 ? '224.0.0.1' : 'ff02::1';
  }

  // ---- sending ----

  private tick(): void {
    this.ticks++;
    const ts = this.timestamp();
    const target = this.nextTarget();
    if (target !== null) this.send('UNI', target, ts);
    // No target yet, or a single host target: PROBE_MULTI too, carrying the next UNI seq.
    if (target === null || (this.discovering && this.targets.length === 1)) this.send('MULTI', this.allNodes(), ts);
  }

  /** The probe time stamp: ms since boot mod 2^32 (ms32) or ns since boot (ns64). */
  private timestamp(): bigint {
    const ns = monotonicNs();
    return this.opts.format === 'ms32' ? (ns / 1_000_000n) & 0xffffffffn : ns;
  }

  /** target_next: the cursor's target, then move the cursor on (wrapping), skipping targets sitting out. */
  private nextTarget(): string | null {
    const now = monoMs();
    for (const [addr, since] of this.sittingOut) if (now - since >= MIN_RECOVERY_MS) this.sittingOut.delete(addr);
    if (this.targets.length === 0) return null;
    const usable = this.targets.filter((t) => !this.sittingOut.has(t));
    // target_activate_all: with every target out, probe them all again rather than nothing.
    if (usable.length === 0) this.sittingOut.clear();
    let at = this.cursor === null ? 0 : Math.max(0, this.targets.indexOf(this.cursor));
    for (let i = 0; i < this.targets.length && this.sittingOut.has(this.targets[at]); i++) at = (at + 1) % this.targets.length;
    const target = this.targets[at];
    this.cursor = this.targets[(at + 1) % this.targets.length];
    return target;
  }

  /** Send one probe and show it to the observer if it counts as sent (in.mpathd treats EWOULDBLOCK as sent). */
  private send(kind: ProbeKindName, dst: string, ts: bigint): void {
    const data = probePayload({ kind, format: this.opts.format, ts, size: this.size });
    const seq = this.snxt;
    const msg = this.link.family === 4 ? icmpEcho({ id: this.id, seq, data }) : icmp6Echo({ id: this.id, seq, data });
    const sentNs = realtimeNs();
    const errnum = this.sock.send(dst, msg);
    if (errnum !== 0 && errnum !== c.EAGAIN) {
      if (this.sendErrors++ < 10) this.out(`note: ${kind} #${seq} to ${dst} not sent: ${c.strerror(errnum)}`);
      return;
    }
    // Only a UNI probe consumes a seq (RTT and MULTI carry the next one).
    if (kind === 'UNI') this.snxt = (this.snxt + 1) & 0xffff;
    this.observe({
      ...splitNs(sentNs),
      family: this.link.family,
      srcMac: this.link.mac,
      dstMac: '',
      src: this.link.testAddr,
      dst,
      ttl: 1,
      reply: false,
      id: this.id,
      seq,
      kind,
      format: this.opts.format,
      size: this.size,
      outgoing: true,
    });
  }

  // ---- receiving ----

  private drain(): void {
    for (let i = 0; i < MAX_READS_PER_WAKEUP; i++) {
      const r = this.sock.receive();
      if (r === null) return;
      if ('errnum' in r) {
        // An ICMP error the kernel reported against the socket (host unreachable...): consumed.
        if (this.socketErrors++ < 10) this.out(`note: ${c.strerror(r.errnum)} reported on the probe socket`);
        continue;
      }
      this.onDatagram(r);
    }
  }

  /** incoming_echo_reply's checks: echo reply, code 0, our id, at least a pr_icmp, a known mtype. */
  private onDatagram(r: ReceivedIcmp): void {
    const m = r.icmp;
    if (m.length < this.size) return;
    if (m[0] !== (this.link.family === 4 ? 0 : 129) || m[1] !== 0 || u16(m, 4) !== this.id) return;
    const kind = KIND_OF_MAGIC.get(u32(m, this.size === 16 ? 12 : 16));
    if (kind === undefined) return;
    if (kind === 'MULTI') this.addHostTarget(r.src);
    this.observe({
      ...splitNs(r.timeNs),
      family: this.link.family,
      srcMac: '',
      dstMac: this.link.mac,
      src: r.src,
      dst: r.dst || this.link.testAddr,
      // 0: IPv6 hop limit not known (the observer does not judge replies by it).
      ttl: r.ttl ?? 0,
      reply: true,
      id: this.id,
      seq: u16(m, 6),
      kind,
      format: this.opts.format,
      size: this.size,
      outgoing: false,
    });
  }

  /** incoming_mcast_reply: the first five distinct usable responders become host targets. */
  private addHostTarget(src: string): void {
    if (!this.discovering || this.targets.length >= MAX_TARGETS || this.targets.includes(src)) return;
    if (src === '0.0.0.0' || src === '::' || this.link.ownAddrs.includes(src)) return;
    if (this.link.family === 6 && !isLinkLocalText(src)) return;
    this.targets.unshift(src);
    this.cursor ??= src;
    this.out(`target ${src} found by PROBE_MULTI (${this.targets.length} of ${MAX_TARGETS})`);
  }

  // ---- the observer's view ----

  private observe(obs: ProbeObservation): void {
    this.emit(this.observer.observeProbe(obs, this.link.name));
    this.followTargetDecisions();
  }

  /** Print the ipmpstat -p rows the observer logged since last time, then notes and verdicts. */
  private emit(anns: Annotation[]): void {
    for (const row of this.observer.probeRowsSince(this.rowsPrinted)) {
      this.out(formatProbeRow(row));
      // Rows come in resolution order; a late reply can resolve a probe older than the newest.
      if (this.lastResolvedSeq === null || seqDiff(row.seq, this.lastResolvedSeq) > 0) this.lastResolvedSeq = row.seq;
    }
    this.rowsPrinted = this.observer.probeRowsLogged();
    for (const a of anns) {
      const state = a.json.state;
      if (state === 'late' || state === 'duplicate' || state === 'fake' || state === 'out-of-window' || state === 'unknown' || state === 'ignored') {
        this.out(`note: ${a.summary}`);
      }
      if (typeof a.json.verdict === 'string') {
        const after = this.lastResolvedSeq === null ? '' : ` after probe #${this.lastResolvedSeq}`;
        this.out(`verdict${after}: ${a.json.verdict}`);
      }
    }
  }

  /** The daemon stops probing a target the observer says it gave up on (host deleted, router dead/slow). */
  private followTargetDecisions(): void {
    const inst = this.observer.interfaces()[0]?.instance(this.link.family);
    if (!inst) return;
    for (const addr of [...this.targets]) {
      const status = inst.targets.get(addr)?.status;
      if (status === 'deleted' && this.discovering) {
        this.targets.splice(this.targets.indexOf(addr), 1);
        if (this.cursor === addr) this.cursor = this.targets[0] ?? null;
        // target_delete is followed by a PROBE_MULTI for a replacement.
        this.send('MULTI', this.allNodes(), this.timestamp());
      } else if ((status === 'dead' || status === 'slow') && !this.sittingOut.has(addr)) {
        this.sittingOut.set(addr, monoMs());
      }
    }
  }

  private summary(): void {
    const pi = this.observer.interfaces()[0];
    const inst = pi?.instance(this.link.family);
    const targets = inst ? inst.targets.rotation().map((t) => t.address) : [];
    const st = inst?.stats ?? { sent: 0, acked: 0, lost: 0, unknown: 0 };
    const state = !pi ? 'no probes sent' : targets.length === 0 ? 'unknown (no targets)' : pi.state === 'FAILED' ? 'FAILED' : 'OK';
    this.out(
      `${this.link.name}: ${st.sent} probes sent, ${st.acked} acked, ${st.lost} lost, ${st.unknown} unknown; ` +
        `targets ${targets.length ? targets.join(' ') : '--'}; state ${state}`,
    );
  }
}

function checkOptions(o: ProbeOptions): void {
  if (o.format !== 'ms32' && o.format !== 'ns64') throw new ProbeSetupError(`--format must be ms32 or ns64, not '${String(o.format)}'`);
  if (!Number.isInteger(o.fdtMs) || o.fdtMs < MIN_FDT_MS) throw new ProbeSetupError(`--fdt must be an integer number of milliseconds >= ${MIN_FDT_MS}`);
  if (o.count !== undefined && (!Number.isInteger(o.count) || o.count < 1)) throw new ProbeSetupError('--count must be a positive integer');
}

/**
 * Probe until `count` ticks are done or SIGINT / SIGTERM. Output lines go to `out`; bad input or a
 * socket that cannot be set up gives one line on `err` and status 1.
 */
export async function runProber(opts: ProbeOptions, out: (line: string) => void, err: (line: string) => void = (l) => void process.stderr.write(l + '\n')): Promise<number> {
  let link: ProbeLink;
  let targets: string[];
  let sock: ProbeSocket;
  try {
    checkOptions(opts);
    link = resolveProbeLink(opts.link, opts.testAddr);
    targets = [...new Set(opts.targets.map((t) => checkTarget(link, t)))];
    if (targets.length > MAX_TARGETS) throw new ProbeSetupError(`at most ${MAX_TARGETS} targets (MAX_PROBE_TARGETS), not ${targets.length}`);
    sock = ProbeSocket.open(link.family, link.testAddr, link.name, link.ifIndex);
  } catch (e) {
    if (e instanceof ProbeSetupError || e instanceof ProbeSocketError) {
      err(`dlsnoop probe: ${e.message}`);
      return 1;
    }
    throw e;
  }
  const prober = new Prober(link, sock, opts, targets, out);
  const wakeFd = c.eventfd(0, c.EFD_CLOEXEC | c.EFD_NONBLOCK);
  const onSignal = (): void => {
    prober.stop();
    // Wake the pending poll so the loop sees the stop at once.
    if (wakeFd >= 0) c.write(wakeFd, new Uint8Array(new BigUint64Array([1n]).buffer), 8);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await prober.run(wakeFd);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    sock.close();
    if (wakeFd >= 0) c.close(wakeFd);
  }
  return 0;
}
