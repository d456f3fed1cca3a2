import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  hostMemberships, parseProcDevMcast, parseProcIgmp, parseProcIgmp6, parseProcMcfilter, parseProcMcfilter6, readHostTables,
} from '../../src/annotate/ilm/host-tables.js';
import { hostTableRows, renderHostIlmTable } from '../../src/annotate/ilm/views.js';

// Captured from a Linux 6.18 namespace after an any-source join of 239.1.2.3, a source-specific
// join of (198.51.100.7, 232.1.1.1) and an ff15::1234 join on d0; the 239.1.2.3 timer line and the
// mcfilter6 row are edited to show a running timer and an IPv6 source filter.
const IGMP = [
  'Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter',
  '1\tlo        :     1      V3',
  '\t\t\t\t010000E0     1 0:00000000\t\t0',
  '3\td0        :     3      V2',
  '\t\t\t\t010101E8     1 0:00000000\t\t0',
  '\t\t\t\t030201EF     2 1:0000003C\t\t1',
  '\t\t\t\t010000E0     1 0:00000000\t\t0',
  '',
].join('\n');
const IGMP6 = [
  '1    lo              ff020000000000000000000000000001     1 0000000C 0',
  '3    d0              ff150000000000000000000000001234     1 00000007 25',
  '3    d0              ff0200000000000000000001ff9aaec3     1 00000004 0',
  '3    d0              ff020000000000000000000000000001     1 0000000C 0',
  '',
].join('\n');
const MCFILTER = ['Idx Device        MCA        SRC    INC    EXC', '  3     d0 0xe8010101 0xc6336407      1      0', ''].join('\n');
const MCFILTER6 = [
  'Idx Device                Multicast Address                   Source Address    INC    EXC',
  '  3     d0 ff150000000000000000000000001234 20010db8000000000000000000000007      0      1',
  '',
].join('\n');
const DEV_MCAST = [
  '3    d0              1     0     333300000001',
  '3    d0              1     0     01005e000001',
  '3    d0              1     0     01005e010203',
  '3    d0              1     0     01005e010101',
  '3    d0              1     0     333300001234',
  '',
].join('\n');

describe('/proc/net parsers', () => {
  it('reads /proc/net/igmp groups as host-order integers of the network-order address', () => {
    const le = parseProcIgmp(IGMP, true);
    expect(le.map((g) => `${g.device} ${g.group}`)).toEqual(['lo 224.0.0.1', 'd0 232.1.1.1', 'd0 239.1.2.3', 'd0 224.0.0.1']);
    expect(le[2]).toEqual({
      ifindex: 3, device: 'd0', querier: 'V2', group: '239.1.2.3', users: 2, timerRunning: true, timerMs: 600, reporter: true,
    });
    // A big-endian host prints the bytes in address order.
    expect(parseProcIgmp('3\td0        :     1      V3\n\t\t\t\tEF010203     1 0:00000000\t\t0\n', false)[0].group).toBe('239.1.2.3');
  });

  it('reads igmp6 flags and timers, mcfilter/mcfilter6 rows and dev_mcast addresses', () => {
    const six = parseProcIgmp6(IGMP6);
    expect(six.map((g) => g.group)).toEqual(['ff02::1', 'ff15::1234', 'ff02::1:ff9a:aec3', 'ff02::1']);
    expect(six[1]).toMatchObject({ users: 1, flags: 7, timerRunning: true, lastReporter: true, noReport: false, timerMs: 250 });
    expect(six[0]).toMatchObject({ noReport: true, timerRunning: false });
    expect(parseProcMcfilter(MCFILTER)).toEqual([
      { ifindex: 3, device: 'd0', group: '232.1.1.1', source: '198.51.100.7', include: 1, exclude: 0 },
    ]);
    expect(parseProcMcfilter6(MCFILTER6)).toEqual([
      { ifindex: 3, device: 'd0', group: 'ff15::1234', source: '2001:db8::7', include: 0, exclude: 1 },
    ]);
    expect(parseProcDevMcast(DEV_MCAST).map((d) => d.address)).toEqual([
      '33:33:00:00:00:01', '01:00:5e:00:00:01', '01:00:5e:01:02:03', '01:00:5e:01:01:01', '33:33:00:00:12:34',
    ]);
  });

  it('skips lines that are not table rows', () => {
    expect(parseProcIgmp('garbage\n\t\t\t\tZZZ\n')).toEqual([]);
    expect(parseProcIgmp6('Idx header\n')).toEqual([]);
    expect(parseProcMcfilter('')).toEqual([]);
  });
});

describe('host memberships and the --ilm host table', () => {
  const tables = {
    igmp: parseProcIgmp(IGMP, true), igmp6: parseProcIgmp6(IGMP6), mcfilter: parseProcMcfilter(MCFILTER),
    mcfilter6: parseProcMcfilter6(MCFILTER6), devMcast: parseProcDevMcast(DEV_MCAST),
  };

  it('joins filters and link-layer addresses to each membership', () => {
    const m = hostMemberships(tables);
    const ssm = m.find((x) => x.group === '232.1.1.1');
    expect(ssm).toMatchObject({ mode: 'IN', sources: ['198.51.100.7'], linkAddress: '01:00:5e:01:01:01', linkRefcount: 1, querier: 'V2' });
    const asm = m.find((x) => x.group === '239.1.2.3');
    expect(asm).toMatchObject({ mode: 'EX', sources: [], linkAddress: '01:00:5e:01:02:03', reporter: true });
    const six = m.find((x) => x.group === 'ff15::1234');
    expect(six).toMatchObject({ family: 6, mode: 'EX', sources: ['2001:db8::7'], querier: null, linkAddress: '33:33:00:00:12:34' });
  });

  it('renders the same columns as the wire view', () => {
    const rows = hostTableRows(hostMemberships(tables));
    expect(rows.find((r) => r.group === '239.1.2.3')).toMatchObject({ state: 'DELAYING', expiresInSec: 0.6, members: ['users=2 reporter'] });
    const text = renderHostIlmTable(tables).split('\n');
    expect(text[0].split(/\s+/)).toEqual(['LINK', 'GROUP', 'MODE', 'SOURCES', 'MEMBERS', 'STATE', 'EXPIRES', 'QUERIER']);
    expect(text.find((l) => l.includes('232.1.1.1'))?.split(/\s{2,}/)).toEqual(['d0', '232.1.1.1', 'IN', '198.51.100.7', 'users=1', 'IDLE', '-', 'V2']);
  });

  it('reads the five files from a proc root, treating missing files as empty', () => {
    const root = mkdtempSync(join(tmpdir(), 'dls-ilm-proc-'));
    try {
      mkdirSync(join(root, 'net'));
      writeFileSync(join(root, 'net', 'igmp'), IGMP);
      writeFileSync(join(root, 'net', 'dev_mcast'), DEV_MCAST);
      const t = readHostTables(root);
      expect(t.igmp.length).toBe(parseProcIgmp(IGMP).length);
      expect(t.igmp6).toEqual([]);
      expect(t.devMcast.length).toBe(5);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('parses this machine\'s own tables without losing a row', () => {
    const t = readHostTables('/proc');
    const lines = (text: string): number => text.split('\n').filter((l) => /^\t+[0-9A-F]{8}\s/.test(l)).length;
    expect(t.igmp.length).toBe(lines(readFileSync('/proc/net/igmp', 'utf8')));
  });
});
