import { randomUUID } from 'node:crypto';
import { RabbitNode } from './rabbit-node.js';

/**
 * A RabbitMQ cluster owned by one test file: `size` test-owned nodes (their own ports, data and
 * cookie, shared among them only), the first one the seed the others join. Nothing is shared with
 * the machine's broker, which has another cookie.
 */
export class RabbitCluster {
  readonly nodes: readonly RabbitNode[];

  private constructor(nodes: RabbitNode[]) {
    this.nodes = nodes;
  }

  /** Starts the nodes in parallel, then joins each to the first one. */
  static async start(label: string, size = 3): Promise<RabbitCluster> {
    const cookie = `REMITCLUSTER${randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase()}`;
    const started = await Promise.allSettled(Array.from({ length: size }, (_, index) => RabbitNode.start(`${label}${index}`, { cookie })));
    const nodes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const cluster = new RabbitCluster(nodes);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) {
      await cluster.destroy();
      throw failed.reason;
    }
    const [seed, ...others] = nodes;
    if (!seed) throw new Error('A cluster needs at least one node.');
    for (const node of others) {
      await node.ctl('stop_app');
      await node.ctl('join_cluster', seed.name);
      await node.ctl('start_app');
    }
    return cluster;
  }

  node(index: number): RabbitNode {
    const node = this.nodes[index];
    if (!node) throw new Error(`The cluster has no node ${index}.`);
    return node;
  }

  /** Every node's URL, in node order: what `amqp({ url })` is given. */
  urls(): string[] {
    return this.nodes.map((node) => node.url());
  }

  /** The node whose AMQP port is `port`, or undefined. */
  byPort(port: number): RabbitNode | undefined {
    return this.nodes.find((node) => node.port === port);
  }

  /** Names of the nodes that are running and clustered, as one of them sees it. */
  async runningNodes(askIndex = 0): Promise<string[]> {
    const status = JSON.parse(await this.node(askIndex).ctl('cluster_status', '--formatter', 'json')) as { running_nodes?: string[] };
    return status.running_nodes ?? [];
  }

  /**
   * The AMQP port (hence the node) each client connection is on, by connection name, as the
   * cluster lists it: `[name, port][]`.
   */
  async connections(askIndex = 0): Promise<{ name: string; port: number }[]> {
    const out = await this.node(askIndex).ctl('list_connections', 'port', 'client_properties', '--formatter', 'json');
    const rows = JSON.parse(out) as { port: number; client_properties: unknown[] }[];
    return rows.map((row) => ({ name: connectionName(row.client_properties), port: row.port }));
  }

  /** Quorum queue members and leader, as `rabbitmqctl list_queues` reports them. */
  async queues(askIndex = 0): Promise<{ name: string; type: string; leader: string; members: string[]; messages: number }[]> {
    const out = await this.node(askIndex).ctl('list_queues', 'name', 'type', 'leader', 'members', 'messages', '--formatter', 'json');
    return (JSON.parse(out) as { name: string; type: string; leader: string; members: string[] | string; messages: number }[]).map((row) => ({
      name: row.name,
      type: row.type,
      leader: row.leader,
      members: Array.isArray(row.members) ? row.members : [],
      messages: row.messages,
    }));
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.destroy()));
  }
}

/** `connection_name` from a client-properties table as rabbitmqctl's JSON formatter prints it. */
function connectionName(properties: unknown[]): string {
  for (const entry of properties) {
    if (Array.isArray(entry) && entry[0] === 'connection_name') return String(entry[2] ?? '');
  }
  return '';
}
