// The one place dlsnoop declares libc functions through koffi. Everything that talks to the kernel
// directly (packet sockets, the mmap'ed ring, poll, privilege changes) imports from here, so each
// C signature is written once. Pointer arguments are declared `void *` and take Buffers or typed
// arrays (koffi passes their memory in place); pointer results are BigInt addresses.
import koffi from 'koffi';
import type { KoffiFunc } from 'koffi';

const lib = koffi.load('libc.so.6');

type Fn<T extends (...args: never[]) => unknown> = KoffiFunc<T>;
type Mem = Uint8Array | Uint32Array | Int32Array | null;

export const socket = lib.func('int socket(int domain, int type, int protocol)') as Fn<(domain: number, type: number, protocol: number) => number>;
export const bind = lib.func('int bind(int fd, void *addr, uint32_t addrlen)') as Fn<(fd: number, addr: Mem, addrlen: number) => number>;
export const setsockopt = lib.func('int setsockopt(int fd, int level, int name, void *value, uint32_t len)') as Fn<(fd: number, level: number, name: number, value: Mem, len: number) => number>;
/** `len` is a one-element Uint32Array: in, the buffer size; out, the bytes written. */
export const getsockopt = lib.func('int getsockopt(int fd, int level, int name, void *value, void *len)') as Fn<(fd: number, level: number, name: number, value: Mem, len: Uint32Array) => number>;
// ioctl is variadic in C; every request we make passes one pointer, which the x86_64 and aarch64
// calling conventions pass exactly like a fixed third argument.
export const ioctl = lib.func('int ioctl(int fd, unsigned long request, void *arg)') as Fn<(fd: number, request: number, arg: Mem) => number>;
export const mmap = lib.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)') as Fn<(addr: bigint | null, length: number, prot: number, flags: number, fd: number, offset: number) => bigint>;
export const munmap = lib.func('int munmap(void *addr, size_t length)') as Fn<(addr: bigint, length: number) => number>;
/** `fds` is an array of struct pollfd {int fd; short events; short revents} (8 bytes each). */
export const poll = lib.func('int poll(void *fds, unsigned long nfds, int timeout)') as Fn<(fds: Uint8Array, nfds: number, timeout: number) => number>;
export const close = lib.func('int close(int fd)') as Fn<(fd: number) => number>;
export const sendto = lib.func('intptr_t sendto(int fd, void *buf, size_t len, int flags, void *addr, uint32_t addrlen)') as Fn<(fd: number, buf: Uint8Array, len: number, flags: number, addr: Mem, addrlen: number) => number>;
// SO_ATTACH_FILTER takes a struct sock_fprog {u16 len; struct sock_filter *filter}; koffi builds
// it from { len, filter: Buffer } with `filter` pointing at the Buffer's memory for the call.
const SockFprog = koffi.struct('sock_fprog', { len: 'uint16_t', filter: 'void *' });
export const setsockoptFprog = lib.func('setsockopt', 'int', ['int', 'int', 'int', koffi.pointer(SockFprog), 'uint32_t']) as Fn<(fd: number, level: number, name: number, prog: { len: number; filter: Uint8Array }, len: number) => number>;
export const read = lib.func('intptr_t read(int fd, void *buf, size_t len)') as Fn<(fd: number, buf: Uint8Array, len: number) => number>;
export const writev = lib.func('intptr_t writev(int fd, void *iov, int iovcnt)') as Fn<(fd: number, iov: Uint32Array, iovcnt: number) => number>;
export const write = lib.func('intptr_t write(int fd, void *buf, size_t len)') as Fn<(fd: number, buf: Uint8Array, len: number) => number>;
export const eventfd = lib.func('int eventfd(unsigned int initval, int flags)') as Fn<(initval: number, flags: number) => number>;
export const clockGettime = lib.func('int clock_gettime(int clock, void *ts)') as Fn<(clock: number, ts: Uint8Array) => number>;
export const ifNametoindex = lib.func('unsigned int if_nametoindex(const char *name)') as Fn<(name: string) => number>;
export const setuid = lib.func('int setuid(uint32_t uid)') as Fn<(uid: number) => number>;
export const setgid = lib.func('int setgid(uint32_t gid)') as Fn<(gid: number) => number>;
/** `groups` is a Uint32Array of gid_t, or null with size 0 to clear supplementary groups. */
export const setgroups = lib.func('int setgroups(size_t size, void *groups)') as Fn<(size: number, groups: Uint32Array | null) => number>;
export const setns = lib.func('int setns(int fd, int nstype)') as Fn<(fd: number, nstype: number) => number>;
export const open = lib.func('int open(const char *path, int flags)') as Fn<(path: string, flags: number) => number>;
const strerrorC = lib.func('const char *strerror(int errnum)') as Fn<(errnum: number) => string>;

