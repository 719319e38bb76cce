import { type AsyncAPIDocumentInterface, type Diagnostic, DiagnosticSeverity, Parser } from '@asyncapi/parser';

export interface ParsedAsyncAPI {
  /** The parser's model of the document; undefined when it had errors. */
  document: AsyncAPIDocumentInterface | undefined;
  /** Error-level diagnostics only: warnings and hints are style advice, not invalidity. */
  errors: Diagnostic[];
}

/** Parses a document (object or JSON text) with @asyncapi/parser, as AsyncAPI tools would. */
export async function parseAsyncAPI(input: unknown): Promise<ParsedAsyncAPI> {
  const text = typeof input === 'string' ? input : JSON.stringify(input);
  const { document, diagnostics } = await new Parser().parse(text);
  return { document, errors: diagnostics.filter((diagnostic) => diagnostic.severity === DiagnosticSeverity.Error) };
}

/** What the parser's model lists: each channel's address, and per address its messages and operations. */
export function listed(document: AsyncAPIDocumentInterface): {
  addresses: string[];
  messages: string[];
  operations: { action: string; address: string | null | undefined; messages: (string | undefined)[] }[];
} {
  return {
    addresses: document.channels().all().map((channel) => channel.address() ?? ''),
    messages: document.messages().all().map((message) => message.name() ?? ''),
    operations: document.operations().all().map((operation) => ({
      action: operation.action(),
      address: operation.channels().all()[0]?.address(),
      messages: operation.messages().all().map((message) => message.name()),
    })),
  };
}
