// Serves the app's HTTP-triggered functions: matches the route table (route prefix from host.json),
// converts the request to the worker's RpcHttp shape, invokes, and writes the RpcHttp response back.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CoreRegistry, RegisteredFunction, RpcBinding } from "../coreShim";
import { extraInputsFor } from "../extraInputs";
import type { InvocationRequest, Invoker } from "../invoker";
import { type CompiledRoute, compileRoute } from "./routeTemplate";

interface HttpRoute {
  fn: RegisteredFunction;
  trigger: RpcBinding;
  route: CompiledRoute;
  methods: string[] | undefined;
}

export type ExtraInputProvider = (binding: RpcBinding) => unknown;

export class HttpFunctions {
  readonly #routes: HttpRoute[];
  readonly #invoker: Invoker;
  readonly #extraInput: ExtraInputProvider;

  constructor(registry: CoreRegistry, invoker: Invoker, routePrefix: string, extraInput: ExtraInputProvider) {
    this.#invoker = invoker;
    this.#extraInput = extraInput;
    this.#routes = [];
    for (const fn of registry.functions.values()) {
      const trigger = Object.values(fn.metadata.bindings).find((b) => b.type.toLowerCase() === "httptrigger");
      if (!trigger) continue;
      const route = typeof trigger.route === "string" ? trigger.route : fn.metadata.name;
      const methods = Array.isArray(trigger.methods)
        ? trigger.methods.map((m) => String(m).toUpperCase())
        : undefined;
      this.#routes.push({ fn, trigger, route: compileRoute(`${routePrefix}/${route}`), methods });
    }
    this.#routes.sort((a, b) => b.route.precedence - a.route.precedence);
  }

  /** "GET,POST /api/route" lines for the start banner. */
  describe(baseUrl: string): string[] {
    return this.#routes.map(
      (r) => `${r.fn.metadata.name}: [${(r.methods ?? ["ALL"]).join(",")}] ${baseUrl}/${r.route.template}`,
    );
  }

  /** Returns false when no function route matches the path (the caller answers 404). */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<boolean> {
    const method = (req.method ?? "GET").toUpperCase();
    let pathMatched = false;
    for (const route of this.#routes) {
      const params = route.route.match(url.pathname);
      if (!params) continue;
      pathMatched = true;
      if (route.methods && !route.methods.includes(method)) continue;
      await this.#invoke(route, req, res, url, body, params);
      return true;
    }
    if (!pathMatched) return false;
    res.writeHead(405).end();
    return true;
  }

  async #invoke(
    route: HttpRoute,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    body: Buffer,
    params: Record<string, string>,
  ): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(", ") : value;
    }
    const query: Record<string, string> = {};
    for (const [key, value] of url.searchParams) query[key] = value;
    const http = {
      method: req.method ?? "GET",
      url: url.href,
      headers,
      query,
      params,
      body: body.length > 0 ? { bytes: new Uint8Array(body) } : undefined,
    };
    const request: InvocationRequest = {
      inputData: [
        { name: String(route.trigger.name), data: { http } },
        ...extraInputsFor(route.fn, this.#extraInput),
      ],
      triggerMetadata: { Query: { json: JSON.stringify(query) }, Headers: { json: JSON.stringify(headers) } },
    };
    try {
      const response = await this.#invoker.invoke(route.fn, request);
      writeRpcHttp(res, response.returnValue);
    } catch {
      if (!res.headersSent) res.writeHead(500).end();
    }
  }
}

interface RpcHttpResponse {
  statusCode?: string;
  headers?: Record<string, string>;
  cookies?: RpcCookie[];
  body?: { bytes?: Uint8Array; string?: string };
}

interface RpcCookie {
  name: string;
  value: string;
  domain?: { value?: string };
  path?: { value?: string };
  secure?: { value?: boolean };
  httpOnly?: { value?: boolean };
  maxAge?: { value?: number };
  sameSite?: string;
}

function writeRpcHttp(res: ServerResponse, returnValue: unknown): void {
  const http = (returnValue as { http?: RpcHttpResponse } | undefined)?.http;
  if (!http) {
    res.writeHead(204).end();
    return;
  }
  const status = Number(http.statusCode ?? 200);
  const headers: Record<string, string | string[]> = { ...(http.headers ?? {}) };
  const cookies = (http.cookies ?? []).map(formatCookie);
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  const body = http.body?.bytes ? Buffer.from(http.body.bytes) : Buffer.from(http.body?.string ?? "");
  res.writeHead(status, headers).end(body);
}

function formatCookie(cookie: RpcCookie): string {
  const parts = [`${cookie.name}=${cookie.value}`];
  if (cookie.domain?.value) parts.push(`Domain=${cookie.domain.value}`);
  if (cookie.path?.value) parts.push(`Path=${cookie.path.value}`);
  if (cookie.maxAge?.value !== undefined) parts.push(`Max-Age=${cookie.maxAge.value}`);
  if (cookie.secure?.value) parts.push("Secure");
  if (cookie.httpOnly?.value) parts.push("HttpOnly");
  if (cookie.sameSite === "lax") parts.push("SameSite=Lax");
  if (cookie.sameSite === "strict") parts.push("SameSite=Strict");
  if (cookie.sameSite === "explicitNone") parts.push("SameSite=None");
  return parts.join("; ");
}