/** errno of the last synchronous call on this thread (koffi saves it right after the call). */
export function errno(): number {
  return koffi.errno();
}

export function strerror(errnum: number): string {
  return strerrorC(errnum);
}

/** Zero-copy ArrayBuffer over unmanaged memory (an mmap'ed ring). */
export function view(addr: bigint, length: number): ArrayBuffer {
  return koffi.view(addr, length);
}

/** Linux errno values we test for (asm-generic/errno-base.h, errno.h). */
export const Errno = {
  EPERM: 1,
  EINTR: 4,
  EACCES: 13,
  ENODEV: 19,
  ENETDOWN: 100,
} as const;

// Linux x86_64/aarch64 constants used with the calls above.
export const AF_PACKET = 17;
export const AF_INET = 2;
export const SOCK_RAW = 3;
export const SOCK_DGRAM = 2;
export const SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;
export const SO_ERROR = 4;
export const SO_ATTACH_FILTER = 26;
export const SO_DETACH_FILTER = 27;
export const SOL_PACKET = 263;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_ANONYMOUS = 0x20;
/** `mmap` failure, `(void *)-1`, as koffi's BigInt address. */
export const MAP_FAILED = 0xffffffffffffffffn;
export const POLLIN = 0x001;
export const POLLERR = 0x008;
export const POLLHUP = 0x010;
export const POLLNVAL = 0x020;
export const EFD_CLOEXEC = 0o2000000;
export const EFD_NONBLOCK = 0o4000;
export const CLOCK_REALTIME = 0;
export const O_RDONLY = 0;
export const O_CLOEXEC = 0o2000000;
export const CLONE_NEWNET = 0x40000000;

// --- used by the prober ---
// Raw ICMP/ICMPv6 probe sockets (src/probe/). `addr`/`addrlen` may be null when the sender's
// address is not wanted; `addrlen` is a one-element Uint32Array (in: the buffer size, out: used).
export const recvfrom = lib.func('intptr_t recvfrom(int fd, void *buf, size_t len, int flags, void *addr, void *addrlen)') as Fn<(fd: number, buf: Uint8Array, len: number, flags: number, addr: Uint8Array | null, addrlen: Uint32Array | null) => number>;
export const EAGAIN = 11;
export const AF_INET6 = 10;
export const SOCK_NONBLOCK = 0o4000;
export const IPPROTO_IP = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ICMPV6 = 58;
export const SOL_RAW = 255;
/** SOL_RAW: struct icmp_filter {u32 data}, bit (1 << type) set = drop that ICMP type. */
export const ICMP_FILTER = 1;
/** IPPROTO_ICMPV6: struct icmp6_filter {u32 data[8]}, bit set = block that ICMPv6 type. */
export const ICMP6_FILTER = 1;
export const SO_BINDTODEVICE = 25;
export const IP_TTL = 2;
export const IP_MULTICAST_IF = 32;
export const IP_MULTICAST_TTL = 33;
export const IP_MULTICAST_LOOP = 34;
export const IPV6_UNICAST_HOPS = 16;
export const IPV6_MULTICAST_IF = 17;
export const IPV6_MULTICAST_HOPS = 18;
export const IPV6_MULTICAST_LOOP = 19;
export const CLOCK_MONOTONIC = 1;
/** ioctl: struct timespec of the last packet read from a socket (enables receive time stamps). */
export const SIOCGSTAMPNS = 0x8907;
