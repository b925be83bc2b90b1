// Ports for servers a test starts in a child process. A port taken from the kernel's ephemeral range and
// closed again can be handed out at once to any process binding port 0 (the child's own internal
// servers among them), so the child then finds its port in use: these ports lie below that range.
import { createServer } from "node:net";

/** Below Linux's default ephemeral range (32768-60999), above the well-known and registered crowd. */
const LOW = 20_000;
const HIGH = 32_000;
const handedOut = new Set<number>();

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A port on 127.0.0.1 free now, outside the ephemeral range, never handed out before by this process. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port)) continue;
    if (await bindable(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port between ${LOW} and ${HIGH} after 200 tries`);
}
