// Entry point for `azd up`: a resource group with the backup function app (Flex Consumption, Node 22), its
// identity, host storage, monitoring, Durable backend, backup account access and source account access.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; seeds the unique resource names.')
param environmentName string

@minLength(1)
@description('Region for every resource. Must offer the Flex Consumption plan.')
@metadata({ azd: { type: 'location' } })
param location string

@minLength(1)
@description('BACKUP_SOURCES: space- or comma-separated URLs of page blobs or containers of page blobs, managed disk resource IDs or resource group IDs (every managed disk in it) to back up.')
param backupSources string

@description('RESTORE_TARGETS: account or container URLs (space- or comma-separated) that restores may write to besides the containers of BACKUP_SOURCES, and resource group IDs restores may create managed disks in besides the groups of BACKUP_SOURCES. Never the backup account. The identity needs the source role on the accounts; it gets the restore role on the groups.')
param restoreTargets string = ''

@description('SNAPSHOT_RESOURCE_GROUP: resource group (created in each managed disk\'s subscription) for the app\'s incremental snapshots. Empty: each disk\'s own group.')
param snapshotResourceGroup string = ''

@description('Resource ids of the storage accounts that hold the source disks, separated by commas or spaces. The app identity gets the source role on each one.')
param sourceStorageAccountIds string = ''

@description('custom: a custom role with only the data actions the app uses (no container create/delete). builtin: Storage Blob Data Contributor. Both carry a condition that limits deletes to snapshots.')
@allowed(['custom', 'builtin'])
param sourceRoleMode string = 'custom'

@description('Resource id of an existing backup storage account. Empty: a new account is created.')
param backupStorageAccountId string = ''

@description('Redundancy of a new backup account (Standard tier only).')
@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_RAGRS'])
param backupStorageSku string = 'Standard_LRS'

@minLength(3)
@maxLength(63)
@description('Container in the backup account that receives the backup page blobs (BACKUP_TARGET).')
param backupContainerName string = 'backups'

@minLength(3)
@maxLength(63)
@description('Lineage table in the backup account (LINEAGE_TABLE).')
param lineageTableName string = 'lineage'

@description('BACKUP_SCHEDULE: NCRONTAB with 6 fields for the backup timer.')
param backupSchedule string = '0 0 */12 * * *'

@description('RETENTION: which restore points to keep (last=N hourly=N daily=N weekly=N monthly=N yearly=N, UTC periods). Empty keeps everything.')
param retention string = 'last=7 daily=30 weekly=12 monthly=12'

@description('VERIFY_PERCENT: share of each disk compared with its source after every backup (rolling verification); 0 turns it off.')
param verifyPercent string = '5'

@description('storage: Durable Functions state in the host storage account. scheduler: the Durable Task Scheduler (Consumption SKU).')
@allowed(['storage', 'scheduler'])
param durableBackend string = 'storage'

@minLength(3)
@maxLength(45)
@description('Durable task hub name (DURABLE_TASK_HUB_NAME): letters and digits only, starting with a letter, 3-45 characters (what the storage backend requires; the scheduler accepts it too).')
param taskHubName string = 'diskbackup'

@description('E-mail address for the alerts (failed backup, stale disk, failed restore). Empty: the alert rules still fire in Azure Monitor, nobody is e-mailed.')
param alertEmail string = ''

@description('KQL timespan after which a disk without a completed restore point alerts: twice the interval of backupSchedule (24h for every 12 hours). At most 2d.')
param staleAfter string = '24h'

