import { Controller, Get, Inject, Res } from '@nestjs/common';
import { RemitMetrics } from './remit-metrics.service.js';

/** What the controller needs of the platform's response: Express and Fastify both have `header()`. */
interface HeaderSetter {
  header(name: string, value: string): unknown;
}

/**
 * Serves `GET <path>` (`/metrics` by default) for Prometheus. Mounted by `RemitMetricsModule`;
 * extend it to add guards, and pass the subclass as the module's `controller`.
 */
@Controller()
export class RemitMetricsController {
  readonly #metrics: RemitMetrics;

  constructor(@Inject(RemitMetrics) metrics: RemitMetrics) {
    this.#metrics = metrics;
  }

  @Get()
  async index(@Res({ passthrough: true }) response: HeaderSetter): Promise<string> {
    const { contentType, body } = await this.#metrics.scrape();
    response.header('Content-Type', contentType);
    response.header('Cache-Control', 'no-store');
    return body;
  }
}
