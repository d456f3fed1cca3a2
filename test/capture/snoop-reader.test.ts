import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileFormatError } from '../../src/capture/file-format-error.js';
import { openFileSource } from '../../src/capture/file-source.js';
import { LinkType } from '../../src/capture/frame.js';
import { makeFrames, readAll, sameFrames, snoopFile, tempDir } from './file-fixtures.js';

const dir = tempDir();
let n = 0;
function file(bytes: Uint8Array): string {
  const path = join(dir, `t${n++}.snoop`);
  writeFileSync(path, bytes);
  return path;
}

describe('snoop reader', () => {
  for (const datalink of [4, 0]) {
    it(`reads datalink ${datalink} as Ethernet, with cumulative drops`, async () => {
      const frames = makeFrames(40, 9);
      frames.forEach((f, i) => (f.drops = Math.floor(i / 4)));
      const source = await openFileSource(file(snoopFile(frames, { datalink })));
      expect(source.links).toEqual([{ name: 'link0', linkType: LinkType.ETHERNET, snaplen: 0 }]);
      const { frames: got, error } = await readAll(source);
      expect(error).toBeNull();
      expect(sameFrames(got, frames)).toBe('same');
      expect(source.stats()).toEqual([{ received: 40, dropped: 9 }]);
    });
  }

  it('honours the record length rather than computing the padding', async () => {
    const frames = makeFrames(20, 10);
    const { frames: got, error } = await readAll(await openFileSource(file(snoopFile(frames, { extraPad: 6 }))));
    expect(error).toBeNull();
    expect(sameFrames(got, frames)).toBe('same');
  });

  it('rejects other versions and datalinks with the offset of the field', async () => {
    const other = snoopFile(makeFrames(1), { datalink: 8 });
    const err = await openFileSource(file(other)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileFormatError);
    expect((err as FileFormatError).offset).toBe(12);
    expect((err as Error).message).toContain('datalink type 8');
    const v3 = snoopFile(makeFrames(1));
    v3.writeUInt32BE(3, 8);
    const err3 = await openFileSource(file(v3)).catch((e: unknown) => e);
    expect(err3).toBeInstanceOf(FileFormatError);
    expect((err3 as FileFormatError).offset).toBe(8);
  });
});
