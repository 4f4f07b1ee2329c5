// Reading the small JSON documents of a data directory: meta.json (the cluster id),
// cluster/topics.json (the topic table), cluster/producer-ids.json (the producer-id block).
// They are replaced atomically, so a crash does not tear them; what breaks them is a disk
// fault or a hand edit. Then the node must not start on a guess: the error names the file,
// what is wrong with it, what it holds, and what the operator can do.

import * as fs from 'node:fs';

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

/** Reads and checks `file`; throws MetadataFileError naming it and the remedy. */
export function readMetadataFile<T>(file: string, spec: MetadataFileSpec<T>): T {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
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
