// Maintenance mode and decommissioning: Redpanda's broker routes and JSON shapes
// (src/v/redpanda/admin/api-doc/broker.json: maintenance_status, decommission_status,
// partition_reconfiguration_status; admin/server.cc: start/stop_broker_maintenance_handler,
// decomission_broker_handler, get_decommission_progress_handler, recomission_broker_handler,
// get_local_maintenance). The changes go through the controller (AdminNode); the status is read
// from what this node knows: the metadata image and the partitions' published leaders and ISRs.

import type { AdminBroker, AdminNode, AdminPartition } from './admin-node.ts';
import { KAFKA_NAMESPACE } from './health.ts';
import type { Route, RouteRequest } from './routes.ts';
import { adminError, intParam, json } from './wire.ts';

/**
 * Redpanda's maintenance_status (drain_manager's drain_status): `partitions` the partitions the
 * broker holds a replica of, `eligible` those it still leads that could move (another in-sync
 * replica not in maintenance), `transferring` those while draining, `finished` once none is
 * left. Without maintenance Redpanda reports the flag alone (fill_maintenance_status): zeros.
 */
export function maintenanceStatus(b: AdminBroker, partitions: readonly AdminPartition[], inMaintenance: ReadonlySet<number>): Record<string, unknown> {
  if (!b.maintenance) return { draining: false, finished: false, errors: false, partitions: 0, eligible: 0, transferring: 0, failed: 0 };
  const held = partitions.filter((p) => p.replicas.includes(b.nodeId));
  const movable = (p: AdminPartition) => (p.isr ?? p.replicas).some((id) => id !== b.nodeId && !inMaintenance.has(id));
  const eligible = held.filter((p) => p.leaderId === b.nodeId && movable(p)).length;
  return { draining: true, finished: eligible === 0, errors: false, partitions: held.length, eligible, transferring: eligible, failed: 0 };
}

/** The broker named by the path's id, or the error Redpanda answers. */
function brokerId(req: RouteRequest): number | Response {
  const id = intParam(req.params.id);
  return id === null || id < 0 ? adminError(400, `Broker id must be an integer: ${req.params.id}`) : id;
}

/** A member change through the controller: 200 {} as Redpanda's json_void, or its refusal. */
function memberChange(change: (node: AdminNode, id: number) => Promise<{ ok: true } | { ok: false; status: number; message: string }>): Route['handle'] {
  return async (req, _env, node) => {
    const id = brokerId(req);
    if (id instanceof Response) return id;
    const r = await change(node, id);
    return r.ok ? json(200, {}) : adminError(r.status, r.message);
  };
}

/** Redpanda's decommission_status for GET /v1/brokers/{id}/decommission. */
function decommissionStatus(req: RouteRequest, node: AdminNode): Response {
  const id = brokerId(req);
  if (id instanceof Response) return id;
  const p = node.decommissionProgress(id);
  if (p.kind === 'unknown') return adminError(404, `Node ${id} does not exists`);
  if (p.kind === 'not_decommissioning') return adminError(400, `Node ${id} is not decommissioning`);
  return json(200, {
    finished: p.finished,
    replicas_left: p.replicasLeft,
    // Freshet refuses a decommission that cannot be placed, so none is ever left unallocated.
    allocation_failures: [],
    partitions: p.moves.map((m) => {
      const size = node.partition(m.topic, m.partition)?.log?.sizeBytes ?? 0;
      // Byte progress of a learner's catch-up is not tracked: the whole size is left to move, as
      // Redpanda reports before the first replica status arrives.
      return {
        ns: KAFKA_NAMESPACE,
        topic: m.topic,
        partition: m.partition,
        ...(m.movingTo < 0 ? {} : { moving_to: { node_id: m.movingTo, core: 0 } }),
        bytes_left_to_move: size,
        bytes_moved: 0,
        partition_size: size,
        reconfiguration_policy: 'full_local_retention',
      };
    }),
  });
}

export function inMaintenanceOf(brokers: readonly AdminBroker[]): Set<number> {
  return new Set(brokers.filter((b) => b.maintenance).map((b) => b.nodeId));
}

export const MEMBER_ROUTES: readonly Route[] = [
  { method: 'PUT', path: '/v1/brokers/:id/maintenance', handle: memberChange((node, id) => node.setMaintenance(id, true)) },
  { method: 'DELETE', path: '/v1/brokers/:id/maintenance', handle: memberChange((node, id) => node.setMaintenance(id, false)) },
  {
    // get_local_maintenance: this node's own drain status.
    method: 'GET',
    path: '/v1/maintenance',
    handle: (_req, _env, node) => {
      const brokers = node.brokers();
      const self = brokers.find((b) => b.nodeId === node.nodeId);
      const off = { draining: false, finished: false, errors: false, partitions: 0, eligible: 0, transferring: 0, failed: 0 };
      return json(200, self === undefined ? off : maintenanceStatus(self, node.partitions(), inMaintenanceOf(brokers)));
    },
  },
  { method: 'PUT', path: '/v1/brokers/:id/decommission', handle: memberChange((node, id) => node.decommission(id)) },
  { method: 'GET', path: '/v1/brokers/:id/decommission', handle: (req, _env, node) => decommissionStatus(req, node) },
  { method: 'PUT', path: '/v1/brokers/:id/recommission', handle: memberChange((node, id) => node.recommission(id)) },
];
