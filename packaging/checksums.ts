// SHA256SUMS in the format `sha256sum -c` reads (GNU coreutils, "sha256sum invocation" and
// "md5sum invocation": https://www.gnu.org/software/coreutils/manual/html_node/md5sum-invocation.html):
// one line per file, 64 lower-case hex digits, a space, then ' ' (text mode) or '*' (binary
// mode), then the file name. We write what a plain `sha256sum FILE` prints (two spaces): text and
// binary mode are the same bytes on every POSIX system, and `shasum -a 256 -c` on macOS reads it.

export type Checksum = { readonly name: string; readonly sha256: string };

/** The SHA256SUMS text for `sums`, in the order given. Names must be plain (no newline, no backslash). */
export function formatSha256Sums(sums: readonly Checksum[]): { ok: true; text: string } | { ok: false; error: string } {
  for (const s of sums) {
    if (!/^[0-9a-f]{64}$/.test(s.sha256)) return { ok: false, error: `SHA256SUMS: digest of ${s.name} is not 64 lower-case hex digits` };
    // coreutils escapes such names with a leading backslash; ours never need it.
    if (/[\n\\]/.test(s.name) || s.name.length === 0) return { ok: false, error: `SHA256SUMS: name '${s.name}' needs escaping` };
  }
  return { ok: true, text: sums.map((s) => `${s.sha256}  ${s.name}\n`).join('') };
}
