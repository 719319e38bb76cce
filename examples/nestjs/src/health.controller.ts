import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { RemitHealthIndicator } from '@remit/nestjs';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly remit: RemitHealthIndicator,
  ) {}

  /** GET /health: 200 while connected to RabbitMQ, 503 otherwise. */
  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.remit.isHealthy()]);
  }
}
