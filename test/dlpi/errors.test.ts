import { describe, expect, it } from 'vitest';
import { DL_SYSERR, DlpiErr, DlpiError, dlpiStrerror, sysError } from '../../src/dlpi/errors.js';
import { isValidLinkName, dlpiOpen } from '../../src/dlpi/dlpi.js';

describe('dlpiStrerror', () => {
  it('gives libdlpi strings for libdlpi codes', () => {
    expect(DlpiErr.SUCCESS).toBe(10000);
    expect(dlpiStrerror(DlpiErr.SUCCESS)).toBe('DLPI operation succeeded');
    expect(dlpiStrerror(DlpiErr.ELINKNAMEINVAL)).toBe('invalid DLPI linkname');
    expect(dlpiStrerror(DlpiErr.ENOLINK)).toBe('DLPI link does not exist');
    expect(dlpiStrerror(DlpiErr.ETIMEDOUT)).toBe('DLPI operation timed out');
    expect(dlpiStrerror(DlpiErr.ERAWNOTSUP)).toBe('DLPI raw mode not supported');
    expect(dlpiStrerror(DlpiErr.EIPNETINFONOTSUP)).toBe('DLPI_IPNETINFO not supported');
  });

  it('keeps libdlpi table order for the notification codes (names and strings are swapped there)', () => {
    expect(dlpiStrerror(DlpiErr.ENOTEINVAL)).toBe('DLPI notification not supported by link');
    expect(dlpiStrerror(DlpiErr.ENOTENOTSUP)).toBe('invalid DLPI notification type');
  });

  it('gives DLPI provider strings for DL_* errors and strerror for DL_SYSERR', () => {
    expect(dlpiStrerror(0)).toBe('bad LSAP selector');
    expect(dlpiStrerror(0x14)).toBe('promiscuous mode not enabled');
    expect(dlpiStrerror(0x1b)).toBe('pending outstanding connect indications');
    expect(dlpiStrerror(DL_SYSERR, 1)).toBe('Operation not permitted');
    expect(dlpiStrerror(DL_SYSERR, 100)).toBe('Network is down');
  });

  it('says Unknown DLPI error outside both tables', () => {
    expect(dlpiStrerror(0x1c)).toBe('Unknown DLPI error');
    expect(dlpiStrerror(DlpiErr.ERRMAX)).toBe('Unknown DLPI error');
    expect(dlpiStrerror(-1)).toBe('Unknown DLPI error');
  });

  it('DlpiError carries code, errno and link', () => {
    const e = new DlpiError(DlpiErr.ENOLINK, { link: 'net9' });
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe('DLPI link does not exist');
    expect([e.code, e.link, e.errno]).toEqual([DlpiErr.ENOLINK, 'net9', 0]);
    const s = sysError('bind', 19, 'net9');
    expect([s.code, s.errno, s.message]).toEqual([DL_SYSERR, 19, "bind on link 'net9': No such device"]);
  });
});

describe('link name validation', () => {
  it('rejects names the kernel or libdlpi cannot have', () => {
    for (const bad of ['', 'net0:1', 'a'.repeat(16), 'a/b', 'a b', '.', '..']) {
      expect(isValidLinkName(bad)).toBe(false);
      expect(() => dlpiOpen(bad)).toThrow(expect.objectContaining({ code: DlpiErr.ELINKNAMEINVAL, message: 'invalid DLPI linkname' }));
    }
    for (const good of ['eth0', 'a'.repeat(15), 'veth-x.100', 'ipmp0']) expect(isValidLinkName(good)).toBe(true);
  });
});
