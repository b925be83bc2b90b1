// The per-request context handed to the proxy's operation handlers.
import type { Agent, IncomingMessage, ServerResponse } from "node:http";
import type { StatsRegistry } from "../stats";
import type { BlobAddress, OperationKind } from "./classify";

/** Azurite's internal blob endpoint, reachable only by the proxy. */
export interface Upstream {
  host: string;
  port: number;
  agent: Agent;
}

export interface ProxyContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  kind: OperationKind;
  address: BlobAddress;
  /** Request path without query: the key for stats and fault path prefixes. */
  path: string;
  stats: StatsRegistry;
  upstream: Upstream;
}
