#!/usr/bin/env node
// npm run bench: file-decoding throughput against tcpdump and tshark, and the user filter's rate.
// Writes results to stdout in the Markdown shape docs/BENCHMARKS.md keeps.
//   BENCH_PACKETS=N   size of the big capture (default 1,000,000)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBigCapture } from './big-capture.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outDir = join(root, 'test', 'bench', 'out');
mkdirSync(outDir, { recursive: true });
const packets = Number(process.env.BENCH_PACKETS ?? 1_000_000);
const big = join(outDir, `big-${packets}.pcap`);
const small = join(outDir, 'big-100000.pcap');

if (!existsSync(big)) writeBigCapture(big, packets);
if (!existsSync(small)) writeBigCapture(small, 100_000);

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Best of `runs` wall-clock times of a shell command whose output goes to /dev/null. */
function time(cmd, runs = 3) {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('sh', ['-c', `${cmd} > /dev/null 2>/dev/null`]);
    const t = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) throw new Error(`benchmark command failed (${r.status}): ${cmd}`);
    best = Math.min(best, t);
  }
  return best;
}

const rows = [];
function record(name, cmd, count, runs) {
  const secs = time(cmd, runs);
  const rate = count / secs;
  rows.push({ name, cmd, secs, rate });
  return rate;
}

console.log(`# dlsnoop benchmark (${new Date().toISOString()})`);
console.log(`capture: ${packets} packets, ${(statSync(big).size / 1e6).toFixed(1)} MB; machine: ${execFileSync('nproc').toString().trim()} cores, node ${process.version}\n`);

const dl = `node ${join(root, 'bin', 'dlsnoop')}`;
const ours = record('dlsnoop summary', `${dl} -i ${big}`, packets);
record('dlsnoop --json', `${dl} -i ${big} --json`, packets, 1);
record('dlsnoop -o pcap (copy)', `${dl} -i ${big} -o /dev/null -q`, packets);
const filtered = record("dlsnoop filter 'probe' (summary of matches)", `${dl} -i ${big} probe`, packets);
let tcpdump, tshark;
let tcpdumpTz;
if (has('tcpdump')) {
  tcpdump = record('tcpdump -nn -r', `tcpdump -nn -r ${big}`, packets);
  // Without TZ, glibc's localtime() stats /etc/localtime for every packet tcpdump prints; that
  // system time is most of tcpdump's run here. With TZ set it runs several times faster.
  tcpdumpTz = record('TZ=UTC tcpdump -nn -r', `TZ=UTC tcpdump -nn -r ${big}`, packets);
}
if (has('tshark')) tshark = record('tshark -r (100k packets)', `tshark -r ${small}`, 100_000, 1);

console.log('| what | command | seconds | packets/s |');
console.log('|---|---|---:|---:|');
for (const r of rows) console.log(`| ${r.name} | \`${r.cmd.replaceAll(root + '/', '')}\` | ${r.secs.toFixed(2)} | ${Math.round(r.rate).toLocaleString('en-US')} |`);
console.log('');
if (tcpdump) console.log(`dlsnoop summary / tcpdump -nn: **${(ours / tcpdump).toFixed(2)}×**, / TZ=UTC tcpdump -nn: **${(ours / tcpdumpTz).toFixed(2)}×** (goal ≥ 2×)`);
if (tshark) console.log(`dlsnoop summary / tshark: **${(ours / tshark).toFixed(1)}×** (goal ≥ 10×)`);
console.log(`filtered run rate: ${Math.round(filtered).toLocaleString('en-US')} packets/s offered`);

const vm = spawnSync('node', [join(root, 'test', 'bench', 'filter-rate.mjs'), small], { encoding: 'utf8' });
process.stdout.write(vm.stdout);
if (vm.status !== 0) process.stderr.write(vm.stderr);
