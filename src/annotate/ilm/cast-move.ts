// IPMP cast-interface moves. An IPMP group sends all its IGMP/MLD through one nominated "cast"
// NIC; when that NIC fails, illumos re-runs every join on the new cast NIC (no leaves on the old
// one, which is down). On the wire: a burst of joins for groups another MAC of the same host was
// reporting. Two MACs are the same host when configured so, or when both sent reports from one
// IPv4 data address (IPMP round-robins reports over the group's data addresses).
import type { Family } from './observation.js';

export interface CastMove {
  host: string;
  family: Family;
  fromMac: string;
  fromLink: string;
  toMac: string;
  toLink: string;
  /** Groups moved so far in this burst, and how many the old interface held when it began. */
  moved: number;
  of: number;
  /** Seconds since an interface failure was noted for the old MAC, when one was. */
  afterFailureSec: number | null;
}

export interface GroupHolder {
  mac: string;
  link: string;
  /** Groups of this family the holder reports in all. */
  groupsHeld: number;
}

/** Joins further apart than this are separate events, not one re-join burst. */
const BURST_GAP_SEC = 15;
/** A failure verdict explains a move that follows within this long. */
const FAILURE_LINK_SEC = 60;

interface Burst extends CastMove {
  lastAt: number;
}

export class CastMoveDetector {
  private readonly configured = new Map<string, string>();
  /** Union-find over MACs that shared a source address; the label names the learned host. */
  private readonly parent = new Map<string, string>();
  private readonly label = new Map<string, string>();
  private readonly macByIp = new Map<string, string>();
  private readonly failures = new Map<string, number>();
  private readonly bursts = new Map<string, Burst>();

  /** Configuration: `mac` belongs to `host` (e.g. from ipmp knowledge). */
  noteHostMac(host: string, mac: string): void {
    this.configured.set(mac, host);
  }

  noteInterfaceFailure(mac: string, ts: number): void {
    this.failures.set(mac, ts);
  }

  /** Learn from a report: the same IPv4 address from two MACs ties them to one host. */
  noteSource(mac: string, ip: string, family: Family): void {
    // IPv6 MLD uses per-NIC link-local sources, so only IPv4 data addresses link NICs.
    if (!mac || family !== 4 || ip === '0.0.0.0') return;
    const seen = this.macByIp.get(ip);
    if (seen === undefined) {
      this.macByIp.set(ip, mac);
      return;
    }
    if (seen === mac) return;
    const a = this.find(seen);
    const b = this.find(mac);
    if (a !== b) {
      this.parent.set(b, a);
      if (!this.label.has(a)) this.label.set(a, ip);
    }
  }

  private find(mac: string): string {
    let m = mac;
    for (let p = this.parent.get(m); p !== undefined && p !== m; p = this.parent.get(m)) m = p;
    return m;
  }

  hostOf(mac: string): string | null {
    const configured = this.configured.get(mac);
    if (configured !== undefined) return configured;
    const root = this.find(mac);
    return this.label.get(root) ?? null;
  }

  /**
   * A join from `mac` on `link` for a group currently held by `holders`. Returns the move it is
   * part of when another MAC of the same host held the group, else null.
   */
  onJoin(now: number, family: Family, mac: string, link: string, holders: GroupHolder[]): CastMove | null {
    const host = this.hostOf(mac);
    if (host === null) return null;
    const old = holders.find((h) => h.mac !== mac && this.hostOf(h.mac) === host);
    if (!old) return null;
    const key = `${host}|${family}`;
    const burst = this.bursts.get(key);
    if (burst && burst.toMac === mac && burst.fromMac === old.mac && now - burst.lastAt <= BURST_GAP_SEC) {
      burst.moved++;
      burst.lastAt = now;
      return snapshot(burst);
    }
    const failedAt = this.failures.get(old.mac);
    const afterFailureSec = failedAt !== undefined && failedAt <= now && now - failedAt <= FAILURE_LINK_SEC ? now - failedAt : null;
    const fresh: Burst = {
      host, family, fromMac: old.mac, fromLink: old.link, toMac: mac, toLink: link,
      moved: 1, of: old.groupsHeld, afterFailureSec, lastAt: now,
    };
    this.bursts.set(key, fresh);
    return snapshot(fresh);
  }
}

function snapshot(b: Burst): CastMove {
  return {
    host: b.host, family: b.family, fromMac: b.fromMac, fromLink: b.fromLink, toMac: b.toMac, toLink: b.toLink,
    moved: b.moved, of: b.of, afterFailureSec: b.afterFailureSec,
  };
}
