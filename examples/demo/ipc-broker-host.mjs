// Parent side of the embedded broker: serves the ipcTransport() of one forked child.
// For each transport the child creates, this makes a real `memory(broker).create(context)`
// transport on the shared broker and forwards calls to it, and its deliveries and status back.
// The broker's semantics (broadcast, competing group consumers, prefetch, requeue) are therefore
// exactly those of memory(); this file only moves them across the process boundary.

import { memory } from '@remit/core';
import { fromIpcMessage, toIpcMessage } from './ipc-transport.mjs';

function errorForIpc(error) {
  return { name: error?.name ?? 'Error', message: error?.message ?? String(error) };
}

/** Serves `child`'s IPC transports from `broker`; returns a function that closes them. */
export function hostIpcBroker(broker, child) {
  const factory = memory(broker);
  /** tid → { transport, cancels: consumer id → cancel fn, deliveries: delivery id → Delivery } */
  const transports = new Map();
  let nextDelivery = 0;

  const send = (message) => {
    // The child may have exited meanwhile; its transports are closed on 'exit' below.
    if (child.connected) child.send(message, () => {});
  };

  const ops = {
    start: (side, tid) =>
      side.transport.start({
        onStatus: (status, cause) => send({ remit: 'status', tid, status, ...(cause ? { cause: errorForIpc(cause) } : {}) }),
        onError: (error) => send({ remit: 'error', tid, error: errorForIpc(error) }),
        onReturn: (message, target) => send({ remit: 'return', tid, message: toIpcMessage(message), target }),
        onReply: (message) => send({ remit: 'request-reply', tid, message: toIpcMessage(message) }),
      }),
    publish: (side, tid, { message, target, timeoutMs }) =>
      side.transport.publish({ message: fromIpcMessage(message), target, timeoutMs }),
    consume: async (side, tid, { consumer, spec, prefetch }) => {
      const cancel = await side.transport.consume(spec, prefetch, (delivery) => {
        // The Delivery stays here; the child settles it later by this id.
        const id = ++nextDelivery;
        side.deliveries.set(id, delivery);
        send({
          remit: 'delivery',
          tid,
          consumer,
          delivery: id,
          queue: delivery.queue,
          redelivered: delivery.redelivered,
          message: toIpcMessage(delivery.message),
        });
      });
      side.cancels.set(consumer, cancel);
    },
    bind: (side, tid, { queue, routingKey }) => side.transport.bind(queue, routingKey),
    cancel: async (side, tid, { consumer }) => {
      const cancel = side.cancels.get(consumer);
      side.cancels.delete(consumer);
      await cancel?.();
    },
    close: async (side, tid) => {
      transports.delete(tid);
      // Requeues every delivery the child has not settled, as a closed AMQP channel would.
      await side.transport.close();
    },
  };

  const onMessage = async (message) => {
    const side = transports.get(message?.tid);
    switch (message?.remit) {
      case 'create':
        transports.set(message.tid, { transport: factory.create(message.context), cancels: new Map(), deliveries: new Map() });
        return;
      case 'send':
        side?.transport.send(fromIpcMessage(message.message), message.target);
        return;
      case 'settle': {
        const delivery = side?.deliveries.get(message.delivery);
        side?.deliveries.delete(message.delivery);
        if (message.outcome === 'ack') delivery?.ack();
        else delivery?.requeue();
        return;
      }
      case 'call': {
        const reply = { remit: 'reply', tid: message.tid, call: message.call };
        try {
          if (!side) throw Object.assign(new Error('Unknown or closed IPC transport.'), { name: 'ClosedError' });
          const value = await ops[message.op](side, message.tid, message.args);
          send({ ...reply, ok: true, value });
        } catch (error) {
          send({ ...reply, ok: false, error: errorForIpc(error) });
        }
      }
    }
  };

  const closeAll = async () => {
    child.off('message', onMessage);
    const sides = [...transports.values()];
    transports.clear();
    await Promise.allSettled(sides.map((side) => side.transport.close()));
  };

  child.on('message', onMessage);
  // A child that dies without closing its bus is a dropped connection: its unsettled deliveries
  // go back to their queues and its exclusive broadcast queue disappears.
  child.once('exit', () => void closeAll());
  return closeAll;
}
