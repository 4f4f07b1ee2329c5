// src/protocol is pure (see its README): no runtime imports, no clock, no randomness.

import { expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const PROTOCOL_DIR = join(import.meta.dir, '../../../src/protocol');
const FORBIDDEN_IMPORT = /from ['"](bun|node:[^'"]*|fs|path|net|os)['"]/;
const FORBIDDEN_CALL = /\bDate\.now\(|\bnew Date\(|Math\.random\(|performance\.now\(|\bprocess\./;

test('src/protocol has no runtime imports, clock or randomness', () => {
  const offenders: string[] = [];
  const files = readdirSync(PROTOCOL_DIR, { recursive: true }) as string[];
  for (const file of files.filter((f) => f.endsWith('.ts'))) {
    readFileSync(join(PROTOCOL_DIR, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const forbidden = FORBIDDEN_IMPORT.test(line) || FORBIDDEN_CALL.test(line);
        if (forbidden) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
      });
  }
  expect(offenders).toEqual([]);
});
