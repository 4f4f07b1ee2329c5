// packaging/formula.ts: what it refuses to write (anything that could break out of a Ruby string
// or is not a SHA-256), and that only the targets given get a block. The generated formula as a
// whole is checked by ruby in test/integration/release.test.ts.

import { expect, test } from 'bun:test';
import { type FormulaInput, renderFormula } from '../../../packaging/formula.ts';
import { formatSha256Sums } from '../../../packaging/checksums.ts';

const SHA = 'a'.repeat(64);
const input: FormulaInput = {
  version: '1.2.3',
  desc: 'A broker',
  homepage: 'https://example.com/freshet',
  license: 'Apache-2.0',
  archives: [{ os: 'linux', arch: 'x64', url: 'https://example.com/freshet-1.2.3-linux-x64.tar.gz', sha256: SHA }],
};

test('only the OS and CPU blocks of the archives given are written', () => {
  const formula = renderFormula(input);
  if (!formula.ok) throw new Error(formula.error);
  expect(formula.text).toContain('  on_linux do\n    on_intel do\n      url "https://example.com/freshet-1.2.3-linux-x64.tar.gz"\n');
  expect(formula.text).not.toContain('on_macos');
  expect(formula.text).not.toContain('on_arm');
});

test('strings that could end or interpolate a Ruby string, plain-http URLs and bad digests are refused', () => {
  expect(renderFormula({ ...input, desc: 'say "hi"' }).ok).toBe(false);
  expect(renderFormula({ ...input, desc: 'a #{system("x")}' }).ok).toBe(false);
  expect(renderFormula({ ...input, version: '1.0\\' }).ok).toBe(false);
  expect(renderFormula({ ...input, archives: [{ ...input.archives[0], url: 'http://example.com/a.tar.gz' }] }).ok).toBe(false);
  expect(renderFormula({ ...input, archives: [{ ...input.archives[0], sha256: SHA.toUpperCase() }] }).ok).toBe(false);
});

test('SHA256SUMS lines are what sha256sum prints: digest, two spaces, name', () => {
  expect(formatSha256Sums([{ name: 'a.tar.gz', sha256: SHA }, { name: 'b.tar.gz', sha256: 'b'.repeat(64) }])).toEqual({ ok: true, text: `${SHA}  a.tar.gz\n${'b'.repeat(64)}  b.tar.gz\n` });
  expect(formatSha256Sums([{ name: 'a\nb', sha256: SHA }]).ok).toBe(false);
});
