// The TUI's capture loop: source → decode → annotate → store, and the filter deciding which stored
// packets the list shows. Annotators see every packet, as in the CLI loop; the filter only shapes
// the view, so changing it re-decodes the stored packets instead of re-reading the source.
import { observeAll, type Annotation, type Annotator } from '../annotate/annotation.js';
import type { CaptureSource, FrameBatch } from '../capture/frame.js';
import { decodeFrame } from '../decode/decode.js';
import { Packet } from '../decode/packet.js';
import { classify, probeKey, probeOutcome } from './classify.js';
import { LinkRates } from './link-rates.js';
import { FilteredView, Kind, PacketStore } from './store.js';

/** What the pipeline needs of a compiled filter. */
export interface PacketFilter {
  matches(pkt: Packet): boolean;
}

/** Probe requests remembered for recolouring when their outcome arrives (oldest forgotten first). */
const PENDING_PROBES = 4096;

/** Packets re-decoded per slice when a filter is applied, between which the UI may redraw. */
const REBUILD_SLICE = 20_000;

export class TuiPipeline {
  readonly store: PacketStore;
  view = new FilteredView();
  readonly rates = new LinkRates();
  /**
   * Scratch packet for ingesting and filtering; `decodeStored` callers bring their own. Neither
   * reads checksum verdicts (the detail pane decodes its packet again), so they are not worked out.
   */
  private readonly pkt = Object.assign(new Packet(), { checksums: false });
  private filter: PacketFilter | null = null;
  /** Set while a rebuild runs; ingestion waits for it so the view stays in arrival order. */
  private rebuilding: Promise<void> | null = null;
  /** Time of the first packet ever seen: zero of the relative time column. */
  baseSec = -1;
  baseNsec = 0;
  /** Probe (see probeKey) → sequence number of its request packet, until it is acked. */
  private readonly pendingProbes = new Map<string, number>();

  constructor(
    private readonly source: CaptureSource,
    private readonly annotators: readonly Annotator[],
    limit: number,
    chunkBytes?: number,
  ) {
    this.store = new PacketStore({ limit, chunkBytes });
  }

  get links() {
    return this.source.links;
  }

  /**
   * Store, decode, annotate and filter one batch. Returns how many rows left the front of the
   * view because the buffer limit pushed their packets out.
   */
  ingest(batch: FrameBatch): number {
    const { store, pkt, annotators, filter } = this;
    const links = this.source.links;
    const firstSeq = store.append(batch);
    if (this.baseSec < 0 && batch.count) {
      this.baseSec = batch.tsSec[0];
      this.baseNsec = batch.tsNsec[0];
    }
    for (let i = 0; i < batch.count; i++) {
      const seq = firstSeq + i;
      const link = links[batch.link[i]];
      decodeFrame(pkt, batch, i, link.linkType, seq + 1);
      const observed = observeAll(annotators, pkt, link.name);
      const annotations = observed.length ? observed : undefined;
      this.rates.count(batch.link[i], batch.tsSec[i]);
      if (!store.has(seq)) continue;
      store.kind[store.slot(seq)] = classify(pkt, annotations);
      if (annotations) {
        store.setAnnotations(seq, annotations);
        this.trackProbes(seq, annotations);
      }
      if (!filter || filter.matches(pkt)) this.view.push(seq);
    }
    return this.view.trim(store.firstSeq);
  }

  /** Colour a probe request green or red when a later packet's annotation settles it. */
  private trackProbes(seq: number, annotations: readonly Annotation[]): void {
    for (const a of annotations) {
      const key = probeKey(a);
      const outcome = probeOutcome(a);
      if (!key || !outcome) continue;
      if (outcome === 'sent') {
        if (this.pendingProbes.size >= PENDING_PROBES) this.pendingProbes.delete(this.pendingProbes.keys().next().value as string);
        this.pendingProbes.set(key, seq);
        continue;
      }
      const request = this.pendingProbes.get(key);
      if (request === undefined) continue;
      // A lost probe stays pending: a late reply still acks it.
      if (outcome === 'acked') this.pendingProbes.delete(key);
      if (this.store.has(request)) this.store.kind[this.store.slot(request)] = outcome === 'acked' ? Kind.PROBE_ACKED : Kind.PROBE_LOST;
    }
  }

  /** Decode stored packet `seq` into `pkt` (which stays valid until the store drops it). */
  decodeStored(seq: number, pkt: Packet): void {
    const slot = this.store.select(seq);
    const batch = this.store.batch;
    decodeFrame(pkt, batch, slot, this.source.links[batch.link[slot]].linkType, seq + 1);
  }

  /** Wait until no rebuild is running (ingestion calls this between batches). */
  async idle(): Promise<void> {
    while (this.rebuilding) await this.rebuilding;
  }

  /**
   * Show only packets `filter` matches (null: all), re-decoding every stored packet in slices so
   * the screen stays responsive; `onSlice` runs after each slice.
   */
  applyFilter(filter: PacketFilter | null, onSlice?: () => void): Promise<void> {
    // Chained synchronously, so ingestion (and a second filter) waits from this moment on.
    const run: Promise<void> = (this.rebuilding ?? Promise.resolve())
      .then(() => this.rebuild(filter, onSlice))
      .finally(() => {
        if (this.rebuilding === run) this.rebuilding = null;
      });
    this.rebuilding = run;
    return run;
  }

  private async rebuild(filter: PacketFilter | null, onSlice?: () => void): Promise<void> {
    this.filter = filter;
    const view = new FilteredView();
    const pkt = this.pkt;
    let seq = this.store.firstSeq;
    while (seq < this.store.nextSeq) {
      const sliceEnd = Math.min(this.store.nextSeq, seq + REBUILD_SLICE);
      for (; seq < sliceEnd; seq++) {
        if (!filter) {
          view.push(seq);
          continue;
        }
        this.decodeStored(seq, pkt);
        if (filter.matches(pkt)) view.push(seq);
      }
      if (seq < this.store.nextSeq) {
        onSlice?.();
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    this.view = view;
  }
}