@description('Upper bound on Flex Consumption instances.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory per Flex Consumption instance.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var useNewBackupAccount = empty(backupStorageAccountId)
// Resource ids compare without case and without a trailing slash; each account appears once, or two module
// deployments would create the same role assignment and the second would fail.
var sourceIdList = map(
  filter(split(replace(replace(sourceStorageAccountIds, ' ', ','), ';', ','), ','), id => !empty(id)),
  id => toLower(endsWith(id, '/') ? substring(id, 0, length(id) - 1) : id)
)
var sourceIds = filter(sourceIdList, (id, i) => indexOf(sourceIdList, id) == i)
// The storage backend's rule for task hub names (the @minLength/@maxLength above check the length).
var letters = 'abcdefghijklmnopqrstuvwxyz'
var taskHubNameValid = contains(letters, substring(toLower(taskHubName), 0, 1)) && empty(filter(
  range(0, length(taskHubName)),
  i => !contains('${letters}0123456789', substring(toLower(taskHubName), i, 1))
))
var hubName = taskHubNameValid
  ? taskHubName
  : fail('taskHubName (DURABLE_TASK_HUB_NAME) must hold only letters and digits and start with a letter.')
var sourceSubscriptions = union([subscription().id], map(sourceIds, id => '/subscriptions/${split(id, '/')[2]}'))
var sourceRoleGuid = guid(subscription().id, 'disk-backup-source-operator', resourceToken)
// Built-in role: Storage Blob Data Contributor.
var blobDataContributorGuid = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

// Managed disks: the resource-ID entries of BACKUP_SOURCES (a disk, or a group) and of RESTORE_TARGETS
// (groups), split on '/' ('', 'subscriptions', <sub>, 'resourceGroups', <group>, 'providers', ..., <disk>).
var managedSourceIds = filter(split(replace(replace(backupSources, ',', ' '), ';', ' '), ' '), e => startsWith(toLower(e), '/subscriptions/'))
var restoreGroupIds = filter(split(replace(replace(restoreTargets, ',', ' '), ';', ' '), ' '), e => startsWith(toLower(e), '/subscriptions/'))
var sourceGroupIds = union(map(managedSourceIds, id => '/subscriptions/${split(id, '/')[2]}/resourceGroups/${split(id, '/')[4]}'), [])
// Restores default to a new disk next to the source: the source groups are restore groups too.
var diskGroupIds = union(sourceGroupIds, map(restoreGroupIds, id => '/subscriptions/${split(id, '/')[2]}/resourceGroups/${split(id, '/')[4]}'))
var computeSubscriptions = union(map(diskGroupIds, g => split(g, '/')[2]), [])
var snapshotGroupIds = empty(snapshotResourceGroup)
  ? diskGroupIds
  : map(computeSubscriptions, sub => '/subscriptions/${sub}/resourceGroups/${snapshotResourceGroup}')
var useManagedDisks = !empty(diskGroupIds)

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity-${resourceToken}'
  scope: rg
  params: { name: 'id-${resourceToken}', location: location, tags: tags }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring-${resourceToken}'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    appInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
    principalId: identity.outputs.principalId
  }
}

module hostStorage 'modules/host-storage.bicep' = {
  name: 'host-storage-${resourceToken}'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: 'app-package-${resourceToken}'
    principalId: identity.outputs.principalId
  }
}

module scheduler 'modules/durable-task-scheduler.bicep' = if (durableBackend == 'scheduler') {
  name: 'durable-task-scheduler-${resourceToken}'
  scope: rg
  params: {
    name: 'dts-${resourceToken}'
    taskHubName: hubName
    location: location
    tags: tags
    principalId: identity.outputs.principalId
  }
}

module backupStorage 'modules/backup-storage.bicep' = if (useNewBackupAccount) {
  name: 'backup-storage-${resourceToken}'
  scope: rg
  params: { name: 'stbk${resourceToken}', location: location, tags: tags, sku: backupStorageSku }
}

// '/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Storage/storageAccounts/<name>', split on '/'.
var backupIdParts = useNewBackupAccount
  ? split(
      '/subscriptions/${subscription().subscriptionId}/resourceGroups/${rg.name}/providers/Microsoft.Storage/storageAccounts/stbk${resourceToken}',
      '/'
    )
  : split(backupStorageAccountId, '/')
var backupAccountName = last(backupIdParts)

module backupAccess 'modules/backup-access.bicep' = {
  name: 'backup-access-${resourceToken}'
  scope: resourceGroup(backupIdParts[2], backupIdParts[4])
  dependsOn: [backupStorage]
  params: {
    accountName: backupAccountName
    containerName: backupContainerName
    tableName: lineageTableName
    principalId: identity.outputs.principalId
  }
}

module sourceRole 'modules/source-role.bicep' = if (sourceRoleMode == 'custom' && !empty(sourceIds)) {
  name: 'source-role-${resourceToken}'
  params: {
    roleGuid: sourceRoleGuid
    roleName: 'Disk Backup Source Operator (${environmentName}-${resourceToken})'
    assignableScopes: sourceSubscriptions
  }
}

