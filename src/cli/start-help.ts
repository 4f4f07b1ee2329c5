// `freshet start --help`, generated from the tables the configuration is read with: the start
// flags (src/config/node-config.ts), their FRESHET_* variables and YAML keys, and every broker
// property with its default (src/config/properties.ts). Nothing is listed by hand, so the help
// cannot miss a setting or show a stale default.

import { flagHelp, HELP_FLAG } from '../base/flags.ts';
import { FILE_KEYS } from '../config/config-file.ts';
import { envName, START_FLAGS } from '../config/node-config.ts';
import { BROKER_PROPERTIES, formatProperty } from '../config/properties.ts';

export function startHelp(): string {
  const envs = Object.keys(START_FLAGS)
    .filter((k) => k !== 'set')
    .map((k) => envName(k));
  return [
    'usage: freshet start [options]',
    '',
    'Runs a node: the Kafka API, the schema registry (its state in the _schemas topic), the HTTP',
    "proxy and the admin API (Redpanda's paths), data on local disk. Logs go to stderr; SIGTERM or SIGINT stops",
    "it cleanly (in-flight requests are answered, logs flushed, 'stopped' logged, exit 0).",
    'With --seeds the node is part of a cluster: the seeds form the controller quorum once a',
    'majority of them is up, and any other node given the same seeds joins it as a learner.',
    '',
    'options:',
    flagHelp({ ...START_FLAGS, ...HELP_FLAG }),
    'Where settings come from, the first that sets one wins:',
    '  1. flags;',
    `  2. environment variables, one per flag: ${envs.join(', ')}`,
    '     (there is none for --set);',
    '  3. the YAML file of --config (or FRESHET_CONFIG), whose keys are the flag names:',
    `     ${FILE_KEYS.join(', ')};`,
    '  4. the defaults shown.',
    'Broker properties: the file\'s set: map, then --set flags. Booleans are true or false only.',
    '',
    'Example file:',
    '  data-dir: /var/lib/freshet',
    '  kafka-addr: 0.0.0.0:9092',
    '  advertise-kafka-addr: broker1.example.com:9092',
    '  set:',
    '    log.retention.ms: 86400000',
    '',
    'Broker properties (--set NAME=VALUE, or NAME: VALUE under set:), with their defaults:',
    propertyHelp(),
  ].join('\n');
}

function propertyHelp(): string {
  const rows = [...BROKER_PROPERTIES]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((d) => [`${d.name}=${formatProperty(d, d.default)}`, d.doc] as const);
  const width = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, r]) => `  ${l.padEnd(width)}  ${r}`).join('\n') + '\n';
}
