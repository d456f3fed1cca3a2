// Text shared by the upper-layer renderers: the checksum verdict that snoop never printed, echo
// summaries with their in.mpathd probe tail (ICMP and ICMPv6), and the TCP/UDP port pair.
import { L, type Packet } from '../../decode/packet.js';
import { NumberCache } from '../../decode/number-cache.js';
import { PROBE_KIND_NAMES, probeKindIndex } from '../../decode/probe.js';
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

/** The probe timestamp as text: ms since boot (ms32) or ns since boot (ns64), exact. */
export function probeTimestamp(pkt: Packet): string {
  const p = pkt.probe;
  return p.format === 'ms32' ? String(p.tsMs) : ((BigInt(p.tsHi) << 32n) | BigInt(p.tsLo)).toString();
}

const PROBE_FORMATS = ['ms32', 'ns64'] as const;

/**
 * What ends an echo summary, encoded once: the `)` closing it and, for an in.mpathd probe, the
 * tail ` [mpathd UNI ns64]` (index 1 + 2 x kind + format), two thirds of a busy IPMP link's lines.
 */
const ECHO_ENDS: readonly Buffer[] = [
  Buffer.from(')'),
  ...PROBE_KIND_NAMES.flatMap((kind) => PROBE_FORMATS.map((format) => Buffer.from(`) [mpathd ${kind} ${format}]`))),
];

/** The ECHO_ENDS index for this packet: 0 unless it carries a probe. */
function echoEndIndex(pkt: Packet): number {
  if (!pkt.has(L.PROBE) || !pkt.probe.present) return 0;
  return 1 + 2 * probeKindIndex(pkt.probe.kind) + (pkt.probe.format === 'ns64' ? 1 : 0);
}

/** Distinct (request or reply, ID) heads kept per protocol: 2^8 sets of two. */
const ECHO_HEAD_SET_BITS = 8;
const REPLY_KEY = 0x10000;

/**
 * The starts of a protocol's echo summaries up to the sequence number,
 * `ICMP Echo request (ID: 53762 Sequence number: `, encoded once per ID: a probing daemon keeps
 * one ID, so most lines of a probed link copy one of a few.
 */
export class EchoHeads {
  private readonly heads = new NumberCache<Buffer>(ECHO_HEAD_SET_BITS);

  constructor(private readonly protocol: string) {}

  head(request: boolean, id: number): Buffer {
    const key = request ? id : id | REPLY_KEY;
    let head = this.heads.get(key);
    if (head === undefined) {
      head = Buffer.from(`${this.protocol} Echo ${request ? 'request' : 'reply'} (ID: ${id} Sequence number: `);
      this.heads.set(key, head);
    }
    return head;
  }
}

/** An echo's summary, `ICMP Echo request (ID: 1 Sequence number: 0) [mpathd UNI ns64]`, in three pieces. */
export function writeEchoSummary(out: ByteText, pkt: Packet, heads: EchoHeads, request: boolean, id: number, seq: number): void {
  const head = heads.head(request, id);
  out.bytes(head, 0, head.length);
  out.int(seq);
  const end = ECHO_ENDS[echoEndIndex(pkt)];
  out.bytes(end, 0, end.length);
}

/** The start of TCP and UDP summaries, snoop's port pair: `TCP D=80 S=40000`. */
export function writePortPair(out: ByteText, protocol: string, dstPort: number, srcPort: number): void {
  out.text(protocol);
  out.text(' D=');
  out.int(dstPort);
  out.text(' S=');
  out.int(srcPort);
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
  // Only echoes carry probes: this is for a probe payload on an echo whose code is not 0.
  const end = ECHO_ENDS[echoEndIndex(pkt)];
  out.bytes(end, 1, end.length);
}
