// The decisions in.mpathd takes at each timer tick (phyint_inst_timer's second half):
// probe_fail_info / probe_success_info, phyint_inst_probe_failure_state, failure_state,
// phyint_repaired. They mutate the emulated state exactly as the daemon would and return what
// was decided, with the probe seqs that prove it.
import {
  type IpmpGroup,
  MIN_SETTLING_TIME_NS,
  NUM_PROBE_FAILS,
  NUM_PROBE_REPAIRS,
  type Phyint,
  PR,
  PROBE_STATS_COUNT,
  type ProbeInstance,
  probeIndexPrev,
  seqDiff,
} from './instance.js';
import type { ProbeTarget } from './targets.js';

export type Verdict =
  | { type: 'failed'; phyint: Phyint; inst: ProbeInstance; lost: number[]; otherAf: { af: 4 | 6; lost: number[] } | null }
  | { type: 'group-failed'; group: IpmpGroup; phyint: Phyint; inst: ProbeInstance; lost: number[] }
  | { type: 'repaired'; phyint: Phyint; acked: number[]; af: 4 | 6 }
  | { type: 'group-repaired'; group: IpmpGroup; phyint: Phyint }
  | { type: 'target-dropped'; inst: ProbeInstance; target: ProbeTarget; status: 'dead' | 'slow' | 'deleted'; lost: number[] }
  | { type: 'fdt-raised'; group: IpmpGroup; fdtMs: number; target: ProbeTarget; crttMs: number }
  | { type: 'fdt-lowered'; group: IpmpGroup; fdtMs: number };

/** The usual outcome of a tick, shared and frozen so nothing is allocated for it. */
export const NO_VERDICTS: readonly Verdict[] = Object.freeze([]);

interface FailInfo {
  nfail: number;
  nfailTg: number;
  tffNs: number;
  lost: number[];
  lostTg: number[];
}

interface SuccessInfo {
  nsucc: number;
  nsuccTg: number;
  tlsNs: number | null;
  acked: number[];
  ackedTg: number[];
}

/** Walk the ring from the newest slot back (the oldest slot at probe_next is not visited, as in C). */
function* newestFirst(inst: ProbeInstance) {
  for (let i = probeIndexPrev(inst.probeNext), n = 0; n < PROBE_STATS_COUNT - 1; i = probeIndexPrev(i), n++) yield inst.ring[i];
}

/** probe_fail_info: consecutive LOST slots from the newest, overall and for `curTg`. */
export function probeFailInfo(inst: ProbeInstance, curTg: ProbeTarget | null, nowNs: number): FailInfo {
  const info: FailInfo = { nfail: 0, nfailTg: 0, tffNs: 0, lost: [], lostTg: [] };
  let piSuccess = false;
  let tgSuccess = false;
  for (const s of newestFirst(inst)) {
    if (s.status === PR.UNACKED) {
      const timeout = inst.timeoutNs(s);
      if (timeout > nowNs) continue;
      inst.markLost(s, timeout);
    }
    if (s.status === PR.LOST) {
      if (!piSuccess) {
        info.nfail++;
        info.tffNs = s.doneNs;
        info.lost.unshift(s.seq);
      }
      if (curTg && s.target === curTg && !tgSuccess) {
        info.nfailTg++;
        info.lostTg.unshift(s.seq);
      }
    } else {
      piSuccess = true;
      if (curTg && s.target === curTg) tgSuccess = true;
    }
  }
  return info;
}

/** probe_success_info: consecutive ACKED slots from the newest, and the time of last success. */
export function probeSuccessInfo(inst: ProbeInstance, curTg: ProbeTarget | null, nowNs: number): SuccessInfo {
  const info: SuccessInfo = { nsucc: 0, nsuccTg: 0, tlsNs: null, acked: [], ackedTg: [] };
  let piFailure = false;
  let tgFailure = false;
  for (const s of newestFirst(inst)) {
    if (s.status === PR.UNACKED) {
      const timeout = inst.timeoutNs(s);
      if (timeout < nowNs) {
        inst.markLost(s, timeout);
        piFailure = true;
        if (curTg && s.target === curTg) tgFailure = true;
      }
    } else if (s.status === PR.ACKED) {
      if (!piFailure) {
        info.nsucc++;
        info.acked.unshift(s.seq);
      }
      if (curTg && s.target === curTg && !tgFailure) {
        info.nsuccTg++;
        info.ackedTg.unshift(s.seq);
      }
      if (info.tlsNs === null) info.tlsNs = s.doneNs;
    } else if (s.status === PR.LOST) {
      piFailure = true;
      if (curTg && s.target === curTg) tgFailure = true;
    } else {
      return info;
    }
  }
  return info;
}

