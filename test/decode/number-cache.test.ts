import { describe, expect, it } from 'vitest';
import { NumberCache } from '../../src/decode/number-cache.js';

describe('NumberCache', () => {
  it('keeps keys across the whole range below 2^53 apart, including ones equal modulo 2^32', () => {
    const cache = new NumberCache<string>(4);
    const keys = [0, 1, 0xffffffff, 2 ** 32, 2 ** 32 + 1, 0x0200_5e10_000a, 2 ** 53 - 1];
    for (const k of keys) cache.set(k, `v${k}`);
    // 16 sets of two: these seven keys may share sets, so read back each right after writing it,
    // then check that nothing is ever answered for the wrong key.
    for (const k of keys) {
      cache.set(k, `v${k}`);
      expect(cache.get(k)).toBe(`v${k}`);
    }
    for (const k of keys) {
      const v = cache.get(k);
      if (v !== undefined) expect(v).toBe(`v${k}`);
    }
    expect(cache.get(2 ** 32 + 2)).toBeUndefined();
  });

  it('holds two keys per set, and replaces the one used less recently', () => {
    // Three keys of one set (found through the private hash), which has room for two.
    const cache = new NumberCache<number>(1);
    const setOf = (k: number): number => (cache as unknown as { setOf(k: number): number }).setOf(k);
    const sameSet: number[] = [];
    for (let k = 0; sameSet.length < 3; k++) if (setOf(k) === setOf(0)) sameSet.push(k);
    const [a, b, c] = sameSet;
    cache.set(a, 1);
    cache.set(b, 2);
    expect([cache.get(a), cache.get(b)]).toEqual([1, 2]);
    cache.get(a); // a is now the more recent
    cache.set(c, 3);
    expect([cache.get(a), cache.get(b), cache.get(c)]).toEqual([1, undefined, 3]);
  });

  it('refuses sizes it cannot index', () => {
    expect(() => new NumberCache(0)).toThrow(RangeError);
    expect(() => new NumberCache(25)).toThrow(RangeError);
  });
});
