import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/broker.js';
import { CliTopology } from './cli-topology.js';
import { remit } from './run-cli.js';

let topology: CliTopology;
afterEach(async () => topology.cleanup());

describe('remit request', () => {
  it('prints the reply of the instance that serves the name, as JSON', async () => {
    topology = new CliTopology();
    const pricing = topology.serviceBus('pricing');
    // An untyped bus: requests arrive as `unknown`.
    pricing.handle('price.quote', (request, meta) => ({
      sku: (request as { sku: string }).sku,
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
    topology = new CliTopology();
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
    topology = new CliTopology();

    const result = await remit(['request', 'nobody.serves.this', '{}', '--timeout', '2000', ...topology.flags()]);

    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/reached no responder|got no reply within 2000 ms/);
  });

  it('rejects a payload that is not JSON with exit code 2', async () => {
    topology = new CliTopology();

    const result = await remit(['request', 'price.quote', "{sku:'A'}", ...topology.flags()]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the JSON argument is not valid JSON');
  });
});

describe('remit instances', () => {
  it('lists every live instance with its version, but not itself', async () => {
    topology = new CliTopology();
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
    topology = new CliTopology();
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
    topology = new CliTopology();
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
