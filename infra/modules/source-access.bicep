// Runs in a source account's resource group: grants the app identity the source role on that account,
// with an ABAC condition that allows Delete Blob only when the request names a snapshot.
param accountName string
param principalId string
@description('GUID of the role: the custom source role, or Storage Blob Data Contributor.')
param roleGuid string

// Deny-by-default for delete: any other action passes; a delete passes only for a snapshot.
// A Delete Blob condition cannot read blob index tags or metadata, so it cannot single out a half-written
// restore target: the app empties such a target instead and leaves it marked (restorerun metadata), and
// discovery never backs up a marked blob (README "Guarantees").
var deleteOnlySnapshots = '''
(
 (
  !(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete'})
 )
 OR
 (
  Exists @Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:snapshot]
 )
)
'''

resource account 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: accountName
}

resource sourceRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, principalId, roleGuid)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleGuid)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'Disk backup: snapshot, read page ranges and data, delete only snapshots, write restored disks.'
    condition: deleteOnlySnapshots
    conditionVersion: '2.0'
  }
}
