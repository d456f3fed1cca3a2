// The membership model: one row per (link, family, group) holding every reporter we heard (keyed
// by MAC: IPMP and zones make IP addresses unreliable owners), each reporter's interface filter
// as its records describe it (RFC 3376 §6.4 transitions applied per host), and the router's
// merged view (§3.2 merge: any EXCLUDE wins with ∩ex − ∪in, else INCLUDE ∪in).
import { Rec, type Family } from './observation.js';
import { DEFAULT_LMQI_MS, type QueryRef, type QuerierTimers } from './querier.js';

export type FilterMode = 'IN' | 'EX';
export type RowState = 'JOINING' | 'MEMBER' | 'LEAVING' | 'EXPIRED';
export type IlmEventKind = 'CREATE' | 'RTX' | 'REFRESH' | 'FILTER-CHANGE' | 'REMOVE' | 'QUERY' | 'SUPPRESSED';

/** Pseudo record types for the pre-v3 messages, so one code path handles every report. */
export const LEGACY_REPORT = 0x100;
export const LEGACY_LEAVE = 0x101;

export interface Filter {
  mode: FilterMode;
  sources: Set<string>;
}

/** A state-change message we may see retransmitted. */
interface ChangeTrack {
  signature: string;
  kind: 'CREATE' | 'FILTER-CHANGE' | 'REMOVE';
  lastAt: number;
  /** Retransmissions seen so far. */
  sent: number;
}

export interface Reporter extends Filter {
  mac: string;
  ip: string;
  /** Message version it last used (IGMP 1..3, MLD 1..2). */
  version: number;
  firstAt: number;
  lastReportAt: number;
  /** v1/v2/MLDv1: it sent the last report for the group, so it will send the Leave/Done. */
  lastReporter: boolean;
  change: ChangeTrack | null;
}

export interface IlmRow extends Filter {
  link: string;
  family: Family;
  group: string;
  reporters: Map<string, Reporter>;
  /** Reporters that just left, kept for the retransmit window so repeated leaves read as RTX. */
  departed: Map<string, ChangeTrack>;
  state: RowState;
  /** When the state last changed to JOINING (for the join window) or LEAVING. */
  stateAt: number;
  /** Absolute time the router drops the group (GMI after the last report, or LMQT after a leave). */
  expiresAt: number;
}

export interface ReportInput {
  link: string;
  family: Family;
  group: string;
  mac: string;
  ip: string;
  version: number;
  now: number;
  /** Rec.* or LEGACY_REPORT / LEGACY_LEAVE. */
  type: number;
  sources: readonly string[];
  /** The query this report falls inside the response window of, if any. */
  answered: QueryRef | null;
  timers: QuerierTimers;
}

export interface ReportOutcome {
  kind: IlmEventKind;
  /** For RTX: the event being repeated and which repetition this is. */
  rtxOf: IlmEventKind | null;
  rtxN: number;
  row: IlmRow;
  /** The reporter's filter after the record. */
  filter: Filter;
  /** Earlier v1/v2 reporters this report silenced (they will not send a Leave). */
  suppressed: readonly string[];
}

/** Longest gap between a state change and its retransmission: illumos waits up to 10 s. */
export const RTX_GAP_SEC = 11;

/** The empty list of strings (sources, silenced reporters) outcomes and events share: none is changed once made. */
export const NO_STRINGS: readonly string[] = Object.freeze([]);

/** A new reporter's filter before its first record; only read, never changed. */
const NOTHING_REQUESTED: Filter = { mode: 'IN', sources: new Set() };

/** What makes a state-change message the same as an earlier one: its record type and its sources. */
function signatureOf(type: number, sources: readonly string[]): string {
  return `${type}:${[...sources].sort().join(',')}`;
}

function changeTrack(type: number, sources: readonly string[], kind: ChangeTrack['kind'], now: number): ChangeTrack {
  return { signature: signatureOf(type, sources), kind, lastAt: now, sent: 0 };
}

