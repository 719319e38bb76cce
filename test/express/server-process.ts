import { fileURLToPath } from 'node:url';
import { ChildInstance } from '../helpers/processes.js';

const SERVER = fileURLToPath(new URL('./fixtures/express-server.mjs', import.meta.url));

/** An Express server in its own process (fixtures/express-server.mjs) and its base URL. */
export class ServerProcess {
  readonly child: ChildInstance;
  url = '';
  port = 0;

  constructor(config: Record<string, unknown>) {
    this.child = new ChildInstance(config, SERVER);
  }

  async ready(): Promise<this> {
    await this.child.ready();
    const { port } = await this.child.next('ready');
    this.port = Number(port);
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }

  get instanceId(): string {
    return this.child.instanceId;
  }

  async get<T>(path: string): Promise<T> {
    const response = await fetch(this.url + path);
    if (!response.ok) throw new Error(`GET ${path} answered ${response.status}`);
    return (await response.json()) as T;
  }

  async post(path: string, body: unknown = {}): Promise<number> {
    const response = await fetch(this.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return response.status;
  }

  stop(): Promise<number | null> {
    return this.child.stop();
  }
}

export interface Heard {
  name: string;
  payload: Record<string, unknown>;
  from: string;
  id: string | null;
}
