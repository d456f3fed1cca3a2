// ilm events and how each becomes an Annotation: the bracketed summary
// (`ilm eth1 239.1.2.3 CREATE EX{} rtx 1/2 querier 192.0.2.1 v3`), the -v detail lines and the
// JSON object.
import { type ByteText, textOf } from '../../output/byte-text.js';
import type { Annotation } from '../annotation.js';
import type { Fingerprint } from './anomalies.js';
import type { CastMove } from './cast-move.js';
import type { HostMembership } from './host-tables.js';
import { NO_STRINGS, type FilterMode, type IlmEventKind, type RowState } from './membership.js';
import type { Family } from './observation.js';

export type QueryKind = 'general' | 'group' | 'group-and-source';

export interface QueryInfo {
  kind: QueryKind;
  version: number;
  mrtMs: number;
  qrv: number;
  qqiSec: number;
  sources: string[];
  /** The sender is the elected querier (lowest address). */
  elected: boolean;
}

/**
 * One thing an IGMP/MLD message did to the ilm model, and its Annotation: the bracketed summary
 * is written straight into the line's bytes (link, group and querier as recurring strings); the
 * summary string, the -v lines and the JSON object are built only when something reads them,
 * once. Event and annotation are one object: a busy link makes one per message.
 */
export class IlmEvent implements Annotation {
  kind: IlmEventKind = 'REFRESH';
  /** What the message said: `TO_EX{}`, `ALLOW{198.51.100.7}`, `v2 report`, `leave`, `done`, `query`. */
  record = 'query';
  /** The reporter's filter after the message (null for queries). */
  mode: FilterMode | null = null;
  sources: readonly string[] = NO_STRINGS;
  /** RTX: the event repeated and which repetition of how many the querier's RV allows. */
  rtx: { of: IlmEventKind; n: number; rv: number } | null = null;
  /** REFRESH: the packet number of the query it answers. */
  answers: number | null = null;
  query: QueryInfo | null = null;
  /** SUPPRESSED: the members that stop reporting because of this report. */
  suppressed: readonly string[] = NO_STRINGS;
  state: RowState | null = null;
  /** Seconds until the router drops the group, null once it has. */
  expiresInSec: number | null = null;
  sender: Fingerprint | null = null;
  castMove: CastMove | null = null;
  host: HostMembership | null = null;
  private builtSummary: string | undefined;
  private builtDetail: string[] | undefined;
  private builtJson: Record<string, unknown> | undefined;

  constructor(
    readonly link: string,
    readonly family: Family,
    /** null for a general query. */
    readonly group: string | null,
    /** MAC of the reporter (or querier) and its IP. */
    readonly reporter: string,
    readonly reporterIp: string,
    readonly querier: string | null,
    readonly querierVersion: number | null,
    readonly anomalies: readonly string[],
  ) {}

  /** On the prototype, not in every instance. */
  get source(): 'ilm' {
    return 'ilm';
  }

  get summary(): string {
    return (this.builtSummary ??= textOf((out) => this.writeSummary(out)));
  }

  get detail(): string[] {
    return (this.builtDetail ??= detailLines(this));
  }

  get json(): Record<string, unknown> {
    return (this.builtJson ??= jsonOf(this));
  }

  /** `ilm eth1 239.1.2.3 REFRESH EX{} querier 192.0.2.1 v3`. */
  writeSummary(out: ByteText): void {
    out.text('ilm ');
    out.recurring(this.link);
    if (this.group !== null) {
      out.byte(SPACE);
      out.recurring(this.group);
    }
    out.byte(SPACE);
    writeEventText(out, this);
    if (this.castMove) {
      out.byte(SPACE);
      out.text(castMoveText(this.castMove));
    }
    if (this.querier !== null) {
      out.text(' querier ');
      out.recurring(this.querier);
      out.text(' v');
      if (this.querierVersion !== null) out.int(this.querierVersion);
    }
    if (this.anomalies.length) {
      out.text(' ! ');
      out.text(this.anomalies.join('; '));
    }
  }
}

const SPACE = 0x20;
const MAX_SUMMARY_SOURCES = 4;

/** `{a,b}` with long lists cut short for one-line summaries. */
export function sourceSet(sources: readonly string[], limit = Infinity): string {
  if (sources.length <= limit) return `{${sources.join(',')}}`;
  return `{${sources.slice(0, limit).join(',')},+${sources.length - limit}}`;
}

/** The texts of filters without sources, which most membership traffic carries: made once. */
const EMPTY_FILTER_TEXT: Record<FilterMode, string> = { IN: 'IN{}', EX: 'EX{}' };

