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

/** Wall-clock seconds of one run of a shell command whose output goes to /dev/null. */
function once(cmd) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', `${cmd} > /dev/null 2>/dev/null`]);
  if (r.status !== 0) throw new Error(`benchmark command failed (${r.status}): ${cmd}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/**
 * Run the commands in turn, `runs` rounds, and give each one's best and median time. This
 * machine's speed drifts by 20% over seconds; taking turns puts every tool in the same spells.
 */
function rotate(cmds, runs) {
  const times = cmds.map(() => []);
  for (let i = 0; i < runs; i++) cmds.forEach((cmd, k) => times[k].push(once(cmd)));
  return times.map((t) => {
    const sorted = [...t].sort((a, b) => a - b);
    return { best: sorted[0], median: sorted[(sorted.length - 1) >> 1] };
  });
}

const rows = [];
function record(name, cmd, count, runs = 3) {
  return recordTogether([[name, cmd]], count, runs)[0];
}

/** Time `[name, cmd]` pairs in rotation (rotate()); returns their packet rates from the best times. */
function recordTogether(named, count, runs) {
  const results = rotate(named.map(([, cmd]) => cmd), runs);
  return results.map(({ best, median }, k) => {
    rows.push({ name: named[k][0], cmd: named[k][1], secs: best, median, rate: count / best });
    return { best: count / best, median: count / median };
  });
}

console.log(`# dlsnoop benchmark (${new Date().toISOString()})`);
console.log(`capture: ${packets} packets, ${(statSync(big).size / 1e6).toFixed(1)} MB; machine: ${execFileSync('nproc').toString().trim()} cores, node ${process.version}\n`);

const dl = `node ${join(root, 'bin', 'dlsnoop')}`;
const runs = Number(process.env.BENCH_RUNS ?? 5);
const summary = ['dlsnoop summary', `${dl} -i ${big}`];
let ours, tcpdump, tcpdumpTz, tshark;
if (has('tcpdump')) {
  // Without TZ, glibc's localtime() stats /etc/localtime for every packet tcpdump prints; that
  // system time is most of tcpdump's run here. With TZ set it runs several times faster.
  [ours, tcpdump, tcpdumpTz] = recordTogether([summary, ['tcpdump -nn -r', `tcpdump -nn -r ${big}`], ['TZ=UTC tcpdump -nn -r', `TZ=UTC tcpdump -nn -r ${big}`]], packets, runs);
} else {
  [ours] = recordTogether([summary], packets, runs);
}
record('dlsnoop --json', `${dl} -i ${big} --json`, packets, 1);
record('dlsnoop -o pcap (copy)', `${dl} -i ${big} -o /dev/null -q`, packets);
const filtered = record("dlsnoop filter 'probe' (summary of matches)", `${dl} -i ${big} probe`, packets);
if (has('tshark')) tshark = record('tshark -r (100k packets)', `tshark -r ${small}`, 100_000, 1);

console.log(`dlsnoop summary, tcpdump and TZ=UTC tcpdump ran in turn, ${runs} rounds; other rows are the best of 3 runs (1 for JSON and tshark).\n`);
console.log('| what | command | best s | median s | packets/s (best) |');
console.log('|---|---|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.name} | \`${r.cmd.replaceAll(root + '/', '')}\` | ${r.secs.toFixed(2)} | ${r.median.toFixed(2)} | ${Math.round(r.rate).toLocaleString('en-US')} |`);
console.log('');
const ratio = (a, b) => `${(a / b).toFixed(2)}×`;
if (tcpdump) {
  console.log(`dlsnoop summary / tcpdump -nn: **${ratio(ours.best, tcpdump.best)}** best to best, ${ratio(ours.median, tcpdump.median)} median to median (goal ≥ 2×)`);
  console.log(`dlsnoop summary / TZ=UTC tcpdump -nn: ${ratio(ours.best, tcpdumpTz.best)} best to best`);
}
if (tshark) console.log(`dlsnoop summary / tshark: **${(ours.best / tshark.best).toFixed(1)}×** (goal ≥ 10×)`);
console.log(`filtered run rate: ${Math.round(filtered.best).toLocaleString('en-US')} packets/s offered`);

const vm = spawnSync('node', [join(root, 'test', 'bench', 'filter-rate.mjs'), small], { encoding: 'utf8' });
process.stdout.write(vm.stdout);
if (vm.status !== 0) process.stderr.write(vm.stderr);
