// The host's single HTTP front door on 127.0.0.1: durable webhooks and client API, the admin endpoint
// for non-HTTP functions, then the app's HTTP functions; 404 when nothing matches.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type RouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: Buffer,
) => Promise<boolean>;

const MAX_BODY_BYTES = 100 * 1024 * 1024;

export interface FrontDoor {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export async function startFrontDoor(port: number, handlers: RouteHandler[], log: (line: string) => void) {
  const server = createServer((req, res) => {
    void serve(req, res, handlers).catch((error) => {
      log(`HTTP ${req.method} ${req.url} failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) res.writeHead(500).end();
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  } satisfies FrontDoor;
}

async function serve(req: IncomingMessage, res: ServerResponse, handlers: RouteHandler[]): Promise<void> {
  const body = await readBody(req);
  if (body === undefined) {
    res.writeHead(413).end();
    return;
  }
  const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
  for (const handler of handlers) {
    if (await handler(req, res, url, body)) return;
  }
  res.writeHead(404).end();
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