module sourceAccess 'modules/source-access.bicep' = [
  for (id, i) in sourceIds: {
    name: 'source-access-${i}-${resourceToken}'
    scope: resourceGroup(split(id, '/')[2], split(id, '/')[4])
    dependsOn: [sourceRole]
    params: {
      accountName: last(split(id, '/'))
      principalId: identity.outputs.principalId
      roleGuid: sourceRoleMode == 'custom' ? sourceRoleGuid : blobDataContributorGuid
    }
  }
]

module computeRoles 'modules/compute-roles.bicep' = if (useManagedDisks) {
  name: 'compute-roles-${resourceToken}'
  params: {
    token: resourceToken
    environmentName: environmentName
    assignableScopes: union([subscription().id], map(computeSubscriptions, sub => '/subscriptions/${sub}'))
  }
}

module snapshotGroups 'modules/compute-group.bicep' = [
  for (sub, i) in (empty(snapshotResourceGroup) ? [] : computeSubscriptions): {
    name: 'snapshot-group-${i}-${resourceToken}'
    scope: subscription(sub)
    params: { name: snapshotResourceGroup, location: location, tags: tags }
  }
]

// Read (and get access) on each managed source: the disk itself, or its group for a group entry.
module managedSourceAccess 'modules/compute-access.bicep' = [
  for (id, i) in managedSourceIds: {
    name: 'managed-source-access-${i}-${resourceToken}'
    scope: resourceGroup(split(id, '/')[2], split(id, '/')[4])
    params: {
      principalId: identity.outputs.principalId
      roleGuid: useManagedDisks ? computeRoles.outputs.sourceReaderGuid : ''
      diskName: length(split(id, '/')) > 8 ? last(split(id, '/')) : ''
      purpose: 'Disk backup: read the managed disks to back up.'
    }
  }
]

module snapshotAccess 'modules/compute-access.bicep' = [
  for (group, i) in snapshotGroupIds: {
    name: 'snapshot-access-${i}-${resourceToken}'
    scope: resourceGroup(split(group, '/')[2], split(group, '/')[4])
    dependsOn: [snapshotGroups]
    params: {
      principalId: identity.outputs.principalId
      roleGuid: useManagedDisks ? computeRoles.outputs.snapshotOperatorGuid : ''
      purpose: 'Disk backup: incremental snapshots of managed disks, their SAS, their deletion.'
    }
  }
]

module restoreGroupAccess 'modules/compute-access.bicep' = [
  for (group, i) in diskGroupIds: {
    name: 'restore-group-access-${i}-${resourceToken}'
    scope: resourceGroup(split(group, '/')[2], split(group, '/')[4])
    params: {
      principalId: identity.outputs.principalId
      roleGuid: useManagedDisks ? computeRoles.outputs.restoreOperatorGuid : ''
      purpose: 'Disk backup: restores create managed disks by upload here.'
    }
  }
]

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app-${resourceToken}'
  scope: rg
  dependsOn: [backupAccess, sourceAccess, managedSourceAccess, snapshotAccess, restoreGroupAccess]
  params: {
    name: 'func-${resourceToken}'
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    hostStorageName: hostStorage.outputs.name
    deploymentContainerUrl: hostStorage.outputs.deploymentContainerUrl
    appInsightsConnectionString: monitoring.outputs.connectionString
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    backupSources: backupSources
    backupTarget: backupAccess.outputs.containerUrl
    lineageTable: backupAccess.outputs.tableUrl
    backupSchedule: backupSchedule
    restoreTargets: restoreTargets
    retention: retention
    verifyPercent: verifyPercent
    snapshotResourceGroup: snapshotResourceGroup
    armEndpoint: environment().resourceManager
    taskHubName: hubName
    durableTaskSchedulerEndpoint: durableBackend == 'scheduler' ? scheduler.outputs.endpoint : ''
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts-${resourceToken}'
  scope: rg
  params: {
    namePrefix: resourceToken
    location: location
    tags: tags
    appInsightsId: monitoring.outputs.appInsightsId
    alertEmail: alertEmail
    staleAfter: staleAfter
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_URL string = functionApp.outputs.url
output AZURE_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output BACKUP_TARGET string = backupAccess.outputs.containerUrl
output LINEAGE_TABLE string = backupAccess.outputs.tableUrl
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.appInsightsName
