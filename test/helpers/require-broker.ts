import amqplib from 'amqplib';
import { AMQP_URL, maskedUrl } from './broker.js';

/**
 * Runs once before the broker suite. A missing broker fails the run loudly; it never turns
 * into skipped tests.
 */
export default async function requireBroker(): Promise<void> {
  try {
    const connection = await amqplib.connect(AMQP_URL, { timeout: 5000 });
    await connection.close();
  } catch (error) {
    throw new Error(
      `RabbitMQ is not reachable at ${maskedUrl()} (${error instanceof Error ? error.message : String(error)}). ` +
        'Start it (rabbitmq-server -detached) or set AMQP_URL. The broker tests do not run without it.',
    );
  }
}
