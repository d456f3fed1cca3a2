// Decode hand-built frames into a Packet the way the capture loop does.
import { allocBatch, LinkType } from '../../src/capture/frame.js';
import { decodeFrame } from '../../src/decode/decode.js';
import { Packet } from '../../src/decode/packet.js';

export function decoded(bytes: Uint8Array, opts: { linkType?: number; direction?: number; link?: number; capLen?: number } = {}): Packet {
  const batch = allocBatch(1);
  batch.bytes = bytes;
  batch.count = 1;
  batch.offset[0] = 0;
  batch.capLen[0] = opts.capLen ?? bytes.length;
  batch.wireLen[0] = bytes.length;
  batch.direction[0] = opts.direction ?? 0;
  batch.link[0] = opts.link ?? 0;
  const pkt = new Packet();
  decodeFrame(pkt, batch, 0, opts.linkType ?? LinkType.ETHERNET, 1);
  return pkt;
}
