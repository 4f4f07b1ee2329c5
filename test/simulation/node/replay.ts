// Replays one seed of the broker scenario and prints its transcript:
//   bun test/simulation/node/replay.ts --seed N [--log debug]
// The same seed gives the same transcript, step for step, so a failing seed from
// broker-sim.test.ts can be studied here (add log lines, rerun, compare).

import { log, logLevelOf } from '../../../src/base/log.ts';
import { runBrokerScenario } from './broker-scenario.ts';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};
const seed = Number(flag('--seed'));
if (!Number.isSafeInteger(seed)) {
  process.stderr.write('usage: bun test/simulation/node/replay.ts --seed N [--log debug|info|warn|error]\n');
  process.exit(2);
}
log.setLevel(logLevelOf(flag('--log') ?? 'warn'));
const r = await runBrokerScenario(seed);
process.stdout.write(`seed ${seed}\n${r.transcript.join('\n')}\n`);
