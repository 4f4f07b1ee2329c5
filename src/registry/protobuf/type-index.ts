// Every message and enum a schema can name, by full name, with the file it comes from: what
// Confluent's diff/Context.collectTypeInfo gathers from the schema and its dependencies
// (references and the well-known imports), and how its Context.resolveFull turns a type name as
// written into a full name (protobuf's scoping: innermost enclosing scope first, then outward,
// then the name as is; a leading dot means already full).

import type { ProtoFileElement, TypeElement } from './ast.ts';

/** Where a type comes from: the reference that brought its file, null for a well-known file,
 *  LOCAL for the schema's own file (Confluent uses a dummy reference ("", "", -1) for it). */
export type TypeOrigin = { readonly subject: string; readonly version: number } | null;
export const LOCAL: TypeOrigin = { subject: '', version: -1 };

export interface TypeInfo {
  readonly fullName: string;
  readonly packageName: string;
  readonly origin: TypeOrigin;
  readonly type: TypeElement;
}

/** Most types one index holds (the schema and all its dependencies). */
export const INDEXED_TYPES_MAX = 100_000;

export class TypeIndex {
  private readonly types = new Map<string, TypeInfo>();
  /** Set when INDEXED_TYPES_MAX was reached; the caller reports it. */
  overflow = false;

  add(file: ProtoFileElement, origin: TypeOrigin): void {
    const pkg = file.packageName ?? '';
    const walk = (types: readonly TypeElement[], prefix: string): void => {
      for (const t of types) {
        const full = prefix === '' ? t.name : `${prefix}.${t.name}`;
        if (this.types.size >= INDEXED_TYPES_MAX) {
          this.overflow = true;
          return;
        }
        this.types.set(full, { fullName: full, packageName: pkg, origin, type: t });
        if (t.kind === 'message') walk(t.nestedTypes, full);
      }
    };
    walk(file.types, pkg);
  }

  get(fullName: string): TypeInfo | undefined {
    return this.types.get(fullName.startsWith('.') ? fullName.slice(1) : fullName);
  }

  get size(): number {
    return this.types.size;
  }

  /** Context.resolveFull: the full name `name` denotes inside package `pkg` and the enclosing
   *  message names `scope`, or undefined. */
  resolve(name: string, pkg: string, scope: readonly string[]): string | undefined {
    if (this.types.size === 0) return undefined;
    if (name.startsWith('.')) return this.types.has(name.slice(1)) ? name.slice(1) : undefined;
    const prefix = [...(pkg === '' ? [] : pkg.split('.')), ...scope];
    while (prefix.length > 0) {
      const candidate = `${prefix.join('.')}.${name}`;
      if (this.types.has(candidate)) return candidate;
      prefix.pop();
    }
    return this.types.has(name) ? name : undefined;
  }
}
