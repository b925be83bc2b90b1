// Access to Resource Manager's compute API (managed disks and snapshots) with the real
// @azure/arm-compute client: only the configured endpoint (ARM_ENDPOINT), only the configured
// subscriptions, the endpoint's own CA when one is configured (the local stand-in), and a token only
// for a real endpoint. The SDK's own retries are off: a 429 becomes a coded failure the procedure waits
// out with a durable timer (an activity must not sleep minutes), transient failures are retried here.

import { ComputeManagementClient } from "@azure/arm-compute";
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { DefaultAzureCredential } from "@azure/identity";
import { ARM_THROTTLED } from "../app/codes";
import { CodedError } from "../app/result";
import { messageOf } from "../storage/errors";
import { armStatusOf, isArmTransient, retryAfterMsOf } from "./errors";

export { PUBLIC_ARM_ENDPOINT } from "./resourceIds";

/** A loopback endpoint is the local stand-in: no Entra token can be meant for it. */
export function isLoopbackEndpoint(endpoint: string): boolean {
  const host = new URL(endpoint).hostname;
  return /^127\.\d+\.\d+\.\d+$/.test(host) || host === "localhost" || host === "[::1]";
}

/** What a loopback endpoint gets instead of a token: a placeholder that authorizes nothing anywhere. */
const placeholderCredential: TokenCredential = {
  getToken: async (): Promise<AccessToken> => ({
    token: "local-stand-in",
    expiresOnTimestamp: Date.now() + 3600_000,
  }),
};

export interface ComputeAccessOptions {
  /** Resource Manager endpoint (ARM_ENDPOINT). */
  endpoint: string;
  /** PEM of the CA to trust for this endpoint only (replaces the system CAs for this client). */
  caCertPem?: string | undefined;
  /** Subscriptions the settings name: no client (and no token) for any other. */
  subscriptions: readonly string[];
  azureClientId?: string | undefined;
  /** Override of the credential (tests); default: a placeholder on loopback, else DefaultAzureCredential. */
  credential?: TokenCredential;
  /** Delay between polls of a long-running operation when the service gives no Retry-After. */
  pollIntervalMs?: number;
  /** Attempts per call on transient failures (default 4). */
  maxAttempts?: number;
}

export class ComputeAccess {
  readonly endpoint: string;
  /** The options every long-running call passes to the SDK's poller. */
  readonly poll: { updateIntervalInMs: number };
  private readonly subscriptions: ReadonlySet<string>;
  private readonly clients = new Map<string, ComputeManagementClient>();
  private credential: TokenCredential | undefined;
  private readonly maxAttempts: number;

  constructor(private readonly options: ComputeAccessOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, "");
    this.subscriptions = new Set(options.subscriptions.map((s) => s.toLowerCase()));
    const local = isLoopbackEndpoint(this.endpoint);
    this.poll = { updateIntervalInMs: options.pollIntervalMs ?? (local ? 50 : 2000) };
    this.credential = options.credential ?? (local ? placeholderCredential : undefined);
    this.maxAttempts = options.maxAttempts ?? 4;
  }

  /** The client of one configured subscription. */
  client(subscriptionId: string): ComputeManagementClient {
    const key = subscriptionId.toLowerCase();
    if (!this.subscriptions.has(key)) {
      throw new CodedError(
        "SubscriptionNotAllowed",
        `subscription ${subscriptionId} is not named by BACKUP_SOURCES or RESTORE_TARGETS: no Resource Manager request is sent for it`,
      );
    }
    const cached = this.clients.get(key);
    if (cached) return cached;
    this.credential ??= new DefaultAzureCredential(
      this.options.azureClientId ? { managedIdentityClientId: this.options.azureClientId } : {},
    );
    const client = new ComputeManagementClient(this.credential, key, {
      endpoint: this.endpoint,
      retryOptions: { maxRetries: 0 },
      ...(this.options.caCertPem ? { tlsOptions: { ca: this.options.caCertPem } } : {}),
    });
    this.clients.set(key, client);
    return client;
  }

  /**
   * Runs one Resource Manager call (or long-running operation) with retries on transient failures; a
   * 429 becomes a CodedError (ResourceManagerThrottled) carrying Retry-After, for a durable wait.
   */
  async call<T>(
    what: string,
    subscriptionId: string,
    work: (client: ComputeManagementClient) => Promise<T>,
  ): Promise<T> {
    const client = this.client(subscriptionId);
    for (let attempt = 1; ; attempt++) {
      try {
        return await work(client);
      } catch (error) {
        if (armStatusOf(error) === 429) {
          const retryAfterMs = retryAfterMsOf(error, 60_000);
          throw new CodedError(
            ARM_THROTTLED,
            `${what}: Resource Manager throttles the requests (429: ${messageOf(error)}); waiting ${Math.round(retryAfterMs / 1000)} s`,
            { retryAfterMs, cause: error },
          );
        }
        if (!isArmTransient(error) || attempt >= this.maxAttempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** attempt)));
      }
    }
  }
}
