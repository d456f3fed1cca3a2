// ipmpstat -t / -p / -g / -i tables from what the observer derived, printed the way ipmpstat's
// ofmt does it: its column names and widths, "--" for empty values, a long value pushing the next
// columns right until spare width absorbs it, and the header repeated every 24 rows (the
// non-terminal window height). Fields that do not fit in 80 columns are left out, as ipmpstat does
// when no -o is given (so -p has no RTTDEV).
import type { IpmpGroup, Phyint, ProbeInstance } from './instance.js';
import type { IpmpObserver, ProbeLogRow } from './observer.js';

export type IpmpstatKind = 't' | 'p' | 'g' | 'i';

interface Field {
  name: string;
  width: number;
}

const FIELDS: Record<IpmpstatKind, Field[]> = {
  t: [
    { name: 'INTERFACE', width: 12 },
    { name: 'MODE', width: 10 },
    { name: 'TESTADDR', width: 20 },
    { name: 'TARGETS', width: 38 },
  ],
  p: [
    { name: 'TIME', width: 10 },
    { name: 'INTERFACE', width: 12 },
    { name: 'PROBE', width: 7 },
    { name: 'NETRTT', width: 10 },
    { name: 'RTT', width: 10 },
    { name: 'RTTAVG', width: 10 },
    { name: 'TARGET', width: 20 },
  ],
  g: [
    { name: 'GROUP', width: 12 },
    { name: 'GROUPNAME', width: 12 },
    { name: 'STATE', width: 10 },
    { name: 'FDT', width: 10 },
    { name: 'INTERFACES', width: 30 },
  ],
  i: [
    { name: 'INTERFACE', width: 12 },
    { name: 'ACTIVE', width: 8 },
    { name: 'GROUP', width: 12 },
    { name: 'FLAGS', width: 10 },
    { name: 'LINK', width: 10 },
    { name: 'PROBE', width: 10 },
    { name: 'STATE', width: 10 },
  ],
};

const ROWS_PER_HEADER = 24;

/** ofmt_print_field for one line. */
function formatLine(fields: Field[], values: string[]): string {
  let line = '';
  let overflow = 0;
  fields.forEach((f, i) => {
    const value = values[i] === '' ? '--' : values[i];
    if (i === fields.length - 1) {
      line += value;
      return;
    }
    let width = f.width;
    if (value.length + overflow >= width) {
      overflow += value.length - width + 1;
      line += value + ' ';
      return;
    }
    if (overflow > 0) {
      const compress = Math.min(overflow, width - value.length);
      overflow -= compress;
      width -= compress;
    }
    line += value.padEnd(width);
  });
  return line;
}

function table(kind: IpmpstatKind, rows: string[][]): string {
  const fields = FIELDS[kind];
  const lines: string[] = [];
  let nrow = 0;
  const header = () => formatLine(fields, fields.map((f) => f.name));
  if (rows.length === 0) lines.push(header());
  for (const r of rows) {
    if (nrow++ % ROWS_PER_HEADER === 0) {
      lines.push(header());
      nrow++;
    }
    lines.push(formatLine(fields, r));
  }
  return lines.join('\n') + '\n';
}

function fmtMs(ms: number | null): string {
  return ms === null || ms === 0 ? '' : `${ms.toFixed(2)}ms`;
}

/** iftargmode: routes, multicast (host targets from PROBE_MULTI), or disabled. */
function targetMode(inst: ProbeInstance | null): string {
  if (!inst || (inst.snxt === null && !inst.multiSeen)) return 'disabled';
  if (inst.targets.areRouters === true) return 'routes';
  return 'multicast';
}

/** IPMP_PROBE_*: ok, failed, unknown (probing without targets) or disabled. */
function probeState(pi: Phyint): string {
  const insts = pi.instances();
  if (insts.length === 0) return 'disabled';
  if (pi.state === 'FAILED') return 'failed';
  return insts.some((i) => i.probeCapable()) ? 'ok' : 'unknown';
}

function ifState(pi: Phyint): string {
  if (pi.state === 'FAILED') return 'failed';
  return probeState(pi) === 'unknown' ? 'unknown' : 'ok';
}

function groupState(g: IpmpGroup): string {
  if (g.failed) return 'failed';
  return g.liveMembers().some((p) => p.state === 'FAILED') ? 'degraded' : 'ok';
}

