#!/usr/bin/env node
// Live capture benchmark (root): a veth pair inside a private namespace, trafgen sending a fixed
// number of 64-byte UDP frames as fast as it can on one end, and dlsnoop or tcpdump capturing
// on the other. After a warm-up at an easy rate, two identical bursts go at the sender's limit.
// Reports captured share and kernel drops over both bursts, and capture CPU per offered packet
// in each: the first still pays for V8 compiling dlsnoop's per-block code, the second is the
// steady state.
//   node test/bench/live.mjs [packets] [rounds]      (default 1,000,000 and 3; each row is the median of the rounds)
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const packets = Number(process.argv[2] ?? 1_000_000);
const rounds = Number(process.argv[3] ?? 3);
/**
 * Frames sent at an easy rate before the bursts, not counted in their share: neither tool drops
 * any of them, V8 compiles dlsnoop's per-frame code, and both tools fault in their rings. Code
 * run once per ring block gets hot only at full rate, in the first burst (--trace-opt).
 */
const WARM_UP = 300_000;
const WARM_UP_RATE = '100000pps';
const ns = `dls-bench-${process.pid}`;
const sh = (cmd) => execFileSync('sh', ['-c', cmd], { encoding: 'utf8' });
// Every command runs inside the namespace as one shell, so no part of a chain reaches the host.
const inNs = (cmd) => execFileSync('ip', ['netns', 'exec', ns, 'sh', '-c', cmd], { encoding: 'utf8' });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function setUp() {
  sh(`ip netns add ${ns}`);
  // Both ends of the pair live in our namespace; nothing touches the host's links.
  inNs('ip link add bsend address 02:00:5e:20:00:0a type veth peer name brecv address 02:00:5e:20:00:0b');
  inNs('ip link set lo up && ip link set bsend up && ip link set brecv up');
  inNs('echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6');
  // Ethernet to brecv, IPv4 UDP 198.51.100.1 -> 198.51.100.2:9, 18 bytes of payload: 64 bytes on the wire.
  writeFileSync(cfg, `{ 0x02,0x00,0x5e,0x20,0x00,0x0b, 0x02,0x00,0x5e,0x20,0x00,0x0a, 0x08,0x00,
  0x45,0x00,0x00,0x2e, 0x00,0x00,0x00,0x00, 0x40,0x11,0x00,0x00, 198,51,100,1, 198,51,100,2,
  0x30,0x39,0x00,0x09,0x00,0x1a,0x00,0x00, fill(0x61, 18) }\n`);
  return cfg;
}

