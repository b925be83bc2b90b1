// Creates (or keeps) a resource group for the app's incremental snapshots (SNAPSHOT_RESOURCE_GROUP) in
// one subscription of the managed disks.
targetScope = 'subscription'

param name string
param location string
param tags object

resource group 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: name
  location: location
  tags: tags
}
