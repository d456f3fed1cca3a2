// Opening a capture file: detect pcap, pcapng or snoop by magic and hand back a CaptureSource.

import type { Readable } from 'node:stream';
import type { CaptureSource } from './frame.js';
import { ChunkReader, openFileInput, streamInput } from './chunk-reader.js';
import type { ByteInput } from './chunk-reader.js';
import { FileFormatError, hexBytes } from './file-format-error.js';
import { PCAP_MAGIC_NSEC, PCAP_MAGIC_USEC, PcapReader } from './pcap-reader.js';
import { BLOCK_SHB, PcapngReader } from './pcapng-reader.js';
import { SnoopReader } from './snoop-reader.js';

/** "snoo", the first four bytes of "snoop\0\0\0", read big-endian. */
const SNOOP_MAGIC_START = 0x736e6f6f;

/** Open a pcap, pcapng or snoop file; `-` reads standard input. */
export async function openFileSource(path: string): Promise<CaptureSource> {
  if (path === '-') return openStreamSource(process.stdin, 'file (standard input)');
  return openInput(await openFileInput(path), `file ${path}`);
}

/** Read a capture file from a stream (standard input, a pipe, a test's Readable). */
export function openStreamSource(stream: Readable, description: string): Promise<CaptureSource> {
  return openInput(streamInput(stream), description);
}

async function openInput(input: ByteInput, description: string): Promise<CaptureSource> {
  const reader = new ChunkReader(input);
  try {
    return await detectFormat(reader, description);
  } catch (err) {
    await reader.close();
    throw err;
  }
}

async function detectFormat(reader: ChunkReader, description: string): Promise<CaptureSource> {
  if (!(await reader.ensure(4))) {
    throw new FileFormatError(
      reader.available === 0
        ? 'empty capture file: no header at byte 0'
        : `truncated file header at byte 0: only ${reader.available} bytes`,
      0,
    );
  }
  const view = reader.view;
  const magicBE = view.getUint32(reader.pos, false);
  const magicLE = view.getUint32(reader.pos, true);
  if (magicLE === PCAP_MAGIC_USEC || magicLE === PCAP_MAGIC_NSEC || magicBE === PCAP_MAGIC_USEC || magicBE === PCAP_MAGIC_NSEC) {
    return PcapReader.open(reader, description);
  }
  if (magicBE === BLOCK_SHB) return PcapngReader.open(reader, description);
  if (magicBE === SNOOP_MAGIC_START) return SnoopReader.open(reader, description);
  throw new FileFormatError(
    `unknown capture file format at byte 0: magic ${hexBytes(reader.bytes, reader.pos, 4)} is not pcap, pcapng or snoop`,
    0,
  );
}
