import { describe, expect, it } from 'vitest';
import { IpmpConfigError, parseIpmpConfig, validateIpmpConfig } from '../../src/annotate/ipmp/config.js';
import { RttEstimator, computeCrtt } from '../../src/annotate/ipmp/rtt.js';

describe('compute_crtt replay', () => {
  it('first sample gives crtt = 3m, later samples follow Jacobson/Karels integer arithmetic', () => {
    const s = { sa: -1, sv: 0 };
    expect(computeCrtt(s, 4)).toBe(12);
    expect(s).toEqual({ sa: 32, sv: 8 });
    // err = 8 - 4 = 4; sa = 36; |err| - sv/4 = 4 - 2 = 2; sv = 10; crtt = 4 + 10
    expect(computeCrtt(s, 8)).toBe(14);
    expect(s).toEqual({ sa: 36, sv: 10 });
  });

  it('clamps the average at zero', () => {
    const s = { sa: 8, sv: 0 };
    computeCrtt(s, -100);
    expect(s.sa).toBe(0);
  });

  it('defers one suspect UNI sample and integrates both on the second', () => {
    const e = new RttEstimator('ms');
    expect(e.sample(2, true, 1428)).toBe('committed');
    expect(e.crttMs).toBe(6);
    expect(e.sample(2000, true, 1428)).toBe('deferred');
    expect(e.crttMs).toBe(6);
    expect(e.deferredCount).toBe(1);
    expect(e.sample(2000, true, 1428)).toBe('integrated');
    expect(e.deferredCount).toBe(0);
    expect(e.crttMs).toBeGreaterThan(1428);
  });

  it('a normal UNI sample drops the deferred one', () => {
    const e = new RttEstimator('ms');
    e.sample(2, true, 1428);
    e.sample(2000, true, 1428);
    expect(e.sample(2, true, 1428)).toBe('committed');
    expect(e.deferredCount).toBe(0);
    expect(e.sample(2000, true, 1428)).toBe('deferred');
  });

  it('an RTT-probe sample only lowers crtt', () => {
    const e = new RttEstimator('ms');
    e.sample(10, true, 1428);
    expect(e.sample(50, false, 1428)).toBe('ignored');
    expect(e.crttMs).toBe(30);
    // A sample at the average shrinks the deviation: crtt 10 + 15 = 25.
    expect(e.sample(10, false, 1428)).toBe('committed');
    expect(e.crttMs).toBe(25);
  });

  it('ns units truncate crtt to whole ms', () => {
    const e = new RttEstimator('ns');
    e.sample(410_000, true, 1428);
    expect(e.crttMs).toBe(1); // 3 x 0.41 ms = 1.23 ms
    expect(e.avgMs).toBeCloseTo(0.41, 6);
  });
});

describe('--ipmp-config', () => {
  const good = {
    fdt: 20000,
    groups: {
      ipmp0: {
        interfaces: {
          net0: { mac: '0:10:18:AA:0:1', testAddresses: ['192.0.2.10', 'FE80::1'] },
          net1: { mac: '00:10:18:aa:00:02', testAddresses: ['192.0.2.11'], standby: true },
        },
      },
    },
  };

  it('normalises MACs and addresses and inherits the file-level FDT', () => {
    const c = validateIpmpConfig(good);
    expect(c.groups[0].fdtMs).toBe(20000);
    expect(c.groups[0].interfaces[0]).toEqual({ name: 'net0', group: 'ipmp0', mac: '00:10:18:aa:00:01', testAddresses: ['192.0.2.10', 'fe80::1'], standby: false });
    expect(c.groups[0].interfaces[1].standby).toBe(true);
  });

  it.each([
    ['{', 'not valid JSON'],
    ['[]', 'top level must be an object'],
    ['{"groups":{"g":{"interfaces":{"a":{"mac":"zz"}}}}}', 'groups.g.interfaces.a.mac: not a MAC address'],
    ['{"groups":{"g":{"interfaces":{"a":{}}}}}', 'needs a "mac" or at least one entry'],
    ['{"groups":{"g":{"fdt":50,"interfaces":{}}}}', 'groups.g.fdt: must be an integer number of milliseconds >= 100'],
    ['{"groups":{"g":{"interfaces":{"a":{"testAddresses":["192.0.2.1"]},"b":{"testAddresses":["192.0.2.1"]}}}}}', 'already a test address of a'],
    ['{"groups":{"g":{"interfaces":{"a":{"mac":"1:2:3:4:5:6","colour":1}}}}}', 'unknown key "colour"'],
  ])('rejects %s with a clear message', (text, message) => {
    expect(() => parseIpmpConfig(text)).toThrow(IpmpConfigError);
    expect(() => parseIpmpConfig(text)).toThrow(message);
  });
});
