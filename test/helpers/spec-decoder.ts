// A decoder driven directly by Apache Kafka's JSON message specs
// (KAFKA_SPECS_DIR, test/helpers/requirements.ts: tests using it require KAFKA_SPECS), written apart from src/protocol so that it
// shares no code with the codecs under test: a golden cross-check for answers that no installed
// third-party client decodes (ApiVersions v3+ feature tags, for one). It reads every field the
// spec gives the version, tagged fields included (KIP-482), and fails on bytes left over.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KAFKA_SPECS_DIR } from './requirements.ts';

interface SpecField {
  name: string;
  type: string;
  versions: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  fields?: SpecField[];
}
interface SpecMessage {
  name: string;
  flexibleVersions: string;
  fields: SpecField[];
  commonStructs?: Array<{ name: string; fields: SpecField[] }>;
}

/** Reads `<name>.json`; the spec files carry `//` line comments. */
export function loadSpec(name: string): SpecMessage {
  const text = readFileSync(join(KAFKA_SPECS_DIR, `${name}.json`), 'utf8');
  return JSON.parse(text.split('\n').filter((l) => !/^\s*\/\//.test(l)).join('\n')) as SpecMessage;
}

function inVersions(range: string | undefined, v: number): boolean {
  if (range === undefined || range === 'none') return false;
  if (range.endsWith('+')) return v >= Number(range.slice(0, -1));
  const [lo, hi] = range.split('-').map(Number);
  return v >= lo && v <= (hi ?? lo);
}

class Cursor {
  pos = 0;
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number): void {
    if (this.pos + n > this.bytes.length) throw new Error(`spec decoder: ${n} bytes wanted at ${this.pos} of ${this.bytes.length}`);
  }
  int(size: 1 | 2 | 4, signed = true): number {
    this.need(size);
    const v = size === 1 ? (signed ? this.view.getInt8(this.pos) : this.view.getUint8(this.pos))
      : size === 2 ? (signed ? this.view.getInt16(this.pos) : this.view.getUint16(this.pos))
      : signed ? this.view.getInt32(this.pos) : this.view.getUint32(this.pos);
    this.pos += size;
    return v;
  }
  int64(): bigint {
    this.need(8);
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }
  uvarint(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.int(1, false);
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
    }
    throw new Error('spec decoder: varint too long');
  }
  take(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

export class SpecDecoder {
  private readonly structs = new Map<string, SpecField[]>();
  private readonly spec: SpecMessage;

  constructor(specName: string) {
    this.spec = loadSpec(specName);
    for (const c of this.spec.commonStructs ?? []) this.structs.set(c.name, c.fields);
  }

  /** Decodes a whole message body at `version`; throws if bytes are left over. */
  decode(body: Uint8Array, version: number): Record<string, unknown> {
    const c = new Cursor(body);
    const out = this.struct(c, this.spec.fields, version, inVersions(this.spec.flexibleVersions, version));
    if (c.pos !== body.length) throw new Error(`spec decoder: ${body.length - c.pos} bytes left over`);
    return out;
  }

  private struct(c: Cursor, fields: SpecField[], v: number, flexible: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const tagged = new Map<number, SpecField>();
    for (const f of fields) {
      if (!inVersions(f.versions, v)) continue;
      if (flexible && inVersions(f.taggedVersions, v)) tagged.set(f.tag!, f);
      else out[f.name] = this.value(c, f, v, flexible);
    }
    if (flexible) {
      const count = c.uvarint();
      for (let i = 0; i < count; i++) {
        const tag = c.uvarint();
        const size = c.uvarint();
        const f = tagged.get(tag);
        if (f === undefined) {
          c.take(size);
          continue;
        }
        const inner = new Cursor(c.take(size));
        out[f.name] = this.value(inner, f, v, flexible);
        if (inner.pos !== size) throw new Error(`spec decoder: tagged field ${f.name} left bytes over`);
      }
    }
    return out;
  }

  private value(c: Cursor, f: SpecField, v: number, flexible: boolean): unknown {
    const nullable = inVersions(f.nullableVersions, v);
    if (f.type.startsWith('[]')) {
      const n = flexible ? c.uvarint() - 1 : c.int(4);
      if (n < 0) {
        if (!nullable) throw new Error(`spec decoder: null array ${f.name}`);
        return null;
      }
      const element: SpecField = { ...f, type: f.type.slice(2), nullableVersions: undefined };
      return Array.from({ length: n }, () => this.value(c, element, v, flexible));
    }
    switch (f.type) {
      case 'bool':
        return c.int(1) !== 0;
      case 'int8':
        return c.int(1);
      case 'int16':
        return c.int(2);
      case 'uint16':
        return c.int(2, false);
      case 'int32':
        return c.int(4);
      case 'uint32':
        return c.int(4, false);
      case 'int64':
        return c.int64();
      case 'uuid':
        return c.take(16);
      case 'string':
      case 'bytes':
      case 'records': {
        const n = flexible ? c.uvarint() - 1 : f.type === 'string' ? c.int(2) : c.int(4);
        if (n < 0) {
          if (!nullable && f.type === 'string') throw new Error(`spec decoder: null string ${f.name}`);
          return null;
        }
        const raw = c.take(n);
        return f.type === 'string' ? new TextDecoder('utf-8', { fatal: true }).decode(raw) : raw;
      }
      default: {
        const fields = f.fields ?? this.structs.get(f.type);
        if (!fields) throw new Error(`spec decoder: unknown type ${f.type}`);
        return this.struct(c, fields, v, flexible);
      }
    }
  }
}
