// snoop's interpret_tcp(): `TCP D=80 S=40000 Syn Seq=1 Len=0 Win=65535 Options=<mss 1460>`, the
// -v header block with snoop's flag lines and options, and JSON. Beyond snoop, the checksum line
// says whether it is correct.
import { u16, u32 } from '../../decode/addr.js';
import { L, type Packet } from '../../decode/packet.js';
import { type ByteText, textOf } from '../byte-text.js';
import { TH_ACK, TH_CWR, TH_ECE, TH_FIN, TH_PUSH, TH_RST, TH_SYN, TH_URG } from '../../decode/tcp.js';
import { checksumText, incompleteHeader, writePortPair } from './l4-common.js';
import { flagLine } from './ipv4.js';
import type { ProtocolRenderer } from './protocol.js';

/** snoop's summary flag words, in its order. */
const SUMMARY_FLAGS: ReadonlyArray<readonly [number, string]> = [
  [TH_SYN, 'Syn'], [TH_FIN, 'Fin'], [TH_RST, 'Rst'], [TH_PUSH, 'Push'], [TH_ECE, 'ECE'], [TH_CWR, 'CWR'],
];

/** JSON flag letters (tcpdump's): S F R P A U E W, in a fixed order so "SA", "FA" compare. */
const JSON_FLAGS: ReadonlyArray<readonly [number, string]> = [
  [TH_SYN, 'S'], [TH_FIN, 'F'], [TH_RST, 'R'], [TH_PUSH, 'P'], [TH_ACK, 'A'], [TH_URG, 'U'], [TH_ECE, 'E'], [TH_CWR, 'W'],
];

const TCP_HEADER_LEN = 20;

function headerCaptured(pkt: Packet): boolean {
  return pkt.end - pkt.tcp.off >= TCP_HEADER_LEN;
}

function hex(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += b[i].toString(16).padStart(2, '0');
  return s;
}

/** One option at p (within [p, stop)) as [summary text, -v text, length]; length 0 ends the walk. */
function option(b: Uint8Array, p: number, stop: number): [string, string, number] {
  const kind = b[p];
  if (kind === 0) return ['eol', '  - End of option list', 0];
  if (kind === 1) return ['nop', '  - No operation', 1];
  const len = p + 1 < stop ? b[p + 1] : 0;
  if (len < 2 || p + len > stop) return [`optlen ${len}`, `  - Incomplete option len ${len}`, 0];
  switch (kind) {
    case 2: return len === 4 ? [`mss ${u16(b, p + 2)}`, `  - Maximum segment size = ${u16(b, p + 2)} bytes`, len] : [`optlen ${len}`, `  - Incomplete option len ${len}`, 0];
    case 3: return [`wscale ${b[p + 2]}`, `  - Window scale = ${b[p + 2]}`, len];
    case 4: return ['sackOK', '  - SACK permitted option', len];
    case 5: {
      let sum = 'sack';
      let det = '        ';
      for (let q = p + 2; q + 8 <= p + len; q += 8) {
        sum += ` ${u32(b, q)}-${u32(b, q + 4)}`;
        det += `(${u32(b, q)}-${u32(b, q + 4)}) `;
      }
      return [sum, `  - SACK blocks:\n${det}`, len];
    }
    case 8:
      return len === 10
        ? [`tstamp ${u32(b, p + 2)} ${u32(b, p + 6)}`, `  - TS Val = ${u32(b, p + 2)}, TS Echo = ${u32(b, p + 6)}`, len]
        : ['tstamp|', '  - Incomplete TS option', len];
    case 19:
      return len === 18 ? [`md5 0x${hex(b, p + 2, p + 18)}`, `  - TCP MD5 Signature = 0x${hex(b, p + 2, p + 18)}`, len] : ['md5|', '  - Incomplete MD5 option', len];
    default:
      return [`unknown ${kind}`, `  - Option ${kind} (unknown - ${len - 2} bytes) ${hex(b, p + 2, p + len)}`, len];
  }
}