export function filterText(mode: FilterMode, sources: readonly string[], limit = Infinity): string {
  return sources.length === 0 ? EMPTY_FILTER_TEXT[mode] : `${mode}${sourceSet(sources, limit)}`;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

/**
 * What happened, after the group: `REFRESH EX{} (query #12)`, `CREATE IN{198.51.100.7}`, written
 * in pieces: a template string here would be built, then flattened to be copied, on every
 * membership line.
 */
function writeEventText(out: ByteText, e: IlmEvent): void {
  const filter = e.mode === null ? '' : filterText(e.mode, e.sources, MAX_SUMMARY_SOURCES);
  switch (e.kind) {
    case 'QUERY': {
      const q = e.query;
      if (!q) {
        out.text('QUERY');
        return;
      }
      const srcs = q.kind === 'group-and-source' ? ` ${sourceSet(q.sources, MAX_SUMMARY_SOURCES)}` : '';
      out.text(`QUERY ${q.kind}${srcs} v${q.version} mrt ${seconds(q.mrtMs)}${q.elected ? '' : ' non-querier'}`);
      return;
    }
    case 'RTX':
      out.text(e.rtx?.of ?? 'RTX');
      out.byte(SPACE);
      out.text(e.rtx?.of === 'REMOVE' ? e.record : filter);
      out.text(' rtx ');
      out.text(`${e.rtx?.n}/${e.rtx?.rv}`);
      return;
    case 'FILTER-CHANGE':
      out.text('FILTER-CHANGE ');
      out.text(e.record);
      out.text(' → ');
      out.text(filter);
      return;
    case 'REMOVE':
      out.text('REMOVE ');
      out.text(e.record);
      return;
    case 'REFRESH':
      out.text('REFRESH ');
      out.text(filter);
      if (e.answers !== null) {
        out.text(' (query #');
        out.int(e.answers);
        out.byte(0x29);
      }
      return;
    case 'SUPPRESSED':
      out.text(`SUPPRESSED ${e.suppressed.join(',')} by ${e.reporter}`);
      return;
    default:
      out.text('CREATE ');
      out.text(filter);
  }
}

function castMoveText(m: CastMove): string {
  const failure = m.afterFailureSec === null ? '' : ` after failure ${m.afterFailureSec.toFixed(1)}s earlier`;
  return `cast-move ${m.fromLink}/${m.fromMac} → ${m.toLink}/${m.toMac} (${m.moved}/${m.of})${failure}`;
}

function hostText(h: HostMembership): string {
  const timer = h.timerRunning ? ` timer ${seconds(h.timerMs)}` : '';
  const l2 = h.linkAddress === null ? '' : ` l2 ${h.linkAddress.replace(/:/g, '')}(ref ${h.linkRefcount})`;
  const querier = h.querier === null ? '' : ` querier=${h.querier}`;
  return `host-ilm ${h.device} ${h.group} users=${h.users} reporter=${h.reporter ? 1 : 0}${querier}${timer}${l2} ${filterText(h.mode, h.sources)}`;
}

function detailLines(e: IlmEvent): string[] {
  const expires = e.expiresInSec === null ? '-' : `${e.expiresInSec.toFixed(1)} s`;
  const detail = [
    `Link = ${e.link}`,
    `Group = ${e.group ?? '(general)'}`,
    `Event = ${e.kind}${e.rtx ? ` of ${e.rtx.of} ${e.rtx.n}/${e.rtx.rv}` : ''} (${e.record})${e.answers === null ? '' : `, answers query #${e.answers}`}`,
    `Mode = ${e.mode ?? '-'}`,
    `Sources = ${e.mode === null ? '-' : e.sources.length ? e.sources.join(', ') : '(none)'}`,
    `Reporter = ${e.reporter || '-'} (${e.reporterIp})`,
    `State = ${e.state ?? '-'}`,
    `Expires = ${expires}`,
    `Querier = ${e.querier === null ? '(none seen)' : `${e.querier} v${e.querierVersion}`}`,
    `Anomalies = ${e.anomalies.length ? e.anomalies.join('; ') : 'none'}`,
  ];
  if (e.suppressed.length) detail.push(`Suppressed = ${e.suppressed.join(', ')}`);
  if (e.sender) detail.push(`Sender = ${e.sender.os}-like (${e.sender.reason})`);
  if (e.castMove) detail.push(`Cast move = ${castMoveText(e.castMove)}`);
  if (e.host) detail.push(`Host = ${hostText(e.host)}`);
  return detail;
}

function jsonOf(e: IlmEvent): Record<string, unknown> {

  const json: Record<string, unknown> = {
    link: e.link,
    group: e.group,
    event: e.kind,
    mode: e.mode,
    sources: e.sources,
    reporter: e.reporter,
    querier: e.querier,
    family: e.family,
    record: e.record,
    reporterIp: e.reporterIp,
    state: e.state,
    expiresInSec: e.expiresInSec,
    querierVersion: e.querierVersion,
  };
  if (e.rtx) json.rtx = e.rtx;
  if (e.answers !== null) json.answers = e.answers;
  if (e.query) json.query = e.query;
  if (e.suppressed.length) json.suppressed = e.suppressed;
  if (e.anomalies.length) json.anomalies = e.anomalies;
  if (e.sender) json.sender = e.sender;
  if (e.castMove) json.castMove = e.castMove;
  if (e.host) json.host = e.host;
  return json;
}
