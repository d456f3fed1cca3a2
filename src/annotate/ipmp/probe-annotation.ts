// The annotation of one probe, request or reply. Built for every probe packet, read only when
// something prints it: the constructor copies the few numbers that later probes would change
// (the target's RTT estimate) and every string (summary, -v lines, JSON) is made on first read.
import { type ByteText, textOf } from '../../output/byte-text.js';
import type { Annotation } from '../annotation.js';
import { MS, type ProbeInstance } from './instance.js';
import { averageMs, deviationMs } from './rtt.js';
import type { ProbeTarget } from './targets.js';

export type ReplyState = 'sent' | 'acked' | 'late' | 'lost' | 'duplicate' | 'fake' | 'out-of-window' | 'unknown' | 'ignored' | 'responder' | 'unmatched';

export function hex16(v: number): string {
  return '0x' + v.toString(16).padStart(4, '0');
}

export function fmtMs(ms: number): string {
  return ms.toFixed(2);
}

export class ProbeAnnotation implements Annotation {
  // The target's RTT estimate when this probe was seen: its integer state, so that the copy
  // makes no heap numbers (one is made per double field of every annotation otherwise).
  private readonly crttMs: number;
  /** -1 when the target had no sample yet, or there is no target. */
  private readonly rttSa: number;
  private readonly rttSv: number;
  private verdicts: string[] | null = null;
  private builtDetail: string[] | undefined;
  private builtJson: Record<string, unknown> | undefined;

  constructor(
    readonly inst: ProbeInstance,
    readonly target: string,
    /** The instance's table entry for `target`, if it has one (callers often hold it already). */
    tg: ProbeTarget | undefined,
    readonly kind: string,
    readonly seq: number,
    readonly state: ReplyState,
    /** null: "acked N ms" / "late reply ..." from the RTT. */
    private readonly text: string | null,
    private readonly netRttNs: number | null,
    private readonly notes: readonly string[],
  ) {
    this.crttMs = tg ? tg.rtt.crttMs : 0;
    this.rttSa = tg ? tg.rtt.sa : -1;
    this.rttSv = tg ? tg.rtt.sv : 0;
  }

  /** On the prototype, not in every instance. */
  get source(): 'ipmp' {
    return 'ipmp';
  }

  /** A phyint's group and name never change (a restart makes a new phyint), so they are read late. */
  private get group(): string {
    return this.inst.phyint.group.name;
  }

  private get iface(): string {
    return this.inst.phyint.name;
  }

  /** A verdict this probe decided: appended to the summary, the -v lines and JSON `verdict`. */
  addVerdict(text: string): void {
    (this.verdicts ??= []).push(text);
    this.builtDetail?.push(`Verdict = ${text}`);
    if (this.builtJson) this.builtJson.verdict = this.verdicts.join('; ');
  }

  get summary(): string {
    return textOf((out) => this.writeSummary(out));
  }

  /** `ipmp0/net0 → 192.0.2.1 UNI #17 acked 0.41ms`, written in pieces: most lines of a busy IPMP link end in one. */
  writeSummary(out: ByteText): void {
    const head = this.inst.summaryHead(this.target, this.kind);
    out.bytes(head, 0, head.length);
    out.int(this.seq);
    out.byte(0x20);
    if (this.text !== null) {
      out.text(this.text);
    } else {
      out.text(this.state === 'late' ? 'late reply ' : 'acked ');
      out.fixed((this.netRttNs ?? 0) / MS, 2);
      out.text(this.state === 'late' ? 'ms: was LOST, now acked' : 'ms');
    }
    if (this.notes.length) {
      out.text(' (');
      out.text(this.notes.join('; '));
      out.byte(0x29);
    }
    if (this.verdicts) {
      for (const v of this.verdicts) {
        out.text('; ');
        out.text(v);
      }
    }
  }

  get detail(): string[] {
    if (this.builtDetail === undefined) {
      const inst = this.inst;
      const pi = inst.phyint;
      const d = [
        `Group = ${this.group}`,
        `Interface = ${this.iface} (${pi.mac || 'no MAC'}, ICMP id ${hex16(pi.icmpId)})`,
        `Test address = ${inst.testAddr}`,
        `Target = ${this.target}`,
        `Probe = ${this.kind} #${this.seq} (${inst.format})`,
        `State = ${this.state}`,
      ];
      if (this.netRttNs !== null) d.push(`Net RTT = ${fmtMs(this.netRttNs / MS)} ms`);
      // The instance's targets all keep RTTs in one unit, the one its probe format implies.
      const unit = inst.targets.unit;
      const avgMs = averageMs(unit, this.rttSa);
      if (avgMs !== null) d.push(`crtt = ${this.crttMs} ms (avg ${fmtMs(avgMs)} ms, dev ${fmtMs(deviationMs(unit, this.rttSa, this.rttSv) ?? 0)} ms)`);
      for (const n of this.notes) d.push(`Note = ${n}`);
      if (this.verdicts) for (const v of this.verdicts) d.push(`Verdict = ${v}`);
      this.builtDetail = d;
    }
    return this.builtDetail;
  }

  get json(): Record<string, unknown> {
    return (this.builtJson ??= {
      group: this.group,
      iface: this.iface,
      testaddr: this.inst.testAddr,
      target: this.target,
      kind: this.kind,
      seq: this.seq,
      state: this.state,
      netrttMs: this.netRttNs === null ? null : this.netRttNs / MS,
      verdict: this.verdicts ? this.verdicts.join('; ') : null,
      af: this.inst.af,
      format: this.inst.format,
      crttMs: this.crttMs !== 0 ? this.crttMs : null,
    });
  }

  /** What JSON.stringify sees: the annotation, not the emulator state it points into. */
  toJSON(): Annotation {
    return { source: this.source, summary: this.summary, detail: this.detail, json: this.json };
  }
}
