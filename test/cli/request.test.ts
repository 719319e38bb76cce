import { afterEach, describe, expect, it } from 'vitest';
import { amqp, type Bus, type BusOptions } from '@remit/core';
import { AMQP_URL, deleteTopology, unique, waitFor } from '../helpers/broker.js';
import { TestTopology } from '../helpers/buses.js';
import { remit } from './run-cli.js';

/** TestTopology plus private request and presence exchanges, so no other test hears these buses. */
class RequestTopology extends TestTopology {
  readonly requestExchange = unique('test.requests');
  readonly presenceExchange = unique('test.presence');

  /** A bus of a service name no other test uses; its request queue is deleted on cleanup. */
  serviceBus(prefix: string, options: Partial<BusOptions> = {}): Bus {
    const service = unique(prefix);
    this.track(`remit.requests.${service}`);
    return this.bus({
      service,
      transport: amqp({
        url: AMQP_URL,
        exchange: this.exchange,
        deadLetter: this.deadLetter,
        requestExchange: this.requestExchange,
        presenceExchange: this.presenceExchange,
      }),
      ...options,
    });
  }

  /** The CLI's flags for the same names. */
  flags(): string[] {
    return [
      '--exchange',
      this.exchange,
      '--dead-letter',
      this.deadLetter,
      '--request-exchange',
      this.requestExchange,
      '--presence-exchange',
      this.presenceExchange,
    ];
  }

  override async cleanup(): Promise<void> {
    await super.cleanup();
    await deleteTopology({ exchanges: [this.requestExchange, this.presenceExchange] });
  }
}

let topology: RequestTopology;
afterEach(async () => topology.cleanup());

describe('remit request', () => {
  it('prints the reply of the instance that serves the name, as JSON', async () => {
    topology = new RequestTopology();
    const pricing = topology.serviceBus('pricing');
    pricing.handle('price.quote', (request: { sku: string }, meta) => ({
      sku: request.sku,
      cents: 1250,
      tenant: meta.headers.tenant,
      at: new Date('2026-11-24T12:00:00.000Z'),
    }));
    await pricing.start();

    const result = await remit(['request', 'price.quote', '{"sku":"A-1"}', '-H', 'tenant=acme', ...topology.flags()]);

    expect(result).toMatchObject({ code: 0 });
    expect(JSON.parse(result.stdout)).toEqual({ sku: 'A-1', cents: 1250, tenant: 'acme', at: '2026-11-24T12:00:00.000Z' });
  });

  it('exits 4 with the remote error when the handler throws', async () => {
    topology = new RequestTopology();
    const pricing = topology.serviceBus('pricing');
    pricing.handle('price.quote', () => {
      throw Object.assign(new Error('unknown sku A-404'), { code: 'E_SKU' });
    });
    await pricing.start();

    const result = await remit(['request', 'price.quote', '{"sku":"A-404"}', ...topology.flags()]);

    expect(result.code).toBe(4);
    expect(result.stderr).toContain('unknown sku A-404');
    expect(result.stderr).toContain('(code E_SKU)');
    expect(result.stdout).toBe('');
  });

  it('exits 3 when nobody serves the name', async () => {
    topology = new RequestTopology();

    const result = await remit(['request', 'nobody.serves.this', '{}', '--timeout', '2000', ...topology.flags()]);

    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/reached no responder|got no reply within 2000 ms/);
  });

  it('rejects a payload that is not JSON with exit code 2', async () => {
    topology = new RequestTopology();

    const result = await remit(['request', 'price.quote', "{sku:'A'}", ...topology.flags()]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the JSON argument is not valid JSON');
  });
});

describe('remit instances', () => {
  it('lists every live instance with its version, but not itself', async () => {
    topology = new RequestTopology();
    const billing = topology.serviceBus('billing', { instanceId: 'billing-1', version: '1.4.2' });
    const mailer = topology.serviceBus('mailer');
    await Promise.all([billing.start(), mailer.start()]);

    const json = await remit(['instances', '--json', ...topology.flags()]);
    const table = await remit(['instances', ...topology.flags()]);
    const filtered = await remit(['instances', billing.service, '--json', ...topology.flags()]);

    expect(json.code).toBe(0);
    const records = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toHaveLength(2);
    expect(records).toContainEqual(
      expect.objectContaining({ service: billing.service, instance: 'billing-1', version: '1.4.2', heartbeatIntervalMs: 5000 }),
    );
    expect(records).toContainEqual(expect.objectContaining({ service: mailer.service, instance: mailer.instanceId, version: null }));
    expect(json.stderr).toContain('2 live instances');
    expect(table.stdout).toMatch(/^SERVICE +INSTANCE +VERSION +STARTED +LAST SEEN/);
    expect(table.stdout).toContain('billing-1');
    expect(table.stdout).not.toContain('remit-cli');
    expect(filtered.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { service: string }).service)).toEqual([billing.service]);
  });
});

describe('remit publish to destinations and with acks', () => {
  it('--to runs handlers only on the addressed service', async () => {
    topology = new RequestTopology();
    const billing = topology.serviceBus('billing');
    const mailer = topology.serviceBus('mailer');
    const heard: string[] = [];
    billing.on('cache.clear', () => void heard.push('billing'));
    mailer.on('cache.clear', () => void heard.push('mailer'));
    await Promise.all([billing.start(), mailer.start()]);

    const result = await remit(['publish', 'cache.clear', '{}', '--to', mailer.service, ...topology.flags()]);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`for ${mailer.service}`);
    await waitFor('the addressed service', () => heard.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(heard).toEqual(['mailer']);
  });

  it('--ack reports which instances ran their handlers and exits 1 when one failed', async () => {
    topology = new RequestTopology();
    const billing = topology.serviceBus('billing');
    const mailer = topology.serviceBus('mailer', { retry: { attempts: 1 } });
    billing.on('user.created', () => {});
    mailer.on('user.created', () => {
      throw new Error('SMTP server unavailable');
    });
    await Promise.all([billing.start(), mailer.start()]);

    const ok = await remit(['publish', 'user.created', '{}', '--ack', '--to', billing.service, ...topology.flags()]);
    const failed = await remit(['publish', 'user.created', '{}', '--ack', ...topology.flags()]);

    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('ran on 1 of 1 live instance');
    expect(ok.stdout).toContain(`acked    ${billing.service}/${billing.instanceId}`);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('ran on 1 of 2 live instances');
    expect(failed.stdout).toContain(`failed   ${mailer.service}/${mailer.instanceId}`);
  });
});
