// Tests that need something outside the repository (a reference tool, reference data, a native
// addon) say so here. Where it is missing the test is reported as skipped, with the reason on
// stderr, so a developer's run is honest about what it did not check. Under CI=true (set by
// .ci/run) a missing requirement fails the test instead: CI installs everything, so something
// missing there is a broken CI set-up, and a silent skip would hide it.
//
//   const lz4 = requirement(spawnSync('lz4', ['--version']).status === 0, 'the lz4 command (apt-get install lz4)');
//   testRequiring(lz4, 'agrees with liblz4', () => { ... });

import { test } from 'bun:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface Requirement {
  readonly met: boolean;
  /** What is missing and how to get it, e.g. "the lz4 command (apt-get install lz4)". */
  readonly what: string;
}

export function requirement(met: boolean, what: string): Requirement {
  return { met, what };
}

/** Met when every one of `reqs` is; names the ones missing. */
export function allOf(...reqs: Requirement[]): Requirement {
  const missing = reqs.filter((r) => !r.met);
  return { met: missing.length === 0, what: (missing.length > 0 ? missing : reqs).map((r) => r.what).join(' and ') };
}

/** True when running under CI (.ci/run exports CI=true), where nothing may be skipped. */
export function underCi(): boolean {
  return process.env.CI === 'true';
}

const reported = new Set<string>();

/**
 * Declares a test that runs only when `req` is met: otherwise skipped visibly (the name says why
 * and the reason is printed once), or, under CI, a failing test naming what is missing.
 */
export function testRequiring(req: Requirement, name: string, fn: () => unknown, timeoutMs?: number): void {
  if (req.met) {
    test(name, fn as () => void, timeoutMs);
    return;
  }
  if (underCi()) {
    test(name, () => {
      throw new Error(`requirement missing under CI: ${req.what}`);
    });
    return;
  }
  if (!reported.has(req.what)) {
    reported.add(req.what);
    process.stderr.write(`[skip] missing ${req.what}: dependent tests are skipped (they fail under CI=true)\n`);
  }
  test.skip(`${name} [skipped: missing ${req.what}]`, fn as () => void);
}

/**
 * The folder holding Apache Kafka's protocol specs (`message/*.json`): $FRESHET_KAFKA_PROTOCOL_DIR,
 * else ../shared/kafka-protocol beside the repository. Reference data, never copied in.
 */
export function kafkaProtocolDir(): string {
  return process.env.FRESHET_KAFKA_PROTOCOL_DIR ?? join(import.meta.dir, '..', '..', '..', 'shared', 'kafka-protocol');
}

/**
 * For a whole file or describe block: true when `req` is met. Otherwise false, and under CI a
 * failing test naming what is missing is registered in the calling file; elsewhere the reason is
 * printed. Use as `describe.skipIf(!available(REQ))(...)`.
 */
export function available(req: Requirement): boolean {
  if (req.met) return true;
  if (underCi()) {
    test(`requirement: ${req.what}`, () => {
      throw new Error(`requirement missing under CI: ${req.what}`);
    });
  } else if (!reported.has(req.what)) {
    reported.add(req.what);
    process.stderr.write(`[skip] missing ${req.what}: dependent tests are skipped (they fail under CI=true)\n`);
  }
  return false;
}

/** Apache Kafka's message specs (`<kafkaProtocolDir>/message/*.json`), for the cross-checks. */
export const KAFKA_SPECS_DIR = join(kafkaProtocolDir(), 'message');
export const KAFKA_SPECS = requirement(existsSync(KAFKA_SPECS_DIR), `Kafka's message specs in ${KAFKA_SPECS_DIR} (set FRESHET_KAFKA_PROTOCOL_DIR)`);
