// Gathered writes for live capture (output-file.ts): record buffers in native memory, so iovecs
// can point into them, and writev(2). Frames go from the mapped ring to the file without a copy
// in JS. Imported only when capturing live, where the FFI is loaded anyway.
import * as c from '../dlpi/libc.js';
import type { GatherIo } from './output-file.js';

export const nativeGather: GatherIo = {
  allocate(size) {
    const addr = c.mmap(null, size, c.PROT_READ | c.PROT_WRITE, c.MAP_PRIVATE | c.MAP_ANONYMOUS, -1, 0);
    if (addr === c.MAP_FAILED) throw new Error(`cannot allocate a ${size}-byte output buffer: ${c.strerror(c.errno())}`);
    return { address: Number(addr), bytes: Buffer.from(c.view(addr, size)) };
  },
  free(address, size) {
    c.munmap(BigInt(address), size);
  },
  writev(fd, iov, count) {
    const n = c.writev(fd, iov, count);
    return n >= 0 ? n : -c.errno();
  },
};
