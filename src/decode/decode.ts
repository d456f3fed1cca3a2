// Entry point of the decoder: one frame of a batch into the reused Packet, dispatched by link type.
import { LinkType, type FrameBatch } from '../capture/frame.js';
import { decodeEthernet } from './ethernet.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { decodeNullLoop } from './null-loop.js';
import type { Packet } from './packet.js';
import { decodeSll } from './sll.js';

export function decodeFrame(pkt: Packet, batch: FrameBatch, index: number, linkType: number, number: number): void {
  const start = batch.offset[index];
  // A batch never claims bytes it does not hold, but a bad one must not make us read past it.
  const capLen = Math.max(0, Math.min(batch.capLen[index], batch.bytes.length - start));
  pkt.reset(batch.bytes, start, capLen);
  pkt.wireLen = batch.wireLen[index];
  pkt.tsSec = batch.tsSec[index];
  pkt.tsNsec = batch.tsNsec[index];
  pkt.linkIndex = batch.link[index];
  pkt.direction = batch.direction[index];
  pkt.pktType = batch.pktType[index];
  pkt.drops = batch.drops[index];
  pkt.number = number;
  pkt.linkType = linkType;

  switch (linkType) {
    case LinkType.ETHERNET:
      decodeEthernet(pkt, start);
      break;
    case LinkType.LINUX_SLL:
      decodeSll(pkt, start, 1);
      break;
    case LinkType.LINUX_SLL2:
      decodeSll(pkt, start, 2);
      break;
    case LinkType.RAW:
      decodeRawIp(pkt, start);
      break;
    case LinkType.IPV4:
      decodeIpv4(pkt, start);
      break;
    case LinkType.IPV6:
      decodeIpv6(pkt, start);
      break;
    case LinkType.NULL:
    case LinkType.LOOP:
      decodeNullLoop(pkt, start);
      break;
  }
}

/** LINKTYPE_RAW: bare IPv4 or IPv6, told apart by the version nibble. */
function decodeRawIp(pkt: Packet, off: number): void {
  if (off >= pkt.end) {
    pkt.notes.push('short packet');
    return;
  }
  const version = pkt.bytes[off] >> 4;
  if (version === 4) decodeIpv4(pkt, off);
  else if (version === 6) decodeIpv6(pkt, off);
  else pkt.notes.push('malformed IP header');
}