function isLegacyVersion(family: Family, version: number): boolean {
  return family === 4 ? version < 3 : version < 2;
}

/**
 * The filter `mode` with exactly `sources`: `before` itself when it is that already (a periodic
 * refresh, most reports), so nothing is made; filters are never changed in place.
 */
function filterOf(before: Filter, mode: FilterMode, sources: readonly string[]): Filter {
  if (before.mode === mode && before.sources.size === sources.length) {
    let same = true;
    for (let i = 0; i < sources.length && same; i++) same = before.sources.has(sources[i]);
    if (same) return before;
  }
  return { mode, sources: new Set(sources) };
}

/** `from` less every address in `removed`. */
function without(from: Set<string>, removed: readonly string[]): Set<string> {
  const gone = new Set(removed);
  return new Set([...from].filter((s) => !gone.has(s)));
}

/** A reporter's filter after one record (RFC 3376 §6.4 read as the host's interface state). */
export function applyRecord(before: Filter, type: number, sources: readonly string[]): Filter {
  switch (type) {
    case Rec.IS_IN:
    case Rec.TO_IN:
      return filterOf(before, 'IN', sources);
    case Rec.IS_EX:
    case Rec.TO_EX:
      return filterOf(before, 'EX', sources);
    case Rec.ALLOW:
      return before.mode === 'IN'
        ? { mode: 'IN', sources: new Set([...before.sources, ...sources]) }
        : { mode: 'EX', sources: without(before.sources, sources) };
    case Rec.BLOCK:
      return before.mode === 'IN'
        ? { mode: 'IN', sources: without(before.sources, sources) }
        : { mode: 'EX', sources: new Set([...before.sources, ...sources]) };
    case LEGACY_REPORT:
      return filterOf(before, 'EX', []);
    default:
      // LEGACY_LEAVE and unknown record types: nothing is requested any more.
      return { mode: 'IN', sources: new Set() };
  }
}

/** The router-side filter for a group: merge of every member's filter. */
export function mergeFilters(filters: Iterable<Filter>): Filter {
  let exclude: Set<string> | null = null;
  const include = new Set<string>();
  for (const f of filters) {
    if (f.mode === 'IN') {
      for (const s of f.sources) include.add(s);
    } else if (exclude === null) {
      exclude = new Set(f.sources);
    } else {
      const ex: Set<string> = exclude;
      exclude = new Set([...f.sources].filter((s) => ex.has(s)));
    }
  }
  if (exclude === null) return { mode: 'IN', sources: include };
  return { mode: 'EX', sources: new Set([...exclude].filter((s) => !include.has(s))) };
}

function sameFilter(a: Filter, b: Filter): boolean {
  if (a.mode !== b.mode || a.sources.size !== b.sources.size) return false;
  for (const s of a.sources) if (!b.sources.has(s)) return false;
  return true;
}

function isCurrentState(type: number): boolean {
  return type === Rec.IS_IN || type === Rec.IS_EX;
}

/** How long a joiner keeps sending unsolicited retransmissions: RV of them, up to 10 s apart. */
function joinWindowSec(t: QuerierTimers): number {
  return t.qrv * RTX_GAP_SEC;
}

export class MembershipTable {
  /** Every row, in the order groups first appeared (the table views list them so). */
  private readonly rows = new Set<IlmRow>();
  /** Rows by link, then IGMP [0] or MLD [1], then group: found per message without building a key. */
  private readonly index = new Map<string, [Map<string, IlmRow>, Map<string, IlmRow>]>();

  row(link: string, family: Family, group: string): IlmRow | undefined {
    return this.index.get(link)?.[family === 4 ? 0 : 1].get(group);
  }

  all(): IlmRow[] {
    return [...this.rows];
  }

  /** Rows on any link where `mac` is a present reporter (cast-move bookkeeping). */
  heldBy(mac: string, family: Family): IlmRow[] {
    return this.all().filter((r) => r.family === family && r.reporters.has(mac));
  }