/** FDT: the configured one, the daemon's raised one, or 7 x the mean UNI gap seen. */
function groupFdt(g: IpmpGroup): string {
  let fdtMs: number | null = null;
  if (g.inflatedProbeintMs !== null || g.userFdtMs !== null) fdtMs = g.fdtMs;
  else {
    const windows = g.liveMembers().flatMap((p) => p.instances().map((i) => i.gaps));
    const count = windows.reduce((n, w) => n + w.count, 0);
    if (count) fdtMs = (7 * windows.reduce((sum, w) => sum + w.sum(), 0)) / count;
  }
  return fdtMs === null ? '' : `${(fdtMs / 1000).toFixed(2)}s`;
}

/** Active members, then (inactive) standbys, then [unusable] failed ones. */
function groupInterfaces(g: IpmpGroup): string {
  const members = g.liveMembers();
  const active = members.filter((p) => p.state !== 'FAILED' && !p.config?.standby).map((p) => p.name);
  const inactive = members.filter((p) => p.state !== 'FAILED' && p.config?.standby).map((p) => p.name);
  const unusable = members.filter((p) => p.state === 'FAILED').map((p) => p.name);
  const parts = [...active];
  if (inactive.length) parts.push(`(${inactive.join(' ')})`);
  if (unusable.length) parts.push(`[${unusable.join(' ')}]`);
  return parts.join(' ');
}

function probeRowValues(r: ProbeLogRow): string[] {
  return [`${r.timeSec.toFixed(2)}s`, r.iface, String(r.seq), fmtMs(r.netRttMs), '', fmtMs(r.rttAvgMs), r.target];
}

function rowsFor(kind: IpmpstatKind, obs: IpmpObserver): string[][] {
  switch (kind) {
    case 't':
      return obs.interfaces().flatMap((pi) => {
        const rows: string[][] = [];
        const row = (inst: ProbeInstance | null) => {
          const mode = targetMode(inst);
          const targets = inst ? inst.targets.rotation().map((t) => t.address).join(' ') : '';
          rows.push([pi.name, mode, mode === 'disabled' || !inst ? '' : inst.testAddr, targets]);
        };
        // As targinfo_output_cbfunc: IPv4 unless only IPv6 probes, IPv6 when it probes.
        if (pi.v4 || !pi.v6) row(pi.v4);
        if (pi.v6) row(pi.v6);
        return rows;
      });
    case 'p':
      return obs.probeLog().map(probeRowValues);
    case 'g':
      return obs.groups().map((g) => [g.name, g.name, groupState(g), groupFdt(g), groupInterfaces(g)]);
    case 'i':
      return obs.interfaces().map((pi) => {
        // Only i (an inactive standby) and s (standby, from config) are knowable from the wire.
        const standby = pi.config?.standby === true;
        const flags = [standby && pi.state !== 'FAILED' ? 'i' : '-', standby ? 's' : '-', '-', '-', '-', '-', '-'];
        return [pi.name, pi.state === 'FAILED' || pi.config?.standby ? 'no' : 'yes', pi.group.name, flags.join(''), 'up', probeState(pi), ifState(pi)];
      });
  }
}

/**
 * The table `ipmpstat -<kind>` would print for what was observed. RTT in -p is not observable
 * on the wire (it includes the daemon's own latency) and prints as "--"; NETRTT is the wire RTT.
 */
export function renderIpmpstat(kind: IpmpstatKind, observer: IpmpObserver): string {
  return table(kind, rowsFor(kind, observer));
}

/** The `ipmpstat -p` header line, for a live stream of rows (dlsnoop probe). */
export function probeRowHeader(): string {
  return formatLine(FIELDS.p, FIELDS.p.map((f) => f.name));
}

/** One `ipmpstat -p` row exactly as renderIpmpstat('p') prints it, for a live stream of rows. */
export function formatProbeRow(row: ProbeLogRow): string {
  return formatLine(FIELDS.p, probeRowValues(row));
}

/**
 * `ipmpstat -p` as it runs: the header once, then every row as its probe resolves (acked or
 * lost), in the order they resolve. Rows are picked up by the observer's running row count, so
 * the log dropping old rows never makes a row print twice.
 */
export class ProbeRowStream {
  private printed = 0;
  private started = false;

  constructor(private readonly observer: IpmpObserver) {}

  /** The text to print now: the header on the first call, then the rows logged since the last call. */
  next(): string {
    let text = '';
    if (!this.started) {
      this.started = true;
      text = probeRowHeader() + '\n';
    }
    const total = this.observer.probeRowsLogged();
    if (total > this.printed) for (const row of this.observer.probeRowsSince(this.printed)) text += formatProbeRow(row) + '\n';
    this.printed = total;
    return text;
  }
}
