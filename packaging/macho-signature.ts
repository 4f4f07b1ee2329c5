// Checks a Mach-O executable's embedded code signature against its own bytes, and re-signs it
// ad hoc when it does not match. Pure: bytes and a SHA-256 function in, bytes or a reason out.
//
// macOS runs arm64 code only when it is signed (ad hoc is enough) and kills a process whose
// pages do not match their hashes. `bun build --compile` appends the bundle to Bun's executable
// and then re-signs it ad hoc; for cross-compiled darwin-x64 Bun 1.4.5 leaves Bun's original
// signature in place, which no longer matches (measured here; upstream reports: oven-sh/bun
// issues 32159, 39758 and the cross-compile case in deepcoldy/botmux#1287). The release build
// checks every darwin executable with this and re-signs the ones Bun left invalid.
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

// --- ad hoc signing -------------------------------------------------------------------------
// What Bun writes for darwin-arm64 (and what ld64's linker signature is): a SuperBlob with one
// slot, a CodeDirectory version 0x20400, flags CS_ADHOC | CS_LINKER_SIGNED, no special slots,
// SHA-256 of each 4 KiB page up to the signature, and the executable segment (__TEXT) marked as
// the main binary's. We write the same for a darwin executable Bun left with a stale signature.

const CS_SUPPORTSEXECSEG = 0x20400;
const CS_ADHOC = 0x2;
const CS_LINKER_SIGNED = 0x20000;
const CS_EXECSEG_MAIN_BINARY = 0x1;
const LC_SEGMENT_64 = 0x19;
const PAGE_SHIFT = 12;
const SHA256_BYTES = 32;
const CODE_DIRECTORY_HEADER_BYTES = 88;
const SUPERBLOB_HEADER_BYTES = 12 + 8;
const IDENTIFIER = 'freshet';
/** __LINKEDIT's vmsize stays a multiple of the largest page size macOS uses (16 KiB on arm64). */
const SEGMENT_ALIGN_BYTES = 16384;

export type SignResult = { ok: true; bytes: Uint8Array } | { ok: false; error: string };

/** The executable with its signature replaced by a fresh ad hoc one over everything before it. */
export function adhocSign(file: Uint8Array, sha256: Sha256): SignResult {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (file.length < 32 || view.getUint32(0, true) !== MH_MAGIC_64) return { ok: false, error: 'not a 64-bit Mach-O file' };
  const ncmds = view.getUint32(16, true);
  if (ncmds > LOAD_COMMANDS_MAX) return { ok: false, error: `${ncmds} load commands` };
  let signatureCommand = -1;
  let linkedit = -1;
  let text = -1;
  for (let i = 0, off = 32; i < ncmds; i++) {
    const cmd = view.getUint32(off, true);
    if (cmd === LC_CODE_SIGNATURE) signatureCommand = off;
    if (cmd === LC_SEGMENT_64) {
      const name = new TextDecoder().decode(file.subarray(off + 8, off + 24)).replace(/\0+$/, '');
      if (name === '__LINKEDIT') linkedit = off;
      if (name === '__TEXT') text = off;
    }
    off += view.getUint32(off + 4, true);
  }
  if (signatureCommand < 0 || linkedit < 0 || text < 0) return { ok: false, error: 'no LC_CODE_SIGNATURE, __LINKEDIT or __TEXT to sign in place' };
  const codeLimit = view.getUint32(signatureCommand + 8, true);
  const oldSize = view.getUint32(signatureCommand + 12, true);
  if (codeLimit + oldSize !== file.length || codeLimit % 16 !== 0) return { ok: false, error: 'the signature is not the 16-byte aligned end of the file' };
  const linkeditFileOff = Number(view.getBigUint64(linkedit + 40, true));

  const ident = new TextEncoder().encode(`${IDENTIFIER}\0`);
  const nCodeSlots = Math.ceil(codeLimit / 2 ** PAGE_SHIFT);
  const hashOffset = CODE_DIRECTORY_HEADER_BYTES + ident.length;
  const cdLength = hashOffset + nCodeSlots * SHA256_BYTES;
  const superLength = SUPERBLOB_HEADER_BYTES + cdLength;
  const out = new Uint8Array(codeLimit + superLength);
  out.set(file.subarray(0, codeLimit));
  const o = new DataView(out.buffer);
  // The load commands first: they are in page 0, which the signature hashes.
  o.setUint32(signatureCommand + 12, superLength, true);
  const linkeditFileSize = codeLimit + superLength - linkeditFileOff;
  o.setBigUint64(linkedit + 48, BigInt(linkeditFileSize), true); // filesize
  const vmsize = Number(o.getBigUint64(linkedit + 32, true));
  if (vmsize < linkeditFileSize) o.setBigUint64(linkedit + 32, BigInt(Math.ceil(linkeditFileSize / SEGMENT_ALIGN_BYTES) * SEGMENT_ALIGN_BYTES), true);

  const sb = codeLimit;
  o.setUint32(sb, CSMAGIC_EMBEDDED_SIGNATURE);
  o.setUint32(sb + 4, superLength);
  o.setUint32(sb + 8, 1);
  o.setUint32(sb + 12, CSSLOT_CODEDIRECTORY);
  o.setUint32(sb + 16, SUPERBLOB_HEADER_BYTES);
  const cd = sb + SUPERBLOB_HEADER_BYTES;
  o.setUint32(cd, CSMAGIC_CODEDIRECTORY);
  o.setUint32(cd + 4, cdLength);
  o.setUint32(cd + 8, CS_SUPPORTSEXECSEG);
  o.setUint32(cd + 12, CS_ADHOC | CS_LINKER_SIGNED);
  o.setUint32(cd + 16, hashOffset);
  o.setUint32(cd + 20, CODE_DIRECTORY_HEADER_BYTES); // identOffset
  o.setUint32(cd + 24, 0); // nSpecialSlots
  o.setUint32(cd + 28, nCodeSlots);
  o.setUint32(cd + 32, codeLimit);
  out[cd + 36] = SHA256_BYTES;
  out[cd + 37] = CS_HASHTYPE_SHA256;
  out[cd + 38] = 0; // platform
  out[cd + 39] = PAGE_SHIFT;
  // +40 spare2, +44 scatterOffset, +48 teamOffset, +52 spare3, +56 codeLimit64: all zero.
  o.setBigUint64(cd + 64, view.getBigUint64(text + 40, true)); // execSegBase: __TEXT's fileoff
  o.setBigUint64(cd + 72, view.getBigUint64(text + 48, true)); // execSegLimit: __TEXT's filesize
  o.setBigUint64(cd + 80, BigInt(CS_EXECSEG_MAIN_BINARY));
  out.set(ident, cd + CODE_DIRECTORY_HEADER_BYTES);
  const pageBytes = 2 ** PAGE_SHIFT;
  for (let k = 0; k < nCodeSlots; k++) {
    out.set(sha256(out.subarray(k * pageBytes, Math.min((k + 1) * pageBytes, codeLimit))).subarray(0, SHA256_BYTES), cd + hashOffset + k * SHA256_BYTES);
  }
  return { ok: true, bytes: out };
}