/** Reset every target estimator of a phyint (reset_crtt_all). */
function resetCrttAll(pi: Phyint): void {
  for (const inst of pi.instances()) inst.targets.resetRtt();
}

function otherMembersProbeCapable(pi: Phyint): Phyint[] {
  return pi.group.liveMembers().filter((p) => p !== pi && p.instances().some((i) => i.probeCapable()));
}

/** failure_state + phyint_inst_check_for_failure, for an instance whose newest resolved probe was lost. */
function checkForFailure(inst: ProbeInstance, nowNs: number): readonly Verdict[] {
  const pi = inst.phyint;
  const curTg = inst.newest().target;
  const pf = probeFailInfo(inst, curTg, nowNs);
  if (pf.nfail < NUM_PROBE_FAILS && pf.nfailTg >= NUM_PROBE_FAILS && curTg) {
    const routers = inst.targets.areRouters === true;
    const status = routers ? 'dead' : 'deleted';
    inst.targets.drop(curTg, nowNs, status);
    if (!routers) {
      // target_delete turns the target's unacked slots into LOST and forgets the target.
      for (const s of inst.ring) {
        if (s.target !== curTg) continue;
        if (s.status === PR.UNACKED) inst.markLost(s, nowNs);
        s.target = null;
      }
    }
    return [{ type: 'target-dropped', inst, target: curTg, status, lost: pf.lostTg }];
  }
  if (pf.nfail < NUM_PROBE_FAILS) return NO_VERDICTS;
  let tffNs = pf.tffNs;
  let otherAf: { af: 4 | 6; lost: number[] } | null = null;
  const other = pi.instance(inst.af === 4 ? 6 : 4);
  if (other && other.probeCapable()) {
    const pf2 = probeFailInfo(other, null, nowNs);
    if (pf2.nfail < NUM_PROBE_FAILS) return NO_VERDICTS;
    if (pf2.tffNs < tffNs) tffNs = pf2.tffNs;
    otherAf = { af: other.af, lost: pf2.lost };
  }
  const group = pi.group;
  const others = otherMembersProbeCapable(pi);
  const phyintFailure =
    others.length === 0 ||
    others.some((p2) =>
      p2.instances().some((i2) => {
        const ps = probeSuccessInfo(i2, null, nowNs);
        return ps.tlsNs !== null && ps.tlsNs > tffNs && p2.state === 'RUNNING' && !group.failed;
      }),
    );
  if (phyintFailure) {
    pi.state = 'FAILED';
    resetCrttAll(pi);
    return [{ type: 'failed', phyint: pi, inst, lost: pf.lost, otherAf }];
  }
  group.failed = true;
  for (const p2 of group.liveMembers()) {
    resetCrttAll(p2);
    p2.state = 'FAILED';
    for (const i2 of p2.instances()) i2.targets.flushHosts(nowNs);
  }
  return [{ type: 'group-failed', group, phyint: pi, inst, lost: pf.lost }];
}

/** phyint_repaired: ten consecutive acks on either address family, overall or to the current target. */
function checkForRepair(pi: Phyint, nowNs: number): readonly Verdict[] {
  for (const inst of pi.instances()) {
    if (!inst.probeCapable()) continue;
    const ps = probeSuccessInfo(inst, inst.newest().target, nowNs);
    const acked = ps.nsucc >= NUM_PROBE_REPAIRS ? ps.acked : ps.nsuccTg >= NUM_PROBE_REPAIRS ? ps.ackedTg : null;
    if (!acked) continue;
    pi.state = 'RUNNING';
    const out: Verdict[] = [{ type: 'repaired', phyint: pi, acked, af: inst.af }];
    if (pi.group.failed) {
      pi.group.failed = false;
      out.push({ type: 'group-repaired', group: pi.group, phyint: pi });
    }
    return out;
  }
  return NO_VERDICTS;
}

/**
 * The decisions of one timer tick, after resolveTick() returned valid_unack_count. Failure is
 * judged only in RUNNING outside the quiet period and when the newest resolved probe was not
 * acked; repair only in FAILED when it was.
 */
