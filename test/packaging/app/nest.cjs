// A CommonJS NestJS application of a team that installed the packed tarballs: decorators applied
// as a TypeScript build emits them, @remit/nestjs and @remit/testing from their CommonJS builds.
// Prints one JSON line.
require('reflect-metadata');
const { dirname } = require('node:path');
const { Inject, Injectable, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { amqp } = require('@remit/core');
const { EventBus, OnRemoteEvent, RemitModule } = require('@remit/nestjs');
const { testHarness } = require('@remit/testing');

const { url, exchange, service } = JSON.parse(process.env.SCRATCH_CONFIG);

class Orders {
  constructor(bus) {
    this.bus = bus;
    this.reserved = [];
  }
  async reserve(order) {
    this.reserved.push(order.id);
    await this.bus.publish('stock.reserved', { order: order.id });
  }
}
Inject(EventBus)(Orders, undefined, 0);
Injectable()(Orders);
OnRemoteEvent('order.placed', { group: true })(Orders.prototype, 'reserve', Object.getOwnPropertyDescriptor(Orders.prototype, 'reserve'));

class AppModule {}
Module({ imports: [RemitModule.forRoot({ service, transport: amqp({ url, exchange }) })], providers: [Orders] })(AppModule);

async function main() {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  await app.init();
  const bus = app.get(EventBus);
  const session = await testHarness([bus]).publishAndWait(bus, 'order.placed', { id: 'o-1' });
  const result = {
    reserved: app.get(Orders).reserved,
    published: session.published.map((event) => event.name),
    // One @nestjs/core: the one @remit/nestjs resolves is the application's own.
    oneNestCore: require.resolve('@nestjs/core', { paths: [dirname(require.resolve('@remit/nestjs'))] }) === require.resolve('@nestjs/core'),
    resolved: require.resolve('@remit/nestjs').replace(/^.*node_modules\//, ''),
  };
  await app.close();
  console.log(JSON.stringify(result));
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
