/** Everything the example reads from the environment, with its defaults. */
export const settings = {
  amqpUrl: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  /** The first instance listens here, the second on the next port. */
  port: Number(process.env.PORT ?? 3001),
  /** Change these two to run a second copy of the example beside this one. */
  service: process.env.REMIT_SERVICE ?? 'orders-example',
  exchange: process.env.REMIT_EXCHANGE ?? 'remit.example.nestjs',
};

/** The URL with its password hidden, for printing. */
export function safeUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
