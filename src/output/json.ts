// JSON lines: one object per packet. The keys documented in the README are a stable interface;
// each protocol renderer supplies its own object, so JSON and text never disagree.
import type { Annotation } from '../annotate/annotation.js';
import type { Packet } from '../decode/packet.js';
import type { NameLookup } from './render/context.js';
import { RENDERERS } from './render/index.js';
import { lineParts } from './text.js';

export function jsonLine(pkt: Packet, linkName: string, annotations: readonly Annotation[], names: NameLookup): string {
  const o: Record<string, unknown> = {
    n: pkt.number,
    ts: `${pkt.tsSec}.${String(pkt.tsNsec).padStart(9, '0')}`,
    link: linkName,
    len: pkt.wireLen,
    caplen: pkt.capLen,
    summary: lineParts(pkt, names).summary,
  };
  for (const r of RENDERERS) if (pkt.layers & r.layer) o[r.jsonKey] = r.json(pkt);
  if (pkt.notes.length) o.notes = pkt.notes.slice();
  for (const a of annotations) {
    // A packet may settle an earlier probe as well as its own: the first annotation of each
    // observer keeps the documented key, the rest follow in `<source>More`.
    if (o[a.source] === undefined) o[a.source] = a.json;
    else ((o[`${a.source}More`] ??= []) as unknown[]).push(a.json);
  }
  return JSON.stringify(o) + '\n';
}
