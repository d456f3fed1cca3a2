// What an annotator says about one packet. Annotators (ipmp, ilm) are pure state machines fed
// decoded packets in time order; time comes only from packet timestamps, so replaying a file
// gives exactly the annotations the live capture gave.
import type { Packet } from '../decode/packet.js';
import type { ByteText } from '../output/byte-text.js';

export interface Annotation {
  /** Which observer produced it. */
  source: 'ipmp' | 'ilm';
  /** Text for the end of the summary line, without the brackets: `ipmp0/net0 → 192.0.2.1 UNI #17 acked 0.41ms`. */
  summary: string;
  /**
   * Write `summary` into a summary line's bytes; when present, used instead of `summary` so a
   * busy annotator need not build a string per packet.
   */
  writeSummary?(out: ByteText): void;
  /** Lines for the `-v` section (`IPMP:` / `ILM:` prefixes are added by the renderer). */
  detail: string[];
  /** Object placed under the `ipmp` / `ilm` key of the JSON line. */
  json: Record<string, unknown>;
}

export interface Annotator {
  /**
   * Feed the next packet (time order). Returns the annotations this packet earns, possibly
   * several (a probe reply that also triggers a failure verdict), or an empty array.
   * Must not keep references to `pkt` or its bytes: copy what you store.
   */
  observe(pkt: Packet, linkName: string): readonly Annotation[];
}

/** What an annotator returns for a packet that earns nothing: one shared, frozen empty list. */
export const NO_ANNOTATIONS: readonly Annotation[] = Object.freeze([]);

/**
 * Feed one packet to every annotator, in order, and return what they say together: the shared
 * NO_ANNOTATIONS when none says anything, which is most packets, so those allocate nothing.
 */
export function observeAll(annotators: readonly Annotator[], pkt: Packet, linkName: string): readonly Annotation[] {
  let annotations = NO_ANNOTATIONS;
  for (const a of annotators) {
    const got = a.observe(pkt, linkName);
    if (got.length) annotations = annotations === NO_ANNOTATIONS ? got : [...annotations, ...got];
  }
  return annotations;
}
