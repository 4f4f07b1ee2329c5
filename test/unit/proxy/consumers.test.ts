// ConsumerManager on simulated time with a fake member: the rules of kafka-rest's
// v2/KafkaConsumerManager (a taken (group, name) is 40902; a use restarts the idle time; the
// expiration pass removes and closes instances idle past consumer.instance.timeout.ms) and our
// cap on instances. And the /consumers routes through proxyFetch: 40403 for an unknown
// instance, 40601 for an Accept of another format (Errors.java), 40903 for topics with a pattern.

import { describe, expect, test } from 'bun:test';
import { SimScheduler } from '../../../src/base/scheduler.ts';
import { proxyFetch } from '../../../src/proxy/app.ts';
import { AUTO_COMMIT_INTERVAL_MS, ConsumerManager, type ProxyMember, serially } from '../../../src/proxy/consumers.ts';
import type { ProxyClient } from '../../../src/proxy/routes.ts';

function fakeMember(closed: string[], groupId: string): ProxyMember {
  const member = {
    subscribe: async () => null,
    unsubscribe: async () => null,
    subscribedTopics: () => [],
    assign: () => null,
    assignment: () => [],
    poll: async () => ({ records: [], errors: [], error: null }),
    commit: async () => ({ error: null, partitions: [] }),
    committed: async () => ({ error: null, offsets: [] }),
    seek: () => null,
    seekTo: async () => [],
    close: async () => {
      closed.push(groupId);
      return null;
    },
  };
  return member as unknown as ProxyMember;
}

function setup(options: { instanceTimeoutMs?: number; instancesMax?: number } = {}) {
  const scheduler = new SimScheduler();
  const closed: string[] = [];
  const manager = new ConsumerManager({ clock: scheduler.clock, scheduler, newMember: (o) => fakeMember(closed, o.groupId) }, options);
  return { scheduler, closed, manager };
}

describe('ConsumerManager', () => {
  test('a (group, name) is taken once; the same name in another group is another instance', () => {
    const { manager } = setup();
    expect(manager.create('g', 'c', 'binary', {}, { requestTimeoutMs: 1000 }).ok).toBe(true);
    const again = manager.create('g', 'c', 'json', {}, { requestTimeoutMs: 1000 });
    expect(again.ok ? null : again.problem.code).toBe(40902);
    expect(manager.create('h', 'c', 'binary', {}, { requestTimeoutMs: 1000 }).ok).toBe(true);
  });

  test('auto-commit: before a read once the interval (auto.commit.interval.ms, 5 s) has passed, and when the instance goes; never without it', async () => {
    const { scheduler, manager } = setup();
    const commits: string[] = [];
    for (const [name, auto] of [['auto', true], ['manual', false]] as const) {
      const created = manager.create('g', name, 'binary', {}, { requestTimeoutMs: 1000, autoCommit: auto });
      if (!created.ok) throw new Error('not created');
      (created.instance.member as { commit: unknown }).commit = async () => {
        commits.push(name);
        return { error: null, partitions: [] };
      };
    }
    const auto = manager.get('g', 'auto')!;
    const manual = manager.get('g', 'manual')!;
    await manager.autoCommitIfDue(auto);
    expect(commits).toEqual([]);
    scheduler.advance(AUTO_COMMIT_INTERVAL_MS);
    await manager.autoCommitIfDue(auto);
    await manager.autoCommitIfDue(manual);
    await manager.autoCommitIfDue(auto); // the interval restarted at the last commit
    expect(commits).toEqual(['auto']);
    await manager.delete('g', 'auto');
    await manager.delete('g', 'manual');
    expect(commits).toEqual(['auto', 'auto']);
  });

  test('an instance idle past the timeout is removed and closed; one used meanwhile stays', () => {
    const { scheduler, closed, manager } = setup({ instanceTimeoutMs: 10_000 });
    manager.create('idle', 'a', 'binary', {}, { requestTimeoutMs: 1000 });
    manager.create('used', 'b', 'binary', {}, { requestTimeoutMs: 1000 });
    scheduler.advance(6_000);
    expect(manager.get('used', 'b')).not.toBeNull();
    scheduler.advance(6_000); // idle: 12 s, used: 6 s
    expect(manager.get('idle', 'a')).toBeNull();
    expect(manager.get('used', 'b')).not.toBeNull();
    expect(closed).toEqual(['idle']);
  });

  test('the cap refuses one more instance; a deleted one frees its place and is closed', async () => {
    const { closed, manager } = setup({ instancesMax: 2 });
    manager.create('g', 'a', 'binary', {}, { requestTimeoutMs: 1000 });
    manager.create('g', 'b', 'binary', {}, { requestTimeoutMs: 1000 });
    const third = manager.create('g', 'c', 'binary', {}, { requestTimeoutMs: 1000 });
    expect(third.ok ? null : third.problem.status).toBe(429);
    expect(await manager.delete('g', 'a')).toBe(true);
    expect(await manager.delete('g', 'a')).toBe(false);
    expect(closed).toEqual(['g']);
    expect(manager.create('g', 'c', 'binary', {}, { requestTimeoutMs: 1000 }).ok).toBe(true);
  });

  test('requests on one instance run one at a time, in order (KafkaConsumerState is synchronized), and restart its idle time when done', async () => {
    const { scheduler, manager } = setup({ instanceTimeoutMs: 10_000 });
    const created = manager.create('g', 'c', 'binary', {}, { requestTimeoutMs: 1000 });
    if (!created.ok) throw new Error('not created');
    const i = created.instance;
    const events: string[] = [];
    let release: () => void = () => {};
    const first = serially(manager, i, async () => {
      events.push('poll start');
      await new Promise<void>((r) => (release = r));
      events.push('poll end');
    });
    const second = serially(manager, i, async () => {
      events.push('commit');
    });
    await Bun.sleep(0);
    expect(events).toEqual(['poll start']);
    scheduler.clock.advance(9_000); // a long request: not idle meanwhile once it ends
    release();
    await Promise.all([first, second]);
    await i.tail;
    expect(events).toEqual(['poll start', 'poll end', 'commit']);
    scheduler.advance(5_000);
    expect(manager.size).toBe(1);
  });

  test('close() closes every instance', async () => {
    const { closed, manager } = setup();
    manager.create('g1', 'a', 'binary', {}, { requestTimeoutMs: 1000 });
    manager.create('g2', 'b', 'json', {}, { requestTimeoutMs: 1000 });
    await manager.close();
    expect(closed.sort()).toEqual(['g1', 'g2']);
    expect(manager.size).toBe(0);
  });
});