function tearDown(cfg) {
  try { sh(`ip netns del ${ns}`); } catch { /* already gone */ }
  try { sh(`rm -f ${cfg} ${capFile}`); } catch { /* nothing to remove */ }
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function measure(name, captureCmd, cfg, parse) {
  const child = spawn('ip', ['netns', 'exec', ns, 'sh', '-c', `exec ${captureCmd}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  await sleep(1500);
  const cpu0 = cpuSeconds(child.pid);
  inNs(`trafgen -o bsend -i ${cfg} -n ${WARM_UP} -b ${WARM_UP_RATE} -P 1 -q`);
  await sleep(300);
  const cpu1 = cpuSeconds(child.pid);
  inNs(`trafgen -o bsend -i ${cfg} -n ${packets} -P 1 -q`);
  await sleep(1000);
  const cpu2 = cpuSeconds(child.pid);
  const t0 = Date.now();
  inNs(`trafgen -o bsend -i ${cfg} -n ${packets} -P 1 -q`);
  const sendSecs = (Date.now() - t0) / 1000;
  await sleep(1000);
  const cpu = cpuSeconds(child.pid) - cpu2;
  const done = new Promise((r) => child.on('exit', r));
  child.kill('SIGINT');
  await Promise.race([done, sleep(5000)]);
  const { captured, dropped } = parse(stderr);
  // A capture keeps all the warm-up frames or, filtering them out, none.
  const kept = captured >= WARM_UP ? captured - WARM_UP : captured;
  return { name, captured: kept, dropped, warmCpu: cpu1 - cpu0, firstCpu: cpu2 - cpu1, cpu, rate: packets / sendSecs };
}

const dlsnoopStats = (text) => {
  const m = /(\d+) packets captured, (\d+) dropped by kernel/.exec(text);
  return { captured: Number(m?.[1] ?? NaN), dropped: Number(m?.[2] ?? NaN) };
};
const tcpdumpStats = (text) => ({
  captured: Number(/(\d+) packets? captured/.exec(text)?.[1] ?? NaN),
  dropped: Number(/(\d+) packets? dropped by kernel/.exec(text)?.[1] ?? NaN),
});

const cfg = join('/tmp', `${ns}.trafgen`);
const capFile = join('/dev/shm', `${ns}.pcap`);
/** The middle value (lower middle for an even count). */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const runs = [];
try {
  setUp();
  const dl = `node ${join(root, 'bin', 'dlsnoop')} -d brecv`;
  // Same ring size for both: 32 MiB, dlsnoop's default (tcpdump -B is in KiB).
  // Real files in memory (tmpfs), not /dev/null: the kernel must copy every record either way,
  // so a writer that hands frames to the kernel in place gets no free ride. Each run removes its file.
  // glibc's localtime() stats /etc/localtime per printed packet unless TZ is set (see run.mjs).
  const configs = [
    ['dlsnoop -o file (pcap)', `${dl} -q -o ${capFile}`, dlsnoopStats],
    ['tcpdump -w file', `tcpdump -i brecv -B 32768 -w ${capFile}`, tcpdumpStats],
    ['dlsnoop text > /dev/null', `${dl} > /dev/null`, dlsnoopStats],
    ['tcpdump -nn > /dev/null', `tcpdump -i brecv -B 32768 -nn > /dev/null`, tcpdumpStats],
    ['TZ=UTC tcpdump -nn > /dev/null', `env TZ=UTC tcpdump -i brecv -B 32768 -nn > /dev/null`, tcpdumpStats],
    ['dlsnoop -o /dev/null icmp (kernel filter rejects all)', `${dl} -q -o /dev/null icmp`, dlsnoopStats],
  ];
  // This machine's speed drifts from minute to minute: rounds interleave the captures so each
  // median compares like with like.
  for (let round = 0; round < rounds; round++) {
    for (const [name, cmd, parse] of configs) {
      runs.push(await measure(name, cmd, cfg, parse));
      sh(`rm -f ${capFile}`);
    }
  }
} finally {
  tearDown(cfg);
}
const rows = [...new Set(runs.map((r) => r.name))].map((name) => {
  const mine = runs.filter((r) => r.name === name);
  // Share from the run with the median capture, so captured + dropped stay one run's numbers.
  const middle = [...mine].sort((a, b) => a.captured - b.captured)[Math.floor((mine.length - 1) / 2)];
  return { ...middle, cpu: median(mine.map((r) => r.cpu)), firstCpu: median(mine.map((r) => r.firstCpu)), warmCpu: median(mine.map((r) => r.warmCpu)) };
});

console.log(`\n# live capture: ${WARM_UP} x 64-byte frames at ${WARM_UP_RATE}, then 2 x ${packets} offered by trafgen as fast as it sends over veth; medians of ${rounds} rounds\n`);
console.log('| capture | offered pkt/s | captured (both bursts) | share | kernel drops | warm-up CPU ms | 1st burst CPU ns / pkt | 2nd burst CPU s | 2nd burst CPU ns / pkt |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.name} | ${Math.round(r.rate).toLocaleString('en-US')} | ${r.captured} | ${((r.captured / (2 * packets)) * 100).toFixed(1)}% | ${r.dropped} | ${Math.round(r.warmCpu * 1000)} | ${Math.round((r.firstCpu / packets) * 1e9)} | ${r.cpu.toFixed(2)} | ${Math.round((r.cpu / packets) * 1e9)} |`);
}
