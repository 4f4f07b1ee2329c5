// Every message and enum a schema can name, by full name, with the file it comes from: what
// Confluent's diff/Context.collectTypeInfo gathers from the schema and its dependencies
// (references and the well-known imports), and how its Context.resolveFull turns a type name as
// written into a full name (protobuf's scoping: innermost enclosing scope first, then outward,
// then the name as is; a leading dot means already full).

import type { ExtendElement, FieldElement, ProtoFileElement, TypeElement } from './ast.ts';

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

/** A field declared in an `extend` block (a custom option, when it extends *Options). */
export interface ExtendFieldInfo {
  readonly fullName: string;
  readonly packageName: string;
  readonly field: FieldElement;
}

export class TypeIndex {
  private readonly types = new Map<string, TypeInfo>();
  private readonly extendFields = new Map<string, ExtendFieldInfo>();
  /** Set when INDEXED_TYPES_MAX was reached; the caller reports it. */
  overflow = false;

  add(file: ProtoFileElement, origin: TypeOrigin): void {
    const pkg = file.packageName ?? '';
    const join = (prefix: string, name: string): string => (prefix === '' ? name : `${prefix}.${name}`);
    // Context.collectExtendInfo: an extension field is named like a type declared where it is.
    const extend = (es: readonly ExtendElement[], prefix: string): void => {
      for (const e of es) for (const f of e.fields) this.extendFields.set(join(prefix, f.name), { fullName: join(prefix, f.name), packageName: pkg, field: f });
    };
    const walk = (types: readonly TypeElement[], prefix: string): void => {
      for (const t of types) {
        const full = join(prefix, t.name);
        if (this.types.size + this.extendFields.size >= INDEXED_TYPES_MAX) {
          this.overflow = true;
          return;
        }
        this.types.set(full, { fullName: full, packageName: pkg, origin, type: t });
        if (t.kind === 'message') {
          extend(t.extendDeclarations, full);
          walk(t.nestedTypes, full);
        }
      }
    };
    extend(file.extendDeclarations, pkg);
    walk(file.types, pkg);
  }

  get(fullName: string): TypeInfo | undefined {
    return this.types.get(fullName.startsWith('.') ? fullName.slice(1) : fullName);
  }

  get size(): number {
    return this.types.size;
  }

  getExtendField(fullName: string): ExtendFieldInfo | undefined {
    return this.extendFields.get(fullName.startsWith('.') ? fullName.slice(1) : fullName);
  }

  /** Context.resolveFull: the full name `name` denotes inside package `pkg` and the enclosing
   *  message names `scope`, or undefined. */
  resolve(name: string, pkg: string, scope: readonly string[]): string | undefined {
    return resolveIn(this.types, name, pkg, scope);
  }

  /** The same lookup among extension fields (a custom option's name). */
  resolveExtendField(name: string, pkg: string, scope: readonly string[]): string | undefined {
    return resolveIn(this.extendFields, name, pkg, scope);
  }
}

function resolveIn(table: ReadonlyMap<string, unknown>, name: string, pkg: string, scope: readonly string[]): string | undefined {
  if (table.size === 0) return undefined;
  if (name.startsWith('.')) return table.has(name.slice(1)) ? name.slice(1) : undefined;
  const prefix = [...(pkg === '' ? [] : pkg.split('.')), ...scope];
  while (prefix.length > 0) {
    const candidate = `${prefix.join('.')}.${name}`;
    if (table.has(candidate)) return candidate;
    prefix.pop();
  }
  return table.has(name) ? name : undefined;
}
