// The server assignors a ConsumerGroupHeartbeat may name (group.consumer.assignors in Kafka,
// whose default list is the same: uniform first, the default, then range).

import { rangeAssignor } from './range.ts';
import type { ConsumerGroupAssignor } from './types.ts';
import { uniformAssignor } from './uniform.ts';

export const ASSIGNORS: ReadonlyMap<string, ConsumerGroupAssignor> = new Map([uniformAssignor, rangeAssignor].map((a) => [a.name, a]));
export const DEFAULT_ASSIGNOR = uniformAssignor.name;

export type { AssignorMember, AssignorTopics, ConsumerGroupAssignor } from './types.ts';
