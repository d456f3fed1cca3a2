// in.mpathd (IPMP) probe recognition inside ICMP/ICMPv6 echo messages (ipmp-probes.md §2.2, §6.1).
// `struct pr_icmp` is the 8-byte echo header followed by a timestamp and the mtype magic:
//   ms32 (pre-Clearview): u32 ms at 8, mtype at 12, 16 bytes in all;
//   ns64 (Clearview):     u64 ns at 8, mtype at 16, 20 bytes (ILP32) or 24 (LP64 tail padding).
// The message length must be exactly one of these: an ordinary ping carries more data, and the
// magic is only trusted at the offset its length implies.
import { u32 } from './addr.js';
import { L, ProbeKind, type Packet } from './packet.js';

/** Kind names by probeKindIndex: the three mtype magics, then anything else. */
export const PROBE_KIND_NAMES = ['UNI', 'MULTI', 'RTT', '?'] as const;

/**
 * An mtype magic's index in PROBE_KIND_NAMES, by comparison: an object keyed by magics this
 * sparse is a dictionary to V8, and a hash lookup per probe.
 */
export function probeKindIndex(magic: number): number {
  return magic === ProbeKind.UNI ? 0 : magic === ProbeKind.MULTI ? 1 : magic === ProbeKind.RTT ? 2 : 3;
}

export function probeKindName(magic: number): (typeof PROBE_KIND_NAMES)[number] {
  return PROBE_KIND_NAMES[probeKindIndex(magic)];
}

function isProbeMagic(v: number): boolean {
  return v === ProbeKind.UNI || v === ProbeKind.MULTI || v === ProbeKind.RTT;
}

/**
 * Fill pkt.probe when the echo message at `off` (`len` bytes as IP claims, code already known to
 * be 0 by the caller) is an in.mpathd probe. Needs the bytes up to the magic to be captured.
 */
export function decodeProbe(pkt: Packet, off: number, len: number, reply: boolean): void {
  if (len !== 16 && len !== 20 && len !== 24) return;
  const magicOff = len === 16 ? off + 12 : off + 16;
  if (magicOff + 4 > pkt.end) return;
  const b = pkt.bytes;
  const kind = u32(b, magicOff);
  if (!isProbeMagic(kind)) return;
  const probe = pkt.probe;
  probe.present = true;
  probe.kind = kind;
  probe.size = len;
  probe.reply = reply;
  if (len === 16) {
    probe.format = 'ms32';
    probe.tsMs = u32(b, off + 8);
    probe.tsHi = 0;
    probe.tsLo = probe.tsMs;
  } else {
    probe.format = 'ns64';
    probe.tsHi = u32(b, off + 8);
    probe.tsLo = u32(b, off + 12);
    // ns since boot to ms: exact enough in a double for any uptime a host can have.
    probe.tsMs = Math.floor((probe.tsHi * 4294967296 + probe.tsLo) / 1e6);
  }
  pkt.layers |= L.PROBE;
}
