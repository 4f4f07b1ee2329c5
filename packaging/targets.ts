// The release targets: Bun's compile targets, the names our archives use, and the prebuilt
// @node-rs/crc32 package each one embeds. One table, so the build, the archive names, the
// formula and the tests cannot disagree.

export type ReleaseOs = 'linux' | 'darwin';
export type ReleaseArch = 'x64' | 'arm64';

export type ReleaseTarget = {
  /** `bun build --compile --target` (https://bun.sh/docs/bundler/executables#cross-compile-to-other-platforms). */
  readonly bunTarget: 'bun-linux-x64' | 'bun-linux-arm64' | 'bun-darwin-x64' | 'bun-darwin-arm64';
  readonly os: ReleaseOs;
  readonly arch: ReleaseArch;
  /**
   * The napi-rs platform package of @node-rs/crc32 for this target (its package.json
   * optionalDependencies). Bun's linux targets link glibc, hence -gnu, not -musl.
   */
  readonly crc32Package: string;
  /** The addon file inside that package. */
  readonly crc32File: string;
};

export const RELEASE_TARGETS: readonly ReleaseTarget[] = [
  { bunTarget: 'bun-linux-x64', os: 'linux', arch: 'x64', crc32Package: '@node-rs/crc32-linux-x64-gnu', crc32File: 'crc32.linux-x64-gnu.node' },
  { bunTarget: 'bun-linux-arm64', os: 'linux', arch: 'arm64', crc32Package: '@node-rs/crc32-linux-arm64-gnu', crc32File: 'crc32.linux-arm64-gnu.node' },
  { bunTarget: 'bun-darwin-x64', os: 'darwin', arch: 'x64', crc32Package: '@node-rs/crc32-darwin-x64', crc32File: 'crc32.darwin-x64.node' },
  { bunTarget: 'bun-darwin-arm64', os: 'darwin', arch: 'arm64', crc32Package: '@node-rs/crc32-darwin-arm64', crc32File: 'crc32.darwin-arm64.node' },
];

/** `freshet-<version>-<os>-<arch>`: the archive's top folder, and its name without .tar.gz. */
export function releaseName(version: string, target: Pick<ReleaseTarget, 'os' | 'arch'>): string {
  return `freshet-${version}-${target.os}-${target.arch}`;
}
