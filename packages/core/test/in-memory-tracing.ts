import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * An OpenTelemetry SDK registered globally, exporting finished spans to memory: what NodeSDK
 * sets up, minus the network. Make one per test (shutting a provider down shuts its exporter down
 * for good) and `uninstall()` it after.
 */
export function installInMemoryTracing() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(provider);
  // Without a context manager no span could be "active" inside a handler.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  return {
    exporter,
    provider,
    async uninstall(): Promise<void> {
      trace.disable();
      context.disable();
      await provider.shutdown();
    },
  };
}
