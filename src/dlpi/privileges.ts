// Give up root once the capture sockets are open (they keep working): to the -Z user, or back to
// the user who ran sudo. Raw sockets are the only reason dlsnoop needs privileges, so parsing
// untrusted packets as root would be all risk and no benefit.
import { readFileSync } from 'node:fs';
import { DlpiErr, DlpiError, sysError } from './errors.js';
import * as c from './libc.js';

export interface Identity {
  user: string | null;
  uid: number;
  gid: number;
  groups: number[];
}

/** Look `user` up in /etc/passwd and /etc/group (files only: no NSS, which a static tool cannot reach). */
export function lookupUser(user: string, passwd = '/etc/passwd', group = '/etc/group'): Identity | null {
  const entry = readLines(passwd).map((l) => l.split(':')).find((f) => f.length >= 4 && f[0] === user);
  if (entry === undefined) return null;
  const uid = Number(entry[2]);
  const gid = Number(entry[3]);
  return { user, uid, gid, groups: supplementaryGroups(user, gid, group) };
}

/**
 * Drop root: to `user` when given (-Z), else to SUDO_UID/SUDO_GID when run under sudo; otherwise,
 * or when not root, do nothing. Returns the identity switched to, or null.
 */
export function dropPrivileges(opts: { user?: string } = {}, env: NodeJS.ProcessEnv = process.env): Identity | null {
  if (process.getuid?.() !== 0) return null;
  let target: Identity | null;
  if (opts.user !== undefined) {
    target = lookupUser(opts.user);
    if (target === null) throw new DlpiError(DlpiErr.EINVAL, { message: `unknown user '${opts.user}' (-Z)` });
  } else if (env.SUDO_UID !== undefined && env.SUDO_GID !== undefined) {
    const uid = Number(env.SUDO_UID);
    const gid = Number(env.SUDO_GID);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) return null;
    const user = env.SUDO_USER ?? null;
    target = { user, uid, gid, groups: user === null ? [gid] : supplementaryGroups(user, gid, '/etc/group') };
  } else {
    return null;
  }
  // Groups first: once the uid is gone we may no longer change them.
  const groups = Uint32Array.from(target.groups);
  if (c.setgroups(groups.length, groups) !== 0) throw sysError('setgroups', c.errno());
  if (c.setgid(target.gid) !== 0) throw sysError('setgid', c.errno());
  if (c.setuid(target.uid) !== 0) throw sysError('setuid', c.errno());
  return target;
}

function supplementaryGroups(user: string, gid: number, groupFile: string): number[] {
  const gids = new Set<number>([gid]);
  for (const line of readLines(groupFile)) {
    const f = line.split(':');
    if (f.length >= 4 && f[3].split(',').includes(user)) gids.add(Number(f[2]));
  }
  return [...gids];
}

function readLines(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  } catch {
    return [];
  }
}
