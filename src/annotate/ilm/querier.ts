// Per (link, family) querier model: who the elected querier is (lowest source address, RFC 3376
// §6.6.2 / RFC 3810 §7.6.2), the timer values it advertises, which older-version queriers hosts
// must stay compatible with (§7.3.1), and the recent queries a report may be answering.
import type { Family, MembershipObservation } from './observation.js';

/** RFC defaults used until a v3/MLDv2 query tells us otherwise. */
export const DEFAULT_QRV = 2;
export const DEFAULT_QQI_SEC = 125;
export const DEFAULT_QRI_MS = 10_000;
/** Last Member Query Interval default (code 10 = 1 s). */
export const DEFAULT_LMQI_MS = 1_000;
/** IGMPv1 queries carry no response time; hosts use 10 s (RFC 2236 §4). */
const IGMPV1_RESPONSE_MS = 10_000;

export interface QueryRef {
  number: number;
  at: number;
  /** null for a general query. */
  group: string | null;
  sources: string[];
  mrtMs: number;
  from: string;
}

export interface QuerierState {
  link: string;
  family: Family;
  address: string;
  /** Comparable form of `address` (fixed-width hex). */
  key: string;
  mac: string;
  /** Version of the elected querier's last query (IGMP 1..3, MLD 1..2). */
  version: number;
  qrv: number;
  qqiSec: number;
  /** Max response time of its last general query (the Query Response Interval). */
  qriMs: number;
  lastQueryAt: number;
  /** Older-version querier present until (IGMP v1 / v2, MLD v1 uses olderV1Until). */
  olderV1Until: number;
  olderV2Until: number;
  lastGeneral: QueryRef | null;
  groupQueries: Map<string, QueryRef>;
  /** What qrv, qqiSec and qriMs imply, set with them (readers must not modify it). */
  timers: QuerierTimers;
}

/** Timer values derived from the elected querier (RFC 3376 §8). */
export interface QuerierTimers {
  qrv: number;
  qqiSec: number;
  qriMs: number;
  /** Group Membership Interval = RV·QI + QRI (260 s by default). */
  gmiSec: number;
  /** Other Querier Present Interval = RV·QI + QRI/2. */
  oqpiSec: number;
}

function computeTimers(q: QuerierState | undefined): QuerierTimers {
  const qrv = q?.qrv || DEFAULT_QRV;
  const qqiSec = q?.qqiSec || DEFAULT_QQI_SEC;
  const qriMs = q?.qriMs || DEFAULT_QRI_MS;
  return { qrv, qqiSec, qriMs, gmiSec: qrv * qqiSec + qriMs / 1000, oqpiSec: qrv * qqiSec + qriMs / 2000 };
}

const DEFAULT_TIMERS: Readonly<QuerierTimers> = computeTimers(undefined);

/**
 * The timers in force on a link. Every membership message asks for them, so they are computed
 * when a query sets the querier's values (noteQuery) and only read here.
 */
export function timersOf(q: QuerierState | undefined): QuerierTimers {
  return q ? q.timers : DEFAULT_TIMERS;
}

/** How a query changed the querier model. */
export interface QueryOutcome {
  querier: QuerierState;
  /** The sender is (now) the elected querier. */
  elected: boolean;
  ref: QueryRef;
}

/** Slack added to response windows: hosts send at the deadline and captures timestamp late. */
const RESPONSE_SLACK_SEC = 0.5;

/** When a query's response window, slack included, closes (seconds). */
function windowEnd(r: QueryRef): number {
  return r.at + r.mrtMs / 1000 + RESPONSE_SLACK_SEC;
}

/** A query whose response window (plus slack) contains `now`. */
function answerable(r: QueryRef | null | undefined, now: number): r is QueryRef {
  return !!r && now >= r.at && now <= windowEnd(r);
}

const NO_QUERIES: readonly QueryRef[] = Object.freeze([]);

export class QuerierTable {
  /** Per link: the IGMP and the MLD querier (looked up per message, so no key strings are built). */
  private readonly byLink = new Map<string, { 4?: QuerierState; 6?: QuerierState }>();

  get(link: string, family: Family): QuerierState | undefined {
    return this.byLink.get(link)?.[family];
  }