describe('/consumers routes', () => {
  const client = {} as ProxyClient; // the consumer routes never reach it: the member does
  const call = async (handler: (r: Request) => Promise<Response>, method: string, path: string, body?: unknown, accept?: string) => {
    const headers: Record<string, string> = { host: 'proxy.example:8082' };
    if (body !== undefined) headers['content-type'] = 'application/vnd.kafka.v2+json';
    if (accept !== undefined) headers.accept = accept;
    const r = await handler(new Request(`http://proxy.example:8082${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }));
    return { status: r.status, body: (r.status === 204 ? null : await r.json()) as any };
  };

  test('create answers base_uri from the Host; unknown instance 40403; Accept mismatch 40601; topics with a pattern 40903', async () => {
    const { manager } = setup();
    const handler = proxyFetch(client, { consumers: manager });
    const created = await call(handler, 'POST', '/consumers/g', { name: 'c', format: 'json' });
    expect(created).toEqual({ status: 200, body: { instance_id: 'c', base_uri: 'http://proxy.example:8082/consumers/g/instances/c' } });
    expect((await call(handler, 'GET', '/consumers/g/instances/nobody/records')).body.error_code).toBe(40403);
    const mismatch = await call(handler, 'GET', '/consumers/g/instances/c/records', undefined, 'application/vnd.kafka.binary.v2+json');
    expect([mismatch.status, mismatch.body.error_code]).toEqual([406, 40601]);
    const ok = await call(handler, 'GET', '/consumers/g/instances/c/records', undefined, 'application/vnd.kafka.json.v2+json');
    expect(ok).toEqual({ status: 200, body: [] });
    const both = await call(handler, 'POST', '/consumers/g/instances/c/subscription', { topics: ['t'], topic_pattern: 't.*' });
    expect([both.status, both.body.error_code]).toEqual([409, 40903]);
    expect((await call(handler, 'POST', '/consumers/g', { format: 'avro' })).status).toBe(422);
    expect((await call(handler, 'DELETE', '/consumers/g/instances/c')).status).toBe(204);
    expect((await call(handler, 'DELETE', '/consumers/g/instances/c')).body.error_code).toBe(40403);
  });
});
