// The ilm observer: feeds each IGMP/MLD message through the querier model, the membership model
// and the cast-move detector, and turns what happened into annotations. Time comes only from
// packet timestamps; the host's /proc tables arrive from the caller (setHostTables).
import { NO_ANNOTATIONS, type Annotation, type Annotator } from '../annotation.js';
import type { Packet } from '../../decode/packet.js';
import { packetAnomalies, senderFingerprint, unqueriedReport } from './anomalies.js';
import { CastMoveDetector, type GroupHolder } from './cast-move.js';
import { IlmEvent, sourceSet, type QueryKind } from './events.js';
import type { HostMembership } from './host-tables.js';
import { LEGACY_LEAVE, LEGACY_REPORT, MembershipTable, NO_STRINGS, type IlmRow, type ReportInput } from './membership.js';
import { blankObservation, readObservation, Rec, REC_NAMES, type Family, type MembershipObservation } from './observation.js';
import { QuerierTable, timersOf, type QuerierTimers } from './querier.js';

interface RecordInput {
  type: number;
  group: string;
  sources: readonly string[];
}

const NO_RECORDS: readonly RecordInput[] = Object.freeze([]);

/** The labels most records get, made once: every legacy report, and records without sources. */
const LEGACY_REPORT_LABELS = ['v0 report', 'v1 report', 'v2 report', 'v3 report'];
const SOURCELESS_LABELS = REC_NAMES.map((name) => `${name}{}`);

function recordLabel(obs: MembershipObservation, r: RecordInput): string {
  if (r.type === LEGACY_REPORT) return LEGACY_REPORT_LABELS[obs.version] ?? `v${obs.version} report`;
  if (r.type === LEGACY_LEAVE) return obs.family === 4 ? 'leave' : 'done';
  if (r.sources.length === 0 && SOURCELESS_LABELS[r.type] !== undefined) return SOURCELESS_LABELS[r.type];
  return `${REC_NAMES[r.type] ?? `type ${r.type}`}${sourceSet(r.sources)}`;
}


export class IlmObserver implements Annotator {
  readonly queriers = new QuerierTable();
  readonly members = new MembershipTable();
  private readonly casts = new CastMoveDetector();
  private hostTable = new Map<string, HostMembership>();
  private now = 0;
  /** Reused for every membership message: nothing keeps it past observeMessage. */
  private readonly current = blankObservation();
  /** The one record of a v1/v2 report or leave, reused likewise (the tables copy what they keep). */
  private readonly legacyRecord: RecordInput = { type: LEGACY_REPORT, group: '', sources: NO_STRINGS };
  private readonly legacyRecords: readonly RecordInput[] = [this.legacyRecord];
  /** What report() hands the membership table, filled afresh for every record. */
  private readonly reportInput: ReportInput = {
    link: '', family: 4, group: '', mac: '', ip: '', version: 0, now: 0, type: 0, sources: NO_STRINGS, answered: null, timers: timersOf(undefined),
  };
  /** The sweep's view of the querier model, made once rather than per message. */
  private readonly timersFor = (link: string, family: Family): QuerierTimers => timersOf(this.queriers.get(link, family));

  /** Time of the newest packet seen (seconds). */
  get lastTime(): number {
    return this.now;
  }

  observe(pkt: Packet, linkName: string): readonly Annotation[] {
    if (!readObservation(pkt, linkName, this.current)) return NO_ANNOTATIONS;
    return this.observeMessage(this.current);
  }

  /** The state machine proper, on an already extracted message. */
  observeMessage(obs: MembershipObservation): IlmEvent[] {
    this.advance(obs.ts);
    const anomalies = packetAnomalies(obs);
    const sender = senderFingerprint(obs);
    this.casts.noteSource(obs.srcMac, obs.srcIp, obs.family);
    if (obs.kind === 'query') return [this.query(obs, anomalies, sender)];
    const events: IlmEvent[] = [];
    const records = this.recordsOf(obs);
    for (let i = 0; i < records.length; i++) this.report(obs, records[i], anomalies, sender, events);
    return events;
  }

  /** A message's records: a v3/MLDv2 report's own, or the one record a v1/v2 report or leave stands for. */
  private recordsOf(obs: MembershipObservation): readonly RecordInput[] {
    if (obs.kind === 'report' && (obs.records.length > 0 || obs.group === null)) return obs.records;
    if (obs.group === null) return NO_RECORDS;
    this.legacyRecord.type = obs.kind === 'leave' ? LEGACY_LEAVE : LEGACY_REPORT;
    this.legacyRecord.group = obs.group;
    return this.legacyRecords;
  }

  /** Bring timers up to `now` (packet time); views call this with the time they display. */
  advance(now: number): void {
    if (now < this.now) return;
    this.now = now;
    this.members.sweep(now, this.timersFor);
  }

  /** Hook for the IPMP observer: a failure verdict for `mac`, so a following cast move cites it. */
  noteInterfaceFailure(mac: string, tsSec: number): void {
    this.casts.noteInterfaceFailure(mac, tsSec);
  }

  /** Configuration: `mac` is one of `host`'s NICs (otherwise learned from shared IPv4 sources). */
  noteHostMac(host: string, mac: string): void {
    this.casts.noteHostMac(host, mac);
  }

