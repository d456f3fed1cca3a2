// One renderer per protocol layer, mirroring snoop's interpret_<proto>(): the one-line summary,
// the -V layer line and the -v detail lines, plus the JSON object, all read from the decoded
// Packet so nothing is parsed twice.
import type { Packet } from '../../decode/packet.js';
import type { ByteText } from '../byte-text.js';
import type { NameLookup } from './context.js';

export interface ProtocolRenderer {
  /** The L.* bit this renderer draws; the text formatter walks renderers in stack order. */
  layer: number;
  /** Prefix of -v lines, e.g. `ETHER:  `, `IP:   `, `ICMP:  ` (snoop's widths). */
  prefix: string;
  /** -v section title, e.g. `Ether Header`, printed as `PREFIX----- Title -----`. */
  title: string;
  /**
   * Write the summary when this is the highest layer, e.g. `ICMP Echo request (ID: 1 Sequence
   * number: 0)`: straight into the output's bytes, as this runs once for every line printed.
   */
  summary(pkt: Packet, names: NameLookup, out: ByteText): void;
  /** The -V line for this layer, e.g. `IP  D=192.0.2.2 S=192.0.2.1 LEN=84, ID=4711, TOS=0x0, TTL=64`. */
  layerLine(pkt: Packet, names: NameLookup): string;
  /** Push the -v detail lines (without prefix; the formatter adds it and the title/blank lines). */
  detail(pkt: Packet, names: NameLookup, out: string[]): void;
  /** Key in the JSON line (`eth`, `ip`, `icmp6`, ...) and its object. */
  jsonKey: string;
  json(pkt: Packet): Record<string, unknown>;
}
