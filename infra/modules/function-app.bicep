// The function app on a Flex Consumption plan (Linux, Node 22) running as the user-assigned identity,
// and its app settings: DESIGN.md §6 settings plus identity-based host storage and monitoring.
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param hostStorageName string
param deploymentContainerUrl string
param appInsightsConnectionString string
param maximumInstanceCount int
param instanceMemoryMB int
param backupSources string
param backupTarget string
param lineageTable string
param backupSchedule string
@description('RESTORE_TARGETS: account or container URLs restores may write to besides the source containers.')
param restoreTargets string
param retention string
param verifyPercent string
@description('SNAPSHOT_RESOURCE_GROUP: where managed-disk snapshots go; empty: each disk\'s own group.')
param snapshotResourceGroup string
@description('ARM_ENDPOINT: the cloud\'s Resource Manager endpoint (environment().resourceManager).')
param armEndpoint string
param taskHubName string
@description('Durable Task Scheduler endpoint; empty keeps Durable state in the host storage account.')
param durableTaskSchedulerEndpoint string

var useScheduler = !empty(durableTaskSchedulerEndpoint)

// What the app reads (src/config/settings.ts SETTING_NAMES). STORAGE_ACCOUNT_KEYS is deliberately absent:
// every account is reached with the managed identity in Azure. test/infra checks this list against the code.
var backupAppSettings = {
  BACKUP_SOURCES: backupSources
  BACKUP_TARGET: backupTarget
  LINEAGE_TABLE: lineageTable
  BACKUP_SCHEDULE: backupSchedule
  RESTORE_TARGETS: restoreTargets
  RETENTION: retention
  VERIFY_PERCENT: verifyPercent
  SNAPSHOT_RESOURCE_GROUP: snapshotResourceGroup
  ARM_ENDPOINT: armEndpoint
  DURABLE_TASK_HUB_NAME: taskHubName
  AZURE_CLIENT_ID: identityClientId
}

// What the platform reads. FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION must not be set on
// Flex Consumption: functionAppConfig.runtime below replaces them.
var hostAppSettings = {
  AzureWebJobsStorage__accountName: hostStorageName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

// host.json configures the Azure Storage backend; these overrides switch it to the scheduler.
var schedulerAppSettings = useScheduler
  ? {
      DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${durableTaskSchedulerEndpoint};Authentication=ManagedIdentity;ClientID=${identityClientId}'
      AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'azureManaged'
      AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING'
    }
  : {}

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource site 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }

  resource appSettings 'config' = {
    name: 'appsettings'
    properties: union(backupAppSettings, hostAppSettings, schedulerAppSettings)
  }
}

output name string = site.name
output url string = 'https://${site.properties.defaultHostName}'
