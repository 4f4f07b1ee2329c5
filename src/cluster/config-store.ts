// Dynamic configuration outside topics: broker configs set with AlterConfigs (per node id, and
// the cluster default under the empty name) and per-group configs (KIP-848). Stored as Kafka
// stores them, strings by name, in one file beside topics.json, replaced atomically on every
// change (temp file, fsync, rename, fsync of the directory). The controller's metadata log takes
// this over when clustering lands (DESIGN.md section 5).

import * as path from 'node:path';
import type { StorageFs } from '../base/fs.ts';
import { writeFileAtomic } from '../storage/atomic-file.ts';

/** Groups with stored overrides; another is refused (the file is rewritten whole on a change). */
export const GROUP_CONFIG_ENTRIES_MAX = 100_000;

type Overrides = Record<string, string>;

interface ConfigDoc {
  /** Broker resource name ("" for the cluster default, else a node id) to its overrides. */
  broker: Record<string, Overrides>;
  group: Record<string, Overrides>;
}

export class ConfigStore {
  private doc: ConfigDoc = { broker: {}, group: {} };

  private constructor(
    private readonly fs: StorageFs,
    private readonly file: string,
  ) {}

  static load(fs: StorageFs, dir: string): ConfigStore {
    fs.mkdirp(dir);
    const s = new ConfigStore(fs, path.join(dir, 'configs.json'));
    const bytes = fs.readFile(s.file);
    if (bytes !== null) {
      const doc = JSON.parse(new TextDecoder().decode(bytes)) as Partial<ConfigDoc>;
      s.doc = { broker: doc.broker ?? {}, group: doc.group ?? {} };
    }
    return s;
  }

  broker(name: string): Readonly<Overrides> {
    return this.doc.broker[name] ?? {};
  }

  group(groupId: string): Readonly<Overrides> {
    return this.doc.group[groupId] ?? {};
  }

  get groupCount(): number {
    return Object.keys(this.doc.group).length;
  }

  /** Throws if the file cannot be written; memory then still holds the old configs. */
  setBroker(name: string, configs: Overrides): void {
    this.replace('broker', name, configs);
  }

  setGroup(groupId: string, configs: Overrides): void {
    this.replace('group', groupId, configs);
  }

  private replace(section: keyof ConfigDoc, key: string, configs: Overrides): void {
    const next: ConfigDoc = { broker: { ...this.doc.broker }, group: { ...this.doc.group } };
    if (Object.keys(configs).length === 0) delete next[section][key];
    else next[section][key] = { ...configs };
    writeFileAtomic(this.fs, this.file, JSON.stringify(next));
    this.doc = next;
  }
}
