// Runs in a resource group of managed disks: assigns the app identity one compute role, on one disk
// (a managed disk's resource ID in BACKUP_SOURCES) or on the whole group (a resource group ID, the
// snapshot group, a restore target group).
param principalId string
@description('GUID of the custom compute role (modules/compute-roles.bicep).')
param roleGuid string
@description('A disk in this group to scope the assignment to; empty: the group.')
param diskName string = ''
param purpose string

resource disk 'Microsoft.Compute/disks@2024-03-02' existing = if (!empty(diskName)) {
  name: empty(diskName) ? 'none' : diskName
}

resource onDisk 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(diskName)) {
  name: guid(resourceGroup().id, diskName, principalId, roleGuid)
  scope: disk
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleGuid)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: purpose
  }
}

resource onGroup 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (empty(diskName)) {
  name: guid(resourceGroup().id, principalId, roleGuid)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleGuid)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: purpose
  }
}
