// The `--ilm` table (rebuilt from the wire) and `--ilm host` (the capturing host's /proc tables)
// in one shape: LINK GROUP MODE SOURCES MEMBERS STATE EXPIRES QUERIER, one row per (link, group).
import { sourceSet } from './events.js';
import { hostMemberships, type HostMembership, type HostTables } from './host-tables.js';
import type { FilterMode } from './membership.js';
import type { Family } from './observation.js';
import type { IlmObserver } from './observer.js';

export interface IlmTableRow {
  link: string;
  family: Family;
  group: string;
  mode: FilterMode;
  sources: string[];
  /** Reporter MACs (wire view) or `users=N reporter` (host view). */
  members: string[];
  state: string;
  /** Seconds left (router expiry on the wire, report timer on the host); null when none. */
  expiresInSec: number | null;
  querier: string | null;
}

export const ILM_COLUMNS = ['LINK', 'GROUP', 'MODE', 'SOURCES', 'MEMBERS', 'STATE', 'EXPIRES', 'QUERIER'] as const;

const MAX_TABLE_SOURCES = 3;

function compareRows(a: IlmTableRow, b: IlmTableRow): number {
  return a.link.localeCompare(b.link) || a.family - b.family || a.group.localeCompare(b.group, 'en', { numeric: true });
}

/** The wire view at time `now` (default: the newest packet's time). */
export function ilmTableRows(observer: IlmObserver, now = observer.lastTime): IlmTableRow[] {
  observer.advance(now);
  return observer.members.all().map((row): IlmTableRow => {
    const q = observer.queriers.get(row.link, row.family);
    return {
      link: row.link, family: row.family, group: row.group, mode: row.mode, sources: [...row.sources],
      members: [...row.reporters.keys()], state: row.state,
      expiresInSec: row.state === 'EXPIRED' ? null : Math.max(0, row.expiresAt - now),
      querier: q ? `${q.address} v${q.version}` : null,
    };
  }).sort(compareRows);
}

/** The host view: Linux's ilms, `DELAYING` while a report timer runs (RFC "Delaying Member"). */
export function hostTableRows(memberships: HostMembership[]): IlmTableRow[] {
  return memberships.map((m): IlmTableRow => ({
    link: m.device, family: m.family, group: m.group, mode: m.mode, sources: m.sources,
    members: [`users=${m.users}${m.reporter ? ' reporter' : ''}`],
    state: m.timerRunning ? 'DELAYING' : 'IDLE',
    expiresInSec: m.timerRunning ? m.timerMs / 1000 : null,
    querier: m.querier,
  })).sort(compareRows);
}

function cells(r: IlmTableRow): string[] {
  const members = r.members.length <= 1 ? r.members.join('') : `${r.members.length} (${r.members[0]},+${r.members.length - 1})`;
  return [
    r.link, r.group, r.mode,
    r.sources.length ? sourceSet(r.sources, MAX_TABLE_SOURCES).slice(1, -1) : '-',
    members || '-', r.state,
    r.expiresInSec === null ? '-' : `${Math.ceil(r.expiresInSec)}s`,
    r.querier ?? '-',
  ];
}

/** The table as text lines, columns padded to their widest cell. */
export function formatIlmTable(rows: IlmTableRow[]): string[] {
  const table = [[...ILM_COLUMNS], ...rows.map(cells)];
  const widths = ILM_COLUMNS.map((_, i) => Math.max(...table.map((r) => r[i].length)));
  return table.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
}

/** `--ilm`: the wire view as printable text (ends with a newline). */
export function renderIlmTable(observer: IlmObserver, now = observer.lastTime): string {
  return formatIlmTable(ilmTableRows(observer, now)).join('\n') + '\n';
}

/** `--ilm host`: the capturing host's own tables as printable text. */
export function renderHostIlmTable(tables: HostTables): string {
  return formatIlmTable(hostTableRows(hostMemberships(tables))).join('\n') + '\n';
}
