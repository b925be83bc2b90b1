// Runs in the backup account's resource group (new or existing account): the backup container, the
// lineage table, and the app identity's data roles on them.
param accountName string
param containerName string
param tableName string
param principalId string

// Built-in roles, each with the narrowest scope that works:
// - Storage Blob Data Contributor on the backup container: create/resize/write backup page blobs
//   (Put Page From URL, Clear Pages), snapshot them (restore points), read them, delete expired ones.
// - Storage Blob Delegator on the account: Get User Delegation Key only (no data access), so the app can
//   sign a user delegation SAS for a backup blob when it is the copy source of a restore. A user
//   delegation key is requested at the account's blob service, so a container-scoped role cannot grant it.
// - Storage Table Data Contributor on the account: create the lineage table if missing, upsert and query
//   restore points. Create Table is an account-level operation, hence the account scope.
var blobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var blobDelegator = 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'
var tableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'

resource account 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: accountName
}

// Referenced, not declared: a PUT of the service resource would reset an existing account's settings.
resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2024-01-01' existing = {
  parent: account
  name: 'default'
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2024-01-01' existing = {
  parent: account
  name: 'default'
}

// The backup account must be Standard general-purpose v2 (kind StorageV2, a Standard_* SKU): page blobs,
// their snapshots and Put Page From URL at standard prices. GPv1 (Storage), BlobStorage, BlockBlobStorage,
// FileStorage and premium accounts are refused here, before anything is written to them.
var isStandardGpv2 = account.kind == 'StorageV2' && account.sku.tier == 'Standard'

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = {
  parent: blobService
  name: containerName
  properties: {
    publicAccess: isStandardGpv2
      ? 'None'
      : fail('backupStorageAccountId: ${accountName} is ${account.kind} ${account.sku.name}; the backup account must be Standard general-purpose v2 (StorageV2, Standard_*).')
  }
}

resource table 'Microsoft.Storage/storageAccounts/tableServices/tables@2024-01-01' = {
  parent: tableService
  name: tableName
}

resource containerWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(container.id, principalId, blobDataContributor)
  scope: container
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource delegator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, principalId, blobDelegator)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobDelegator)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource tableWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, principalId, tableDataContributor)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', tableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output containerUrl string = '${account.properties.primaryEndpoints.blob}${containerName}'
output tableUrl string = '${account.properties.primaryEndpoints.table}${table.name}'
