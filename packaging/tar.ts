// A POSIX ustar archive writer, pure: entries in, bytes out (no clock, no file system).
// Release archives are built here rather than by the tar command so that they are the same
// bytes on every machine (GNU tar and macOS's bsdtar differ in flags and defaults): a fixed
// mtime, owner 0:0, entries in the order given. Gzip is the caller's (Bun.gzipSync).
//
// Format: POSIX.1-1988 ustar, as specified in IEEE Std 1003.1 (pax), "ustar Interchange Format":
// https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html#tag_20_92_13_06
// Each entry is a 512-byte header then its data padded to 512 bytes; the archive ends with two
// zero blocks. Numeric fields are octal ASCII, NUL-terminated.

const BLOCK_BYTES = 512;
/** The ustar name field; longer names need the prefix field or pax headers, which we never need. */
export const TAR_NAME_BYTES_MAX = 100;
/** An 11-digit octal size field holds up to 8 GiB - 1. */
export const TAR_ENTRY_BYTES_MAX = 8 ** 11 - 1;

export type TarEntry =
  | { readonly kind: 'directory'; readonly name: string; readonly mode: number }
  | { readonly kind: 'file'; readonly name: string; readonly mode: number; readonly data: Uint8Array };

export type TarResult = { ok: true; bytes: Uint8Array<ArrayBuffer> } | { ok: false; error: string };

/** The archive of `entries` (in order), every entry stamped with `mtimeSeconds` and owner 0:0. */
export function writeTar(entries: readonly TarEntry[], mtimeSeconds: number): TarResult {
  let total = 2 * BLOCK_BYTES;
  for (const entry of entries) {
    const problem = checkEntry(entry);
    if (problem !== null) return { ok: false, error: problem };
    total += BLOCK_BYTES + (entry.kind === 'file' ? paddedLength(entry.data.length) : 0);
  }
  const out = new Uint8Array(total);
  let pos = 0;
  for (const entry of entries) {
    out.set(header(entry, mtimeSeconds), pos);
    pos += BLOCK_BYTES;
    if (entry.kind === 'file') {
      out.set(entry.data, pos);
      pos += paddedLength(entry.data.length);
    }
  }
  return { ok: true, bytes: out };
}

function checkEntry(entry: TarEntry): string | null {
  const nameBytes = new TextEncoder().encode(entry.name).length;
  if (nameBytes === 0 || nameBytes > TAR_NAME_BYTES_MAX) return `tar: name '${entry.name}' is ${nameBytes} bytes (1..${TAR_NAME_BYTES_MAX})`;
  if (!/^[\x20-\x7e]+$/.test(entry.name)) return `tar: name '${entry.name}' is not printable ASCII`;
  if (entry.kind === 'directory' && !entry.name.endsWith('/')) return `tar: directory name '${entry.name}' must end with /`;
  if (entry.kind === 'file' && entry.data.length > TAR_ENTRY_BYTES_MAX) return `tar: '${entry.name}' is over ${TAR_ENTRY_BYTES_MAX} bytes`;
  if (!Number.isInteger(entry.mode) || entry.mode < 0 || entry.mode > 0o7777) return `tar: mode ${entry.mode} of '${entry.name}'`;
  return null;
}

function paddedLength(n: number): number {
  return Math.ceil(n / BLOCK_BYTES) * BLOCK_BYTES;
}

/** `value` as `width - 1` octal digits and a NUL, the ustar numeric field. */
function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(entry: TarEntry, mtimeSeconds: number): Uint8Array {
  const h = new Uint8Array(BLOCK_BYTES);
  const put = (offset: number, text: string) => h.set(new TextEncoder().encode(text), offset);
  put(0, entry.name); // name[100]
  put(100, octal(entry.mode, 8)); // mode
  put(108, octal(0, 8)); // uid
  put(116, octal(0, 8)); // gid
  put(124, octal(entry.kind === 'file' ? entry.data.length : 0, 12)); // size
  put(136, octal(mtimeSeconds, 12)); // mtime
  put(156, entry.kind === 'file' ? '0' : '5'); // typeflag: regular file / directory
  put(257, 'ustar\0'); // magic
  put(263, '00'); // version
  put(265, 'root'); // uname[32]
  put(297, 'root'); // gname[32]
  // chksum: the byte sum of the header with the chksum field itself taken as eight spaces,
  // written as six octal digits, a NUL and a space.
  put(148, '        ');
  let sum = 0;
  for (const b of h) sum += b;
  put(148, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}
