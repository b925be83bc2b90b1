// Credentials per storage account: shared key for accounts listed in STORAGE_ACCOUNT_KEYS (the emulator),
// DefaultAzureCredential (managed identity in Azure) for every other account.
// Type-only: core-auth comes with every Azure SDK package; nothing of it is loaded at run time.
import type { TokenCredential } from "@azure/core-auth";
import { AzureNamedKeyCredential } from "@azure/data-tables";
import { DefaultAzureCredential } from "@azure/identity";
import { StorageSharedKeyCredential } from "@azure/storage-blob";

export type AccountCredential =
  | {
      kind: "sharedKey";
      accountName: string;
      blob: StorageSharedKeyCredential;
      table: AzureNamedKeyCredential;
    }
  | { kind: "token"; accountName: string; token: TokenCredential };

export interface CredentialOptions {
  accountKeys: Record<string, string>;
  /** Client id of a user-assigned managed identity (AZURE_CLIENT_ID). */
  azureClientId?: string | undefined;
  /** Override of the token credential (tests); default DefaultAzureCredential. */
  tokenCredential?: TokenCredential;
}

export class CredentialProvider {
  private readonly keys: Record<string, string>;
  private readonly cache = new Map<string, AccountCredential>();
  private token: TokenCredential | undefined;
  private readonly azureClientId: string | undefined;

  constructor(options: CredentialOptions) {
    this.keys = options.accountKeys;
    this.token = options.tokenCredential;
    this.azureClientId = options.azureClientId;
  }

  forAccount(accountName: string): AccountCredential {
    const cached = this.cache.get(accountName);
    if (cached) return cached;
    const key = this.keys[accountName];
    const credential: AccountCredential =
      key === undefined
        ? { kind: "token", accountName, token: this.tokenCredential() }
        : {
            kind: "sharedKey",
            accountName,
            blob: new StorageSharedKeyCredential(accountName, key),
            table: new AzureNamedKeyCredential(accountName, key),
          };
    this.cache.set(accountName, credential);
    return credential;
  }

  private tokenCredential(): TokenCredential {
    this.token ??= new DefaultAzureCredential(
      this.azureClientId ? { managedIdentityClientId: this.azureClientId } : {},
    );
    return this.token;
  }
}
