// The one flag parser: strict booleans, short and long forms, and help generated from the same
// table the parser reads (so every flag a command takes is in its help).

import { describe, expect, test } from 'bun:test';
import { type FlagTable, flagHelp, parseFlags, UsageError } from '../../../src/base/flags.ts';
import { COMMON_FLAGS, commonOptions } from '../../../src/cli/args.ts';
import { groupHelp, subcommandHelp } from '../../../src/cli/output.ts';
import { statusCommand } from '../../../src/cli/status.ts';

const TABLE: FlagTable = {
  partitions: { kind: 'string', short: 'p', value: 'N', help: 'partitions', defaultText: '1' },
  config: { kind: 'repeat', short: 'c', value: 'k=v', help: 'a config' },
  'dry-run': { kind: 'boolean', help: 'do nothing' },
};

describe('parseFlags', () => {
  test('long, inline, short, repeated and positional forms', () => {
    const p = parseFlags(['x', '-p', '3', '--config=a=1', '-c', 'b=2', '--dry-run', '--', '--not-a-flag'], TABLE);
    expect(p.positionals).toEqual(['x', '--not-a-flag']);
    expect(p.strings.get('partitions')).toBe('3');
    expect(p.repeats.get('config')).toEqual(['a=1', 'b=2']);
    expect(p.booleans.get('dry-run')).toBe(true);
  });

  test('booleans take true or false and nothing else', () => {
    expect(parseFlags(['--dry-run=false'], TABLE).booleans.get('dry-run')).toBe(false);
    expect(parseFlags(['--dry-run=true'], TABLE).booleans.get('dry-run')).toBe(true);
    for (const bad of ['--dry-run=maybe', '--dry-run=TRUE', '--dry-run=0', '--dry-run=']) {
      expect(() => parseFlags([bad], TABLE)).toThrow(UsageError);
    }
  });

  test('unknown flags and missing values are usage errors', () => {
    expect(() => parseFlags(['--nope'], TABLE)).toThrow(/unknown flag --nope/);
    expect(() => parseFlags(['-z'], TABLE)).toThrow(/unknown flag -z/);
    expect(() => parseFlags(['--partitions'], TABLE)).toThrow(/needs a value/);
    expect(() => parseFlags(['--constructor'], TABLE)).toThrow(/unknown flag/);
  });
});

describe('help from the flag tables', () => {
  test('every flag of a table is in its help, with its default', () => {
    const help = flagHelp(TABLE);
    expect(help).toContain('-p, --partitions N');
    expect(help).toContain('(default 1)');
    expect(help).toContain('--dry-run');
  });

  test('a subcommand help lists its own and the common flags; a group help lists its commands', () => {
    const help = subcommandHelp('freshet status', statusCommand);
    expect(help).toStartWith('usage: freshet status');
    for (const name of Object.keys(COMMON_FLAGS)) expect(help).toContain(`--${name}`);
    const group = groupHelp('freshet x', { status: statusCommand });
    expect(group).toContain('status [--brokers HOST:PORT]');
  });
});

describe('default brokers', () => {
  test('--brokers, else FRESHET_BROKERS, else the node listener of FRESHET_KAFKA_ADDR, else 127.0.0.1:9092', () => {
    const none = parseFlags([], COMMON_FLAGS);
    expect(commonOptions(none, {}).brokers).toEqual(['127.0.0.1:9092']);
    expect(commonOptions(none, { FRESHET_KAFKA_ADDR: '0.0.0.0:19092' }).brokers).toEqual(['127.0.0.1:19092']);
    expect(commonOptions(none, { FRESHET_KAFKA_ADDR: '[::]:19092' }).brokers).toEqual(['127.0.0.1:19092']);
    expect(commonOptions(none, { FRESHET_KAFKA_ADDR: '10.0.0.5:9093' }).brokers).toEqual(['10.0.0.5:9093']);
    expect(commonOptions(none, { FRESHET_BROKERS: 'a:1,b:2', FRESHET_KAFKA_ADDR: '0.0.0.0:9' }).brokers).toEqual(['a:1', 'b:2']);
    expect(commonOptions(parseFlags(['--brokers', 'c:3'], COMMON_FLAGS), { FRESHET_BROKERS: 'a:1' }).brokers).toEqual(['c:3']);
  });
});
