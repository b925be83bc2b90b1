// The documented exceptions to "the code and the deployment agree on settings", shared by the infra tests
// and mirrored in the README ("Deploy to Azure"). Each entry says why; adding one is a reviewed decision.

/** Read by the code (or the local runtime) but never set in Azure. */
export const LOCAL_ONLY: Readonly<Record<string, string>> = {
  STORAGE_ACCOUNT_KEYS:
    "shared keys are for the emulator; in Azure every account is reached with the managed identity",
  FUNCTIONS_WORKER_RUNTIME: "Flex Consumption rejects it: functionAppConfig.runtime (node 22) replaces it",
  ARM_CA_CERT_FILE:
    "the local Resource Manager stand-in's certificate; in Azure, ARM_ENDPOINT is the cloud's own endpoint with a public CA",
};

/** Set in Azure but absent from local.settings.sample.json. */
export const AZURE_ONLY: Readonly<Record<string, string>> = {
  AZURE_CLIENT_ID:
    "selects the user-assigned identity; locally the emulator accounts use STORAGE_ACCOUNT_KEYS",
};

/** App settings the Bicep sets for the platform (host, monitoring, Durable backend), not read by app code. */
export const PLATFORM_PREFIXES: readonly string[] = [
  "AzureWebJobsStorage__", // identity-based host storage connection (accountName, credential, clientId)
  "APPLICATIONINSIGHTS_", // connection string and Entra authentication string
  "AzureFunctionsJobHost__", // host.json overrides (Durable Task Scheduler backend)
  "DURABLE_TASK_SCHEDULER_CONNECTION_STRING",
];

/** Settings that must never be app settings on Flex Consumption (the platform rejects them). */
export const FLEX_FORBIDDEN: readonly string[] = [
  "FUNCTIONS_WORKER_RUNTIME",
  "FUNCTIONS_EXTENSION_VERSION",
  "WEBSITE_RUN_FROM_PACKAGE",
  "WEBSITE_NODE_DEFAULT_VERSION",
  "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
  "WEBSITE_CONTENTSHARE",
];

/** True when `name` is set directly or as an identity-based connection (`name__accountName`, ...). */
export function isSet(name: string, setNames: readonly string[]): boolean {
  return setNames.some((set) => set === name || set.startsWith(`${name}__`));
}
