// The app's user-assigned managed identity: every data-plane role below is granted to it, and the app
// selects it with AZURE_CLIENT_ID (DefaultAzureCredential) and AzureWebJobsStorage__clientId (host).
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
