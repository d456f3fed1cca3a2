// libdlpi error codes and the exact strings dlpi_strerror(3DLPI) returns for them, so messages
// read the same as snoop's on illumos. DLPI codes (0x00-0x1b) come from sys/dlpi.h; libdlpi's own
// codes start at 10000 because DL_BADSAP is already 0.
import { strerror } from './libc.js';

export const DL_SYSERR = 0x04;

export const DlpiErr = {
  SUCCESS: 10000,
  EINVAL: 10001,
  ELINKNAMEINVAL: 10002,
  ENOLINK: 10003,
  EBADLINK: 10004,
  EINHANDLE: 10005,
  ETIMEDOUT: 10006,
  EVERNOTSUP: 10007,
  EMODENOTSUP: 10008,
  EUNAVAILSAP: 10009,
  FAILURE: 10010,
  ENOTSTYLE2: 10011,
  EBADMSG: 10012,
  ERAWNOTSUP: 10013,
  ENOTEINVAL: 10014,
  ENOTENOTSUP: 10015,
  ENOTEIDINVAL: 10016,
  EIPNETINFONOTSUP: 10017,
  ERRMAX: 10018,
} as const;

// Indexed by the DLPI error value; DL_SYSERR's slot is empty because its text is strerror(errno).
const dlpiErrlist: readonly (string | null)[] = [
  'bad LSAP selector',
  'DLSAP address in improper format or invalid',
  'improper permissions for request',
  'primitive issued in improper state',
  null,
  'sequence number not from outstanding DL_CONN_IND',
  'user data exceeded provider limit',
  'requested service not supplied by provider',
  'specified PPA was invalid',
  'primitive received not known by provider',
  'QoS parameters contained invalid values',
  'QoS structure type is unknown/unsupported',
  'token used not an active stream',
  'attempted second bind with dl_max_conind',
  'physical link initialization failed',
  "provider couldn't allocate alternate address",
  'physical link not initialized',
  'previous data unit could not be delivered',
  'primitive is known but unsupported',
  'limit exceeded',
  'promiscuous mode not enabled',
  'other streams for PPA in post-attached',
  'automatic handling XID&TEST unsupported',
  'automatic handling of XID unsupported',
  'automatic handling of TEST unsupported',
  'automatic handling of XID response',
  'automatic handling of TEST response',
  'pending outstanding connect indications',
];

// Indexed by code - 10000. libdlpi lists the two notification strings in this order although the
// enum has ENOTEINVAL before ENOTENOTSUP; we keep the table as libdlpi ships it so 10014 and
// 10015 print exactly what dlpi_strerror prints.
const libdlpiErrlist: readonly string[] = [
  'DLPI operation succeeded',
  'invalid argument',
  'invalid DLPI linkname',
  'DLPI link does not exist',
  'bad DLPI link',
  'invalid DLPI handle',
  'DLPI operation timed out',
  'unsupported DLPI version',
  'unsupported DLPI connection mode',
  'unavailable DLPI SAP',
  'DLPI operation failed',
  'DLPI style-2 node reports style-1',
  'bad DLPI message',
  'DLPI raw mode not supported',
  'DLPI notification not supported by link',
  'invalid DLPI notification type',
  'invalid DLPI notification id',
  'DLPI_IPNETINFO not supported',
];

/** dlpi_strerror: `errnum` is the errno that goes with DL_SYSERR. */
export function dlpiStrerror(code: number, errnum = 0): string {
  if (code === DL_SYSERR) return strerror(errnum);
  if (code >= 0 && code < dlpiErrlist.length) return dlpiErrlist[code] as string;
  if (code >= DlpiErr.SUCCESS && code < DlpiErr.ERRMAX) return libdlpiErrlist[code - DlpiErr.SUCCESS];
  return 'Unknown DLPI error';
}

/** A failed DLPI operation: `code` is a libdlpi/DLPI code, `errno` is set with DL_SYSERR. */
export class DlpiError extends Error {
  override readonly name = 'DlpiError';
  readonly code: number;
  readonly errno: number;
  /** The link the operation was on, when there was one. */
  readonly link: string | undefined;

  constructor(code: number, opts: { errno?: number; link?: string; message?: string } = {}) {
    super(opts.message ?? dlpiStrerror(code, opts.errno ?? 0));
    this.code = code;
    this.errno = opts.errno ?? 0;
    this.link = opts.link;
  }
}

/** A DL_SYSERR for a failed system call; the message names the call and the link. */
export function sysError(call: string, errnum: number, link?: string): DlpiError {
  const where = link === undefined ? call : `${call} on link '${link}'`;
  return new DlpiError(DL_SYSERR, { errno: errnum, link, message: `${where}: ${strerror(errnum)}` });
}
