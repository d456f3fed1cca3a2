import { describe, expect, it } from 'vitest';
import { NumberCache } from '../../src/decode/number-cache.js';

describe('NumberCache', () => {
  it('keeps every int32 key apart, zero and the extremes included', () => {
    const cache = new NumberCache<string>(4);
    const keys = [0, 1, -1, 0x7fffffff, -0x80000000, 0xc000020a | 0, 0x0200_5e10 | 0];
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
    expect(cache.get(2)).toBeUndefined();
  });

  it('answers nothing for any key before something is stored (an empty slot is not key 0)', () => {
    const cache = new NumberCache<string>(2);
    for (const k of [0, 1, -1, 12345]) expect(cache.get(k)).toBeUndefined();
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
