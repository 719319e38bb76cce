// Child side of the embedded broker: a remit Transport whose every call goes over the fork IPC
// channel to the parent process, which owns one MemoryBroker for all children
// (see ipc-broker-host.mjs). The bus in the child cannot tell it from amqp() or memory().
//
// Protocol: every message carries `remit: <kind>` and `tid` (the transport's id), so it never
// mixes with the demo's own IPC messages ('ready', 'publish', 'stop', …) or with another transport.
//   child → parent  { remit: 'create', tid, context }
//                   { remit: 'call', tid, call, op, args }    op: start | publish | consume | cancel | bind | close
//                   { remit: 'send', tid, message, target }       Transport.send (requests, replies, presence)
//                   { remit: 'settle', tid, delivery, outcome }                   outcome: ack | requeue
//   parent → child  { remit: 'reply', tid, call, ok, value?, error? }
//                   { remit: 'status', tid, status, cause? }                  TransportHooks.onStatus
//                   { remit: 'error', tid, error }                            TransportHooks.onError
//                   { remit: 'return', tid, message, target }                 TransportHooks.onReturn
//                   { remit: 'request-reply', tid, message }                  TransportHooks.onReply
//                   { remit: 'delivery', tid, consumer, delivery, queue, redelivered, message }

import { randomUUID } from 'node:crypto';

// IPC messages are JSON, so a WireMessage's Buffer body travels as base64.
export function toIpcMessage(message) {
  return { ...message, body: message.body.toString('base64') };
}

export function fromIpcMessage(message) {
  return { ...message, body: Buffer.from(message.body, 'base64') };
}

// Errors cross as { name, message }; rebuilt here so ClosedError & co. keep their name.
function toError({ name, message }) {
  return Object.assign(new Error(message), { name });
}

class IpcTransport {
  #port;
  #tid = randomUUID();
  #hooks = null;
  #closed = false;
  #nextCall = 0;
  /** call id → { resolve, reject }, for requests waiting for the parent's reply. */
  #calls = new Map();
  #nextConsumer = 0;
  /** consumer id → the bus's onDelivery. */
  #consumers = new Map();
  /** Publishes sent and not yet confirmed by the parent; pending() and flush() read this. */
  #unconfirmed = new Set();
  #onMessage = (message) => this.#receive(message);
  #onDisconnect = () => this.#lost();

  constructor(port, context) {
    this.#port = port;
    port.on('message', this.#onMessage);
    port.on('disconnect', this.#onDisconnect);
    // IPC keeps message order, so the parent has created its side before any call arrives.
    this.#send({ remit: 'create', context });
  }

  async start(hooks) {
    this.#hooks = hooks;
    await this.#call('start');
  }

  publish({ message, target, timeoutMs }) {
    const sent = this.#call('publish', { message: toIpcMessage(message), target, timeoutMs });
    this.#unconfirmed.add(sent);
    const forget = () => this.#unconfirmed.delete(sent);
    sent.then(forget, forget);
    return sent;
  }

  async consume(spec, prefetch, onDelivery) {
    const consumer = ++this.#nextConsumer;
    this.#consumers.set(consumer, onDelivery);
    try {
      await this.#call('consume', { consumer, spec, prefetch });
    } catch (error) {
      this.#consumers.delete(consumer);
      throw error;
    }
    return async () => {
      if (!this.#consumers.delete(consumer) || this.#closed) return;
      await this.#call('cancel', { consumer });
    };
  }

  send(message, target) {
    // Unconfirmed, like the broker transports: false when it cannot be sent now.
    if (this.#closed || !this.#hooks || !this.#port.connected) return false;
    this.#send({ remit: 'send', message: toIpcMessage(message), target });
    return true;
  }

  async bind(queue, routingKey) {
    await this.#call('bind', { queue, routingKey });
  }

  pending() {
    return this.#unconfirmed.size;
  }

  async flush(signal) {
    if (signal.aborted) return;
    const aborted = new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    await Promise.race([Promise.allSettled([...this.#unconfirmed]), aborted]);
  }

  async close() {
    if (this.#closed) return;
    try {
      // The parent closes its memory transport, which requeues what we have not settled.
      await this.#call('close');
    } finally {
      this.#closed = true;
      this.#detach();
    }
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────

  #send(message) {
    // With a callback, a send on a closed channel reports the error here instead of throwing;
    // the 'disconnect' handler deals with that case.
    if (this.#port.connected) this.#port.send({ ...message, tid: this.#tid }, () => {});
  }

  #call(op, args = {}) {
    if (this.#closed) return Promise.reject(toError({ name: 'ClosedError', message: 'The IPC transport is closed.' }));
    if (!this.#port.connected) return Promise.reject(toError({ name: 'ConnectionError', message: 'The IPC channel to the broker is closed.' }));
    const call = ++this.#nextCall;
    return new Promise((resolve, reject) => {
      this.#calls.set(call, { resolve, reject });
      this.#send({ remit: 'call', call, op, args });
    });
  }

  #receive(message) {
    if (message?.tid !== this.#tid) return;
    switch (message.remit) {
      case 'reply': {
        const pending = this.#calls.get(message.call);
        this.#calls.delete(message.call);
        if (message.ok) pending?.resolve(message.value);
        else pending?.reject(toError(message.error));
        break;
      }
      case 'status':
        this.#hooks?.onStatus(message.status, message.cause ? toError(message.cause) : undefined);
        break;
      case 'error':
        this.#hooks?.onError(toError(message.error));
        break;
      case 'return':
        this.#hooks?.onReturn(fromIpcMessage(message.message), message.target);
        break;
      case 'request-reply':
        this.#hooks?.onReply(fromIpcMessage(message.message));
        break;
      case 'delivery': {
        const settle = (outcome) => this.#send({ remit: 'settle', delivery: message.delivery, outcome });
        const onDelivery = this.#consumers.get(message.consumer);
        // Cancelled while this delivery was on its way: give it back, as a broker would.
        if (!onDelivery) return settle('requeue');
        onDelivery({
          message: fromIpcMessage(message.message),
          queue: message.queue,
          redelivered: message.redelivered,
          ack: () => settle('ack'),
          requeue: () => settle('requeue'),
        });
        break;
      }
    }
  }

  /** The parent went away: the broker is gone, like a dropped connection that never comes back. */
  #lost() {
    const error = toError({ name: 'ConnectionError', message: 'Lost the IPC channel to the embedded broker.' });
    for (const { reject } of this.#calls.values()) reject(error);
    this.#calls.clear();
    this.#detach();
    if (!this.#closed) this.#hooks?.onStatus('disconnected', error);
  }

  #detach() {
    // Removing our listeners lets the child's IPC channel unref, so the process can exit.
    this.#port.off('message', this.#onMessage);
    this.#port.off('disconnect', this.#onDisconnect);
  }
}

/**
 * A TransportFactory for a forked child: `createBus({ transport: ipcTransport() })`.
 * The parent must run `hostIpcBroker(broker, child)` for this child.
 */
export function ipcTransport(port = process) {
  if (typeof port.send !== 'function') throw new Error('ipcTransport() needs an IPC channel: start this process with child_process.fork().');
  return { kind: 'ipc-memory', create: (context) => new IpcTransport(port, context) };
}
