// The custom compute roles for managed disks: exactly the Resource Manager actions a managed-disk
// backup and restore use (the built-in Disk Snapshot Contributor would also let the identity write and
// list keys of storage accounts; Disk Restore Operator cannot grant write access for an upload).
targetScope = 'subscription'

param token string
param environmentName string
@description('Subscriptions (ids) whose resource groups and disks may be assigned these roles.')
param assignableScopes array

// A disk's snapshots, its deletions and its SAS go through disk operations: their status is read there.
var diskOperations = 'Microsoft.Compute/locations/diskOperations/read'

resource sourceReader 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, 'disk-backup-managed-source', token)
  properties: {
    roleName: 'Disk Backup Managed Source Reader (${environmentName}-${token})'
    description: 'Managed-disk backup, on the source disks (or their groups): read disks (discovery, size, uniqueId) and get access (what snapshotting a disk may need; Azure Backup assigns it too).'
    type: 'CustomRole'
    assignableScopes: assignableScopes
    permissions: [
      {
        actions: ['Microsoft.Compute/disks/read', 'Microsoft.Compute/disks/beginGetAccess/action']
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

resource snapshotOperator 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, 'disk-backup-snapshot-operator', token)
  properties: {
    roleName: 'Disk Backup Snapshot Operator (${environmentName}-${token})'
    description: 'Managed-disk backup, on the snapshot resource group: take incremental snapshots, read them through a SAS, revoke it, delete the older ones.'
    type: 'CustomRole'
    assignableScopes: assignableScopes
    permissions: [
      {
        actions: [
          'Microsoft.Compute/snapshots/read'
          'Microsoft.Compute/snapshots/write'
          'Microsoft.Compute/snapshots/delete'
          'Microsoft.Compute/snapshots/beginGetAccess/action'
          'Microsoft.Compute/snapshots/endGetAccess/action'
          diskOperations
        ]
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

resource restoreOperator 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, 'disk-backup-restore-operator', token)
  properties: {
    roleName: 'Disk Backup Restore Operator (${environmentName}-${token})'
    description: 'Restore to managed disks, on the restore resource groups: create a disk for upload, grant write access, revoke it (no delete: a failed restore leaves its disk tagged restorerun and says so).'
    type: 'CustomRole'
    assignableScopes: assignableScopes
    permissions: [
      {
        actions: [
          'Microsoft.Compute/disks/read'
          'Microsoft.Compute/disks/write'
          'Microsoft.Compute/disks/beginGetAccess/action'
          'Microsoft.Compute/disks/endGetAccess/action'
          diskOperations
        ]
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

output sourceReaderGuid string = sourceReader.name
output snapshotOperatorGuid string = snapshotOperator.name
output restoreOperatorGuid string = restoreOperator.name
