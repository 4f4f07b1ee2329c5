// Checks a Mach-O executable's embedded code signature against its own bytes, pure.
//
// macOS runs arm64 code only when it is signed (ad hoc is enough) and kills a process whose
// pages do not match their hashes. `bun build --compile` appends the bundle to Bun's executable
// and then re-signs it ad hoc; for cross-compiled darwin-x64 Bun 1.4.5 leaves Bun's original
// signature in place, which no longer matches (measured here; upstream reports: oven-sh/bun
// issues 32159, 39758 and the cross-compile case in deepcoldy/botmux#1287). The release build
// checks every darwin executable with this and says which ones macOS may refuse.
//
// Format: Apple's <mach-o/loader.h> (LC_CODE_SIGNATURE 0x1d, a linkedit_data_command) and
// <kern/cs_blobs.h>: a SuperBlob (0xfade0cc0, big-endian) whose slot of type 0 is the
// CodeDirectory (0xfade0c02): hashOffset at +16, nCodeSlots at +28, codeLimit at +32, hashSize,
// hashType (2 = SHA-256), platform, pageSize (log2) at +36..+39; code slot k is the hash of bytes
// [k << pageSize, min((k+1) << pageSize, codeLimit)).

const MH_MAGIC_64 = 0xfeedfacf;
const LC_CODE_SIGNATURE = 0x1d;
const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
const CSSLOT_CODEDIRECTORY = 0;
const CS_HASHTYPE_SHA256 = 2;
/** A load command table longer than this is not an executable we built. */
const LOAD_COMMANDS_MAX = 1024;

export type Sha256 = (bytes: Uint8Array) => Uint8Array;

/** Null when the signature covers the whole file before it and every page hash matches; else why not. */
export function codeSignatureProblem(file: Uint8Array, sha256: Sha256): string | null {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (file.length < 32 || view.getUint32(0, true) !== MH_MAGIC_64) return 'not a 64-bit Mach-O file';
  const ncmds = view.getUint32(16, true);
  if (ncmds > LOAD_COMMANDS_MAX) return `${ncmds} load commands`;
  let signatureOffset = -1;
  for (let i = 0, off = 32; i < ncmds; i++) {
    if (view.getUint32(off, true) === LC_CODE_SIGNATURE) signatureOffset = view.getUint32(off + 8, true);
    off += view.getUint32(off + 4, true);
  }
  if (signatureOffset < 0) return 'no LC_CODE_SIGNATURE: unsigned';
  if (signatureOffset + 12 > file.length || view.getUint32(signatureOffset) !== CSMAGIC_EMBEDDED_SIGNATURE) return 'no embedded signature SuperBlob';
  const count = view.getUint32(signatureOffset + 8);
  for (let j = 0; j < count; j++) {
    if (view.getUint32(signatureOffset + 12 + 8 * j) !== CSSLOT_CODEDIRECTORY) continue;
    const cd = signatureOffset + view.getUint32(signatureOffset + 16 + 8 * j);
    if (view.getUint32(cd) !== CSMAGIC_CODEDIRECTORY) return 'slot 0 is not a CodeDirectory';
    const hashOffset = view.getUint32(cd + 16);
    const nCodeSlots = view.getUint32(cd + 28);
    const codeLimit = view.getUint32(cd + 32);
    const [hashSize, hashType, pageShift] = [file[cd + 36], file[cd + 37], file[cd + 39]];
    if (hashType !== CS_HASHTYPE_SHA256) return `hash type ${hashType}, not SHA-256`;
    if (codeLimit !== signatureOffset) return `the signature covers ${codeLimit} bytes, but ${signatureOffset} precede it`;
    const pageBytes = 2 ** pageShift;
    if (nCodeSlots !== Math.ceil(codeLimit / pageBytes)) return `${nCodeSlots} page hashes for ${codeLimit} bytes`;
    for (let k = 0; k < nCodeSlots; k++) {
      const page = file.subarray(k * pageBytes, Math.min((k + 1) * pageBytes, codeLimit));
      const stored = file.subarray(cd + hashOffset + k * hashSize, cd + hashOffset + (k + 1) * hashSize);
      const computed = sha256(page).subarray(0, hashSize);
      if (!computed.every((b, i) => b === stored[i])) return `page ${k} does not match its hash`;
    }
    return null;
  }
  return 'no CodeDirectory';
}
