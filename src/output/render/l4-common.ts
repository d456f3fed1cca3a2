// Text shared by the upper-layer renderers: the checksum verdict that snoop never printed and
// the in.mpathd probe tail on echo summaries.
import { L, ProbeKind, type Packet } from '../../decode/packet.js';
import type { ByteText } from '../byte-text.js';

/** Suffix for a `Checksum = ...` line: verified good, verified bad, or nothing when unverifiable. */
export function checksumText(ok: boolean | null): string {
  return ok === null ? '' : ok ? ' (correct)' : ' (incorrect)';
}

/**
 * snoop's -v line for a header the capture cut short: pushed, with true returned, when fewer
 * than `headerLen` bytes of it were captured.
 */
export function incompleteHeader(captured: number, headerLen: number, out: string[]): boolean {
  if (captured >= headerLen) return false;
  out.push(`Incomplete header: ${Math.max(0, captured)} of ${headerLen} bytes`);
  return true;
}

export function probeKindName(kind: number): 'UNI' | 'MULTI' | 'RTT' | '?' {
  return kind === ProbeKind.UNI ? 'UNI' : kind === ProbeKind.MULTI ? 'MULTI' : kind === ProbeKind.RTT ? 'RTT' : '?';
}

/** The probe timestamp as text: ms since boot (ms32) or ns since boot (ns64), exact. */
export function probeTimestamp(pkt: Packet): string {
  const p = pkt.probe;
  return p.format === 'ms32' ? String(p.tsMs) : ((BigInt(p.tsHi) << 32n) | BigInt(p.tsLo)).toString();
}

/** The few distinct probe tails, encoded once: two thirds of a busy IPMP link's lines end in one. */
const PROBE_TAILS = new Map<string, Buffer>();

/** ` [mpathd UNI ms32]` after an echo summary when the echo is an in.mpathd probe. */
function writeProbeTail(pkt: Packet, out: ByteText): void {
  if (!pkt.has(L.PROBE) || !pkt.probe.present) return;
  const kind = probeKindName(pkt.probe.kind);
  const key = kind === 'UNI' ? pkt.probe.format : kind + pkt.probe.format;
  let tail = PROBE_TAILS.get(key);
  if (tail === undefined) PROBE_TAILS.set(key, (tail = Buffer.from(` [mpathd ${kind} ${pkt.probe.format}]`)));
  out.bytes(tail, 0, tail.length);
}

/** The constant starts of a protocol's echo summaries, encoded once: most lines of a probed link have one. */
export interface EchoHeads {
  request: Buffer;
  reply: Buffer;
}

export function echoHeads(protocol: string): EchoHeads {
  return { request: Buffer.from(`${protocol} Echo request (ID: `), reply: Buffer.from(`${protocol} Echo reply (ID: `) };
}

const SEQUENCE_NUMBER = Buffer.from(' Sequence number: ');

/** An echo's summary, `ICMP Echo request (ID: 1 Sequence number: 0) [mpathd UNI ns64]`, in pieces. */
export function writeEchoSummary(out: ByteText, pkt: Packet, heads: EchoHeads, request: boolean, id: number, seq: number): void {
  const head = request ? heads.request : heads.reply;
  out.bytes(head, 0, head.length);
  out.int(id);
  out.bytes(SEQUENCE_NUMBER, 0, SEQUENCE_NUMBER.length);
  out.int(seq);
  out.byte(0x29);
  writeProbeTail(pkt, out);
}

/** Any other ICMP or ICMPv6 summary from snoop's (type, code) text pair: `ICMP Time exceeded (in transit)`. */
export function writeTypeSummary(out: ByteText, pkt: Packet, protocol: string, [typeText, codeText]: [string, string]): void {
  out.text(protocol);
  out.byte(0x20);
  out.text(typeText);
  if (codeText) {
    out.text(' (');
    out.text(codeText);
    out.byte(0x29);
  }
  writeProbeTail(pkt, out);
}