function optionsSummary(pkt: Packet): string {
  const t = pkt.tcp;
  if (t.optLen <= 0) return '';
  const stop = t.optOff + t.optLen;
  const parts: string[] = [];
  for (let p = t.optOff; p < stop; ) {
    const [text, , len] = option(pkt.bytes, p, stop);
    parts.push(text);
    if (len === 0) break;
    p += len;
  }
  return ` Options=<${parts.join(',')}>`;
}

/** The summary, written in pieces (no string is built for a line without options). */
function writeSummary(pkt: Packet, out: ByteText): void {
  const t = pkt.tcp;
  if (!headerCaptured(pkt)) {
    out.text('TCP (short packet)');
    return;
  }
  writePortPair(out, 'TCP', t.dstPort, t.srcPort);
  for (let i = 0; i < SUMMARY_FLAGS.length; i++) {
    if (t.flags & SUMMARY_FLAGS[i][0]) {
      out.byte(0x20);
      out.text(SUMMARY_FLAGS[i][1]);
    }
  }
  if (t.flags & TH_URG) {
    out.text(' Urg=');
    out.int(t.urgent);
  }
  if (t.flags & TH_ACK) {
    out.text(' Ack=');
    out.int(t.ack);
  }
  if (t.seq !== 0) {
    out.text(' Seq=');
    out.int(t.seq);
    out.text(' Len=');
    out.int(t.payloadLen);
  }
  out.text(' Win=');
  out.int(t.window);
  if (t.optLen > 0) out.text(optionsSummary(pkt));
}

export function tcpFlagLetters(flags: number): string {
  let s = '';
  for (const [bit, letter] of JSON_FLAGS) if (flags & bit) s += letter;
  return s;
}

export const tcpRenderer: ProtocolRenderer = {
  layer: L.TCP,
  prefix: 'TCP:  ',
  title: 'TCP Header',
  jsonKey: 'tcp',

  summary: (pkt, _names, out) => writeSummary(pkt, out),

  layerLine: (pkt) => textOf((out) => writeSummary(pkt, out)),

  detail(pkt, _names, out) {
    const t = pkt.tcp;
    if (incompleteHeader(pkt.end - t.off, TCP_HEADER_LEN, out)) return;
    out.push(
      `Source port = ${t.srcPort}`,
      `Destination port = ${t.dstPort} `,
      `Sequence number = ${t.seq}`,
      `Acknowledgement number = ${t.ack}`,
      `Data offset = ${t.headerLen} bytes`,
      `Flags = 0x${t.flags.toString(16).padStart(2, '0')}`,
      `      ${flagLine(t.flags, TH_CWR, 'ECN congestion window reduced', 'No ECN congestion window reduced')}`,
      `      ${flagLine(t.flags, TH_ECE, 'ECN echo', 'No ECN echo')}`,
      `      ${flagLine(t.flags, TH_URG, 'Urgent pointer', 'No urgent pointer')}`,
      `      ${flagLine(t.flags, TH_ACK, 'Acknowledgement', 'No acknowledgement')}`,
      `      ${flagLine(t.flags, TH_PUSH, 'Push', 'No push')}`,
      `      ${flagLine(t.flags, TH_RST, 'Reset', 'No reset')}`,
      `      ${flagLine(t.flags, TH_SYN, 'Syn', 'No Syn')}`,
      `      ${flagLine(t.flags, TH_FIN, 'Fin', 'No Fin')}`,
      `Window = ${t.window}`,
      `Checksum = 0x${t.checksum.toString(16).padStart(4, '0')}${checksumText(t.checksumOk)}`,
      `Urgent pointer = ${t.urgent}`,
    );
    if (t.optLen <= 0) {
      out.push('No options');
      return;
    }
    out.push(`Options: (${t.optLen} bytes)`);
    const stop = t.optOff + t.optLen;
    for (let p = t.optOff; p < stop; ) {
      const [, text, len] = option(pkt.bytes, p, stop);
      for (const line of text.split('\n')) out.push(line);
      if (len === 0) break;
      p += len;
    }
  },

  json(pkt) {
    return { sport: pkt.tcp.srcPort, dport: pkt.tcp.dstPort, flags: tcpFlagLetters(pkt.tcp.flags) };
  },
};