  /** The capturing host's memberships (re-read by the caller), matched to its outgoing reports. */
  setHostTables(memberships: HostMembership[]): void {
    this.hostTable = new Map(memberships.map((m) => [`${m.device}|${m.group}`, m]));
  }

  private base(obs: MembershipObservation, group: string | null, anomalies: readonly string[]): IlmEvent {
    const q = this.queriers.get(obs.link, obs.family);
    return new IlmEvent(obs.link, obs.family, group, obs.srcMac, obs.srcIp, q?.address ?? null, q?.version ?? null, anomalies);
  }

  private rowStatus(e: IlmEvent, row: IlmRow | undefined, now: number): void {
    if (!row) return;
    e.state = row.state;
    e.expiresInSec = row.state === 'EXPIRED' ? null : Math.max(0, row.expiresAt - now);
  }

  private query(obs: MembershipObservation, anomalies: readonly string[], sender: IlmEvent['sender']): IlmEvent {
    const outcome = this.queriers.noteQuery(obs);
    const kind: QueryKind = obs.group === null ? 'general' : obs.querySources.length ? 'group-and-source' : 'group';
    const e = this.base(obs, obs.group, anomalies);
    e.kind = 'QUERY';
    e.sender = sender;
    e.query = {
      kind, version: obs.version, mrtMs: outcome.ref.mrtMs, qrv: obs.qrv, qqiSec: obs.qqiSec,
      sources: obs.querySources, elected: outcome.elected,
    };
    if (obs.group !== null) {
      const timers = timersOf(outcome.querier);
      const row = kind === 'group'
        ? this.members.groupQuery(obs.link, obs.family, obs.group, obs.ts, outcome.ref.mrtMs, timers)
        : this.members.row(obs.link, obs.family, obs.group);
      this.rowStatus(e, row, obs.ts);
    }
    return e;
  }

  private report(
    obs: MembershipObservation, rec: RecordInput, packetAnoms: readonly string[], sender: IlmEvent['sender'], out: IlmEvent[],
  ): void {
    const { link, family, ts } = obs;
    const timers = timersOf(this.queriers.get(link, family));
    // Only current-state records and v1/v2 reports can be answers to a query.
    const answers = rec.type === LEGACY_REPORT || rec.type === Rec.IS_IN || rec.type === Rec.IS_EX;
    const answered = answers ? this.queriers.answeredQuery(link, family, rec.group, ts) : null;
    const unqueried = unqueriedReport(
      rec.type, rec.group, this.queriers.openGroupQueries(link, family, ts), this.queriers.generalQueryOpen(link, family, ts),
    );
    // The packet's list is shared by its records' events (nothing changes it later).
    const anomalies = unqueried ? [...packetAnoms, unqueried] : packetAnoms;

    const inp = this.reportInput;
    inp.link = link;
    inp.family = family;
    inp.group = rec.group;
    inp.mac = obs.srcMac || obs.srcIp;
    inp.ip = obs.srcIp;
    inp.version = obs.version;
    inp.now = ts;
    inp.type = rec.type;
    inp.sources = rec.sources;
    inp.answered = answered;
    inp.timers = timers;
    const outcome = this.members.report(inp);
    const e = this.base(obs, rec.group, anomalies);
    e.kind = outcome.kind;
    e.record = recordLabel(obs, rec);
    e.mode = outcome.filter.mode;
    e.sources = outcome.filter.sources.size ? [...outcome.filter.sources] : NO_STRINGS;
    e.sender = sender;
    if (outcome.kind === 'RTX' && outcome.rtxOf) e.rtx = { of: outcome.rtxOf, n: outcome.rtxN, rv: timers.qrv };
    if (outcome.kind === 'REFRESH' && answered) e.answers = answered.number;
    if (outcome.kind === 'CREATE') e.castMove = this.castMove(obs, rec.group, family);
    if (obs.outgoing) e.host = this.hostTable.get(`${link}|${rec.group}`) ?? null;
    this.rowStatus(e, outcome.row, ts);
    out.push(e);

    if (outcome.suppressed.length) {
      const s = this.base(obs, rec.group, NO_STRINGS);
      s.kind = 'SUPPRESSED';
      s.record = e.record;
      s.suppressed = outcome.suppressed;
      this.rowStatus(s, outcome.row, ts);
      out.push(s);
    }
  }

  /** A join that takes over a group another NIC of the same host held: move the ilm over. */
  private castMove(obs: MembershipObservation, group: string, family: Family): IlmEvent['castMove'] {
    const mac = obs.srcMac || obs.srcIp;
    const holders: GroupHolder[] = [];
    const rows = this.members.all().filter((r) => r.family === family && r.group === group);
    for (const row of rows) {
      for (const holder of row.reporters.keys()) {
        if (holder !== mac) holders.push({ mac: holder, link: row.link, groupsHeld: this.members.heldBy(holder, family).length });
      }
    }
    const move = this.casts.onJoin(obs.ts, family, mac, obs.link, holders);
    if (move) for (const row of rows) this.members.dropReporter(row, move.fromMac);
    return move;
  }
}