export function evaluateTick(inst: ProbeInstance, validUnack: number, nowNs: number): readonly Verdict[] {
  const snxt = inst.snxt;
  if (snxt === null) return NO_VERDICTS;
  const newestResolvedAcked = ((inst.rack + validUnack + 1) & 0xffff) === snxt;
  const pi = inst.phyint;
  if (pi.state === 'FAILED') return newestResolvedAcked ? checkForRepair(pi, nowNs) : NO_VERDICTS;
  if (inst.quietUntilNs > nowNs) return NO_VERDICTS;
  return newestResolvedAcked ? NO_VERDICTS : checkForFailure(inst, nowNs);
}

/**
 * After a UNI sample raised crtt above the probe interval: an exceptionally slow target (with at
 * least four targets, all others under half the interval) is dropped; otherwise the group's FDT
 * goes up (NEXT_FDT_MULTIPLE = 2). A crtt under a quarter of the interval may lower it again.
 */
export function reviewCrtt(inst: ProbeInstance, tg: ProbeTarget, nowNs: number): readonly Verdict[] {
  return tg.rtt.crttMs > inst.phyint.group.probeintMs ? slowTarget(inst, tg, nowNs) : lowerFdtIfImproved(inst, tg, nowNs);
}

// reviewCrtt runs on every acked probe: its rare branch, with the closures, is a function of its
// own, since a function that makes closures allocates their context on every call.

/** crtt above the probe interval: drop the target if it is the exception, else raise the FDT. */
function slowTarget(inst: ProbeInstance, tg: ProbeTarget, nowNs: number): readonly Verdict[] {
  const group = inst.phyint.group;
  const probeint = group.probeintMs;
  const others = inst.targets.active().filter((t) => t !== tg);
  const exception = inst.targets.activeCount() >= 4 && others.every((t) => t.rtt.crttMs <= probeint / 2);
  if (exception) {
    const status = inst.targets.areRouters === true ? 'slow' : 'deleted';
    inst.targets.drop(tg, nowNs, status);
    return [{ type: 'target-dropped', inst, target: tg, status, lost: [] }];
  }
  group.inflatedProbeintMs = tg.rtt.crttMs * 2;
  group.lastBumpNs = nowNs;
  return [{ type: 'fdt-raised', group, fdtMs: group.fdtMs, target: tg, crttMs: tg.rtt.crttMs }];
}

/** check_pg_crtt_improved and the FDT halving that follows it. */
export function lowerFdtIfImproved(inst: ProbeInstance, tg: ProbeTarget, nowNs: number): readonly Verdict[] {
  const group = inst.phyint.group;
  if (group.inflatedProbeintMs === null) return NO_VERDICTS;
  const probeint = group.probeintMs;
  if (!(tg.rtt.crttMs < probeint / 4) || group.lastBumpNs + MIN_SETTLING_TIME_NS >= nowNs) return NO_VERDICTS;
  for (const p of group.liveMembers()) {
    if (p.state === 'FAILED') continue;
    for (const i of p.instances()) {
      if (!i.probeCapable()) continue;
      if (anyCrttAbove(i, probeint / 4)) return NO_VERDICTS;
    }
  }
  const userFdt = group.userProbeintMs * 7;
  const fdt = Math.max(Math.floor(group.fdtMs / 2), userFdt);
  group.inflatedProbeintMs = fdt === userFdt ? null : Math.floor(fdt / 7);
  return [{ type: 'fdt-lowered', group, fdtMs: group.fdtMs }];
}

/** An active target of `inst` has crtt above `limitMs` (a loop: no closure, see slowTarget). */
function anyCrttAbove(inst: ProbeInstance, limitMs: number): boolean {
  for (const t of inst.targets.active()) if (t.rtt.crttMs > limitMs) return true;
  return false;
}

/** Seqs as ranges in send order: #13-#17, #20. */
export function formatSeqs(seqs: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < seqs.length; ) {
    let j = i;
    while (j + 1 < seqs.length && seqDiff(seqs[j + 1], seqs[j]) === 1) j++;
    parts.push(j > i ? `#${seqs[i]}-#${seqs[j]}` : `#${seqs[i]}`);
    i = j + 1;
  }
  return parts.join(',');
}
