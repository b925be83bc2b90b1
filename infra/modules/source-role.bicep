// The custom role for source accounts: exactly the data actions a backup and a restore use, and no
// container create/delete or ADLS rename (which Storage Blob Data Contributor would also grant).
targetScope = 'subscription'

param roleGuid string
param roleName string
@description('Subscriptions (ids) whose storage accounts may be assigned this role.')
param assignableScopes array

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: roleGuid
  properties: {
    roleName: roleName
    description: 'Incremental disk backup: read source page blobs and their page ranges, snapshot them, delete snapshots (a role assignment condition limits deletes to snapshots), write restored disks, sign user delegation SAS.'
    type: 'CustomRole'
    assignableScopes: assignableScopes
    permissions: [
      {
        actions: [
          // Get Container Properties / List Blobs preflight on the source container.
          'Microsoft.Storage/storageAccounts/blobServices/containers/read'
          // Get User Delegation Key: sign a user delegation SAS for a source snapshot as copy source.
          'Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action'
        ]
        notActions: []
        dataActions: [
          // List Blobs, Get Blob Properties, Get Page Ranges (with prevsnapshot), Get Blob, and a source
          // snapshot as the copy source of Put Page From URL authorized with a bearer token.
          'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'
          // Snapshot Blob (create), and Put Blob / Copy Blob creating a new restored disk.
          'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action'
          // Set Blob Metadata (snapshot run tags), Put Page / Clear Pages / resize of a restored disk.
          'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write'
          // Delete Blob with ?snapshot= (the previous source snapshot); the assignment's condition
          // refuses deletes without a snapshot id, so base blobs (the disks) cannot be deleted.
          'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete'
        ]
        notDataActions: []
      }
    ]
  }
}

output id string = role.id