  private getOrCreate(link: string, family: Family, group: string, now: number): IlmRow {
    let byFamily = this.index.get(link);
    if (!byFamily) this.index.set(link, (byFamily = [new Map(), new Map()]));
    const groups = byFamily[family === 4 ? 0 : 1];
    let row = groups.get(group);
    if (!row) {
      row = {
        link, family, group, reporters: new Map(), departed: new Map(), mode: 'IN', sources: new Set(),
        state: 'EXPIRED', stateAt: now, expiresAt: now,
      };
      groups.set(group, row);
      this.rows.add(row);
    }
    return row;
  }

  private forget(row: IlmRow): void {
    this.rows.delete(row);
    this.index.get(row.link)?.[row.family === 4 ? 0 : 1].delete(row.group);
  }

  private setState(row: IlmRow, state: RowState, now: number): void {
    if (row.state !== state) {
      row.state = state;
      row.stateAt = now;
    }
  }

  private remerge(row: IlmRow): void {
    const merged = mergeFilters(row.reporters.values());
    row.mode = merged.mode;
    row.sources = merged.sources;
  }

  /** Enter LEAVING: the router now runs its last-member queries (RV of them, LMQI apart). */
  private startLeaving(row: IlmRow, now: number, deadline: number): void {
    if (row.state === 'LEAVING') {
      row.expiresAt = Math.max(row.expiresAt, deadline);
      return;
    }
    this.setState(row, 'LEAVING', now);
    row.expiresAt = deadline;
  }

  /** One report record (or a v1/v2 report / leave) from one reporter. */
  report(inp: ReportInput): ReportOutcome {
    const { now, mac, type, timers } = inp;
    const row = this.getOrCreate(inp.link, inp.family, inp.group, now);
    const known = row.reporters.get(mac);
    const before: Filter = known ?? NOTHING_REQUESTED;
    const after = applyRecord(before, type, inp.sources);
    // Periodic refreshes repeat the reporter's filter: the merged filter cannot change then.
    const filterChanged = !known || !sameFilter(before, after);
    const removes = after.mode === 'IN' && after.sources.size === 0;
    const track = known?.change ?? row.departed.get(mac) ?? null;
    const out: ReportOutcome = { kind: 'REFRESH', rtxOf: null, rtxN: 0, row, filter: after, suppressed: NO_STRINGS };

    const repeat =
      !isCurrentState(type) && track !== null && now - track.lastAt <= RTX_GAP_SEC && track.sent < timers.qrv &&
      track.signature === signatureOf(type, inp.sources);
    if (repeat && track) {
      track.sent++;
      track.lastAt = now;
      out.kind = 'RTX';
      out.rtxOf = track.kind;
      out.rtxN = track.sent;
    } else if (removes) {
      out.kind = 'REMOVE';
    } else if (!known) {
      // Answering a query means the membership predates what we saw: a refresh, not a join.
      out.kind = (isCurrentState(type) || type === LEGACY_REPORT) && inp.answered ? 'REFRESH' : 'CREATE';
    } else if (isCurrentState(type) || type === LEGACY_REPORT) {
      out.kind = 'REFRESH';
    } else {
      // A state-change record that changes nothing is a fresh join (a second zone's ilm, or an
      // interface that re-ran its joins), not a refresh: hosts send these only on changes.
      out.kind = sameFilter(before, after) ? 'CREATE' : 'FILTER-CHANGE';
    }

    if (removes) {
      if (known) row.reporters.delete(mac);
      // A repeated leave updated its track (kept in `departed`) in place above.
      if (out.kind === 'REMOVE') row.departed.set(mac, changeTrack(type, inp.sources, 'REMOVE', now));
      this.remerge(row);
      if (out.kind === 'REMOVE') this.startLeaving(row, now, now + (timers.qrv * DEFAULT_LMQI_MS) / 1000);
      return out;
    }

    row.departed.delete(mac);
    const reporter: Reporter = known ?? {
      mac, ip: inp.ip, version: inp.version, firstAt: now, lastReportAt: now, lastReporter: false,
      mode: after.mode, sources: after.sources, change: null,
    };
    reporter.mode = after.mode;
    reporter.sources = after.sources;
    reporter.ip = inp.ip;
    reporter.version = inp.version;
    reporter.lastReportAt = now;
    if (out.kind === 'CREATE' || out.kind === 'FILTER-CHANGE') reporter.change = changeTrack(type, inp.sources, out.kind, now);
    row.reporters.set(mac, reporter);

    if (type === LEGACY_REPORT) {
      // A v1/v2 report makes every other legacy member cancel its own (RFC 2236 §3).
      let silenced: string[] | null = null;
      for (const other of row.reporters.values()) {
        if (other !== reporter && other.lastReporter && isLegacyVersion(row.family, other.version)) {
          other.lastReporter = false;
          (silenced ??= []).push(other.mac);
        }
      }
      if (silenced) out.suppressed = silenced;
      reporter.lastReporter = true;
    }

    const wasIdle = row.state === 'EXPIRED' || (row.state === 'LEAVING' && row.reporters.size === 1);
    if (out.kind === 'CREATE' && wasIdle) this.setState(row, 'JOINING', now);
    else if (out.kind === 'REFRESH' || row.state === 'LEAVING' || row.state === 'EXPIRED') this.setState(row, 'MEMBER', now);
    row.expiresAt = now + timers.gmiSec;
    if (filterChanged) this.remerge(row);
    return out;
  }

