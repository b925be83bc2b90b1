// The JSON the host hands to a function as its durableClient input (BindingHelper's shape): webhook
// URLs for createCheckStatusResponse and the rpcBaseUrl the SDK's DurableClient calls.

export const INSTANCE_ID_PLACEHOLDER = "INSTANCEID";

export function durableClientData(origin: string, hubName: string): Record<string, unknown> {
  const base = `${origin}/runtime/webhooks/durabletask`;
  return {
    taskHubName: hubName,
    creationUrls: {
      createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]`,
      createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}`,
    },
    managementUrls: managementUrls(base, INSTANCE_ID_PLACEHOLDER, hubName),
    baseUrl: base,
    requiredQueryStringParameters: "",
    rpcBaseUrl: `${origin}/durabletask/`,
  };
}

export function managementUrls(base: string, instanceId: string, hubName: string): Record<string, string> {
  const instance = `${base}/instances/${instanceId === INSTANCE_ID_PLACEHOLDER ? instanceId : encodeURIComponent(instanceId)}`;
  const common = `taskHub=${encodeURIComponent(hubName)}&connection=Storage`;
  return {
    id: instanceId,
    purgeHistoryDeleteUri: `${instance}?${common}`,
    restartPostUri: `${instance}/restart?${common}`,
    resumePostUri: `${instance}/resume?reason={text}&${common}`,
    rewindPostUri: `${instance}/rewind?reason={text}&${common}`,
    sendEventPostUri: `${instance}/raiseEvent/{eventName}?${common}`,
    statusQueryGetUri: `${instance}?${common}`,
    suspendPostUri: `${instance}/suspend?reason={text}&${common}`,
    terminatePostUri: `${instance}/terminate?reason={text}&${common}`,
  };
}
