// Row colours: what kind of packet this is, decided once when it arrives so drawing a row never
// needs more than a byte. Probe outcomes come from the IPMP observer's annotations.
import type { Annotation } from '../annotate/annotation.js';
import { L, type Packet } from '../decode/packet.js';
import { Kind } from './store.js';

const ND_FIRST = 133; // Router Solicitation
const ND_LAST = 137; // Redirect

/** The probe outcome an IPMP annotation reports: a late reply still acks (in.mpathd flips LOST→ACKED). */
export function probeOutcome(a: Annotation): 'sent' | 'acked' | 'lost' | undefined {
  if (a.source !== 'ipmp') return undefined;
  const state = a.json.state;
  if (state === 'sent') return 'sent';
  if (state === 'acked' || state === 'late') return 'acked';
  if (state === 'lost') return 'lost';
  return undefined;
}

/**
 * Which probe an IPMP annotation is about (interface, kind and sequence number), so a later
 * verdict can recolour the request it concerns; undefined for other annotations.
 */
export function probeKey(a: Annotation): string | undefined {
  const { iface, kind, seq } = a.json;
  return a.source === 'ipmp' && typeof seq === 'number' && typeof iface === 'string' ? `${iface}|${String(kind)}|${seq}` : undefined;
}

export function classify(pkt: Packet, annotations: readonly Annotation[] | undefined): number {
  if (pkt.layers & L.PROBE) {
    // Only the annotation about this packet's own probe counts: a request may also carry the
    // verdict that an earlier probe was lost.
    const seq = pkt.layers & L.ICMP6 ? pkt.icmp6.seq : pkt.icmp.seq;
    for (const a of annotations ?? []) {
      if (a.json.seq !== seq) continue;
      const outcome = probeOutcome(a);
      if (outcome === 'acked') return Kind.PROBE_ACKED;
      if (outcome === 'lost') return Kind.PROBE_LOST;
    }
    return Kind.PROBE;
  }
  if (pkt.layers & (L.IGMP | L.MLD)) return Kind.MEMBERSHIP;
  if (pkt.layers & L.ARP) return Kind.ARP;
  if (pkt.layers & L.ICMP6 && pkt.icmp6.type >= ND_FIRST && pkt.icmp6.type <= ND_LAST) return Kind.ND;
  return Kind.OTHER;
}