  /** A group-specific query: the router heard a leave (maybe one we did not) and is checking. */
  groupQuery(link: string, family: Family, group: string, now: number, mrtMs: number, timers: QuerierTimers): IlmRow | undefined {
    const row = this.row(link, family, group);
    if (!row || row.state === 'EXPIRED') return row;
    const lmqi = (mrtMs || DEFAULT_LMQI_MS) / 1000;
    this.startLeaving(row, now, row.state === 'LEAVING' ? now + lmqi : now + timers.qrv * lmqi);
    return row;
  }

  /** Drop a reporter without a leave (its ilm moved to another interface). */
  dropReporter(row: IlmRow, mac: string): void {
    if (row.reporters.delete(mac)) this.remerge(row);
  }

  /** Advance every row to `now`: expiries, joins settling into MEMBER, stale bookkeeping. */
  sweep(now: number, timersFor: (link: string, family: Family) => QuerierTimers): void {
    for (const row of this.rows) {
      const t = timersFor(row.link, row.family);
      if (row.departed.size) for (const [mac, tr] of row.departed) if (now - tr.lastAt > RTX_GAP_SEC) row.departed.delete(mac);
      if (row.state === 'EXPIRED') {
        // Keep an expired row visible for one more membership interval, then forget it.
        if (now > row.stateAt + t.gmiSec && row.departed.size === 0) this.forget(row);
        continue;
      }
      if (row.state === 'LEAVING' && now >= row.expiresAt) {
        row.reporters.clear();
        this.remerge(row);
        this.setState(row, 'EXPIRED', row.expiresAt);
        continue;
      }
      let dropped = false;
      // values(), not entries(): an entry is a new [key, value] array per reporter per message.
      for (const r of row.reporters.values()) {
        if (now > r.lastReportAt + t.gmiSec) {
          row.reporters.delete(r.mac);
          dropped = true;
        }
      }
      if (dropped) this.remerge(row);
      if (row.reporters.size === 0 && row.state !== 'LEAVING') {
        this.setState(row, 'EXPIRED', Math.min(now, row.expiresAt));
      } else if (row.state === 'JOINING' && now > row.stateAt + joinWindowSec(t)) {
        this.setState(row, 'MEMBER', row.stateAt + joinWindowSec(t));
      }
    }
  }
}
