import type { JsonSchema } from './asyncapi-schema.js';

/** A JSON Reference inside the document (`#/channels/user.created`). */
export interface AsyncAPIReference {
  $ref: string;
}

/** A broker the document's events travel through. */
export interface AsyncAPIServer {
  /** Host name and port, never a user or password. */
  host: string;
  protocol: 'amqp' | 'amqps';
  protocolVersion: '0.9.1';
  /** The virtual host, as the URL's path (`/` is the default vhost). */
  pathname?: string;
}

/** The AMQP binding of an event's channel: the event exchange, routed by the event name. */
export interface AsyncAPIAmqpChannelBinding {
  is: 'routingKey';
  exchange: { name: string; type: 'fanout' | 'topic'; durable: true; autoDelete: false };
  bindingVersion: '0.3.0';
}

/** One event as a message: its AMQP headers, body schema and AMQP `type` property. */
export interface AsyncAPIMessage {
  /** The event name. */
  name: string;
  title: string;
  summary?: string;
  description: string;
  contentType: 'application/json';
  headers: AsyncAPIReference;
  payload: JsonSchema;
  bindings: { amqp: { messageType: string; bindingVersion: '0.3.0' } };
}

/** One event's channel: address = the event name = the routing key. */
export interface AsyncAPIChannel {
  address: string;
  title: string;
  description: string;
  messages: Record<string, AsyncAPIMessage>;
  bindings: { amqp: AsyncAPIAmqpChannelBinding };
}

/** Publishing (`send`) or handling (`receive`) one event. */
export interface AsyncAPIOperation {
  action: 'send' | 'receive';
  channel: AsyncAPIReference;
  title: string;
  description: string;
  messages: AsyncAPIReference[];
  bindings: {
    amqp:
      | { deliveryMode: 2; timestamp: true; bindingVersion: '0.3.0' }
      | { ack: true; bindingVersion: '0.3.0' };
  };
}

/** The AsyncAPI 3.0.0 document `toAsyncAPI` returns: plain data, ready for `JSON.stringify`. */
export interface AsyncAPIDocument {
  asyncapi: '3.0.0';
  info: { title: string; version: string; description: string };
  servers?: Record<string, AsyncAPIServer>;
  defaultContentType: 'application/json';
  /** One channel per event, in the order of the schemas record. */
  channels: Record<string, AsyncAPIChannel>;
  /** `<channel key>.send` and `<channel key>.receive` for every event. */
  operations: Record<string, AsyncAPIOperation>;
  components: {
    /** Each event's payload JSON Schema under its channel key, and the remit headers. */
    schemas: Record<string, JsonSchema>;
  };
}
