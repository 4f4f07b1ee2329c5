// Reading the small JSON documents of a data directory: meta.json (the cluster id),
// cluster/topics.json (the topic table), cluster/producer-ids.json (the producer-id block).
// They are replaced atomically, so a crash does not tear them; what breaks them is a disk
// fault or a hand edit. Then the node must not start on a guess: the error names the file,
// what is wrong with it, what it holds, and what the operator can do.

import type { StorageFs } from '../base/fs.ts';

export class MetadataFileError extends Error {
  override name = 'MetadataFileError';
}

/** What is wrong with a document, in a sentence. */
export class Problem {
  constructor(readonly problem: string) {}
}

export interface MetadataFileSpec<T> {
  /** What the file holds, e.g. "the cluster id of this node". */
  readonly holds: string;
  /** What the operator can do, e.g. "Restore it from a backup, or ...". */
  readonly remedy: string;
  /** The document, or a Problem saying what is wrong with it. */
  check(doc: unknown): T | Problem;
}

const decoder = new TextDecoder();

/** Reads and checks `file`, null when it does not exist; throws MetadataFileError naming it and the remedy. */
export function readMetadataFile<T>(fs: StorageFs, file: string, spec: MetadataFileSpec<T>): T | null {
  const bytes = fs.readFile(file);
  if (bytes === null) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(decoder.decode(bytes));
  } catch (e) {
    if (e instanceof SyntaxError) throw corrupt(file, spec, `not valid JSON (${e.message})`);
    throw e;
  }
  const checked = spec.check(doc);
  if (checked instanceof Problem) throw corrupt(file, spec, checked.problem);
  return checked;
}

function corrupt(file: string, spec: MetadataFileSpec<unknown>, problem: string): MetadataFileError {
  return new MetadataFileError(`data directory metadata file ${file} is corrupt: ${problem}. It holds ${spec.holds}. ${spec.remedy}`);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
