// `w`: write the packets the list shows now to a capture file, annotations as pcapng comments.
// Stored packets are handed to the writer through the store's own FrameBatch, so nothing is copied.
import type { LinkStats } from '../capture/frame.js';
import { openCaptureWriter } from '../output/capture-writer.js';
import type { TuiPipeline } from './pipeline.js';

/** Save every row of the current view to `path`; returns the number of packets written. */
export function saveView(pipeline: TuiPipeline, path: string, stats?: readonly LinkStats[]): number {
  if (path === '-') throw new Error('cannot save to standard output from the TUI');
  const { store, view } = pipeline;
  const writer = openCaptureWriter(path, { links: pipeline.links });
  let written = 0;
  try {
    for (let pos = 0; pos < view.length; pos++) {
      const seq = view.at(pos);
      const slot = store.select(seq);
      const annotations = store.annotationsOf(seq);
      writer.write(store.batch, slot, annotations?.map((a) => `${a.source.toUpperCase()}: ${a.summary}`));
      written++;
    }
  } finally {
    writer.close(stats);
  }
  return written;
}