  all(): QuerierState[] {
    const out: QuerierState[] = [];
    for (const both of this.byLink.values()) {
      if (both[4]) out.push(both[4]);
      if (both[6]) out.push(both[6]);
    }
    return out;
  }

  noteQuery(obs: MembershipObservation): QueryOutcome {
    const mrtMs = obs.family === 4 && obs.version === 1 ? IGMPV1_RESPONSE_MS : obs.maxRespMs;
    const ref: QueryRef = { number: obs.number, at: obs.ts, group: obs.group, sources: obs.querySources, mrtMs, from: obs.srcIp };
    let q = this.get(obs.link, obs.family);
    const current = q;
    const takesOver =
      !current ||
      obs.srcKey <= current.key ||
      obs.ts > current.lastQueryAt + timersOf(current).oqpiSec;
    if (!q) {
      q = {
        link: obs.link, family: obs.family, address: obs.srcIp, key: obs.srcKey, mac: obs.srcMac,
        version: obs.version, qrv: 0, qqiSec: 0, qriMs: 0, lastQueryAt: obs.ts,
        olderV1Until: 0, olderV2Until: 0, lastGeneral: null, groupQueries: new Map(), timers: DEFAULT_TIMERS,
      };
      let both = this.byLink.get(obs.link);
      if (!both) this.byLink.set(obs.link, (both = {}));
      both[obs.family] = q;
    }
    // Hosts fall back to an older version on hearing any older query, elected or not (§7.3.1).
    const olderUntil = obs.ts + timersOf(q).gmiSec;
    if (obs.version === 1) q.olderV1Until = olderUntil;
    if (obs.family === 4 && obs.version === 2) q.olderV2Until = olderUntil;
    if (takesOver) {
      q.address = obs.srcIp;
      q.key = obs.srcKey;
      q.mac = obs.srcMac;
      q.version = obs.version;
      q.lastQueryAt = obs.ts;
      const modern = (obs.family === 4 && obs.version === 3) || (obs.family === 6 && obs.version === 2);
      // QRV 0 means "use the default"; older versions carry no QRV/QQIC at all.
      q.qrv = modern && obs.qrv > 0 ? obs.qrv : DEFAULT_QRV;
      q.qqiSec = modern && obs.qqiSec > 0 ? obs.qqiSec : DEFAULT_QQI_SEC;
      if (obs.group === null) q.qriMs = mrtMs || DEFAULT_QRI_MS;
      q.timers = computeTimers(q);
    }
    if (obs.group === null) q.lastGeneral = ref;
    else q.groupQueries.set(obs.group, ref);
    return { querier: q, elected: takesOver, ref };
  }

  /**
   * The host compatibility mode a member on this link must use (RFC 3376 §7.2.1,
   * RFC 3810 §8.2.1): the oldest querier version heard recently; null before any query.
   */
  compatVersion(link: string, family: Family, now: number): number | null {
    const q = this.get(link, family);
    if (!q) return null;
    if (now < q.olderV1Until) return 1;
    if (family === 4 && now < q.olderV2Until) return 2;
    return family === 4 ? 3 : 2;
  }

  /**
   * The query a report for `group` is answering: the newest group(-and-source) query for it,
   * else the newest general query, whose response window contains `now`.
   */
  answeredQuery(link: string, family: Family, group: string, now: number): QueryRef | null {
    const q = this.get(link, family);
    if (!q) return null;
    const specific = q.groupQueries.get(group);
    if (answerable(specific, now)) return specific;
    return answerable(q.lastGeneral, now) ? q.lastGeneral : null;
  }

  /** Group-specific queries whose response window is still open (for "not queried" checks). */
  openGroupQueries(link: string, family: Family, now: number): readonly QueryRef[] {
    const q = this.get(link, family);
    // Most reports meet no group query: they share one empty answer.
    if (!q || q.groupQueries.size === 0) return NO_QUERIES;
    const out: QueryRef[] = [];
    for (const [g, r] of q.groupQueries) {
      if (now > windowEnd(r)) q.groupQueries.delete(g);
      else out.push(r);
    }
    return out;
  }

  /** True when a general query's response window is open. */
  generalQueryOpen(link: string, family: Family, now: number): boolean {
    return answerable(this.get(link, family)?.lastGeneral, now);
  }
}
