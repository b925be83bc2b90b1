// Alerts that wake someone (README "Health and alerts"): an action group that e-mails `alertEmail`, and three
// log search alert rules over the app's structured step events in Application Insights (traces whose
// message is `StepEvent {json}`): a failed disk backup, a disk with no completed restore point within twice
// the schedule's interval, a failed restore. The KQL lives in infra/alerts/*.kql, shown as is in the README.
param namePrefix string
param location string
param tags object
@description('Resource id of the Application Insights component the app logs to.')
param appInsightsId string
@description('Where alerts are e-mailed. Empty: the rules still fire (portal, Azure Monitor alerts), nobody is e-mailed.')
param alertEmail string
@description('KQL timespan: twice the backup schedule\'s interval (24h for every 12 hours). At most 2d, the longest time range a rule queries here.')
param staleAfter string

var withEmail = !empty(alertEmail)

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (withEmail) {
  name: 'ag-${namePrefix}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'diskbackup'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var rules = [
  {
    name: 'failed-backup'
    displayName: 'Disk backup failed'
    description: 'A disk backup failed: its restore point was recorded as failed, with the reason.'
    severity: 1
    query: loadTextContent('../alerts/failed-backup.kql')
    frequency: 'PT15M'
    window: 'PT15M'
    overrideQueryTimeRange: null
  }
  {
    name: 'stale-disk'
    displayName: 'Disk without a recent restore point'
    description: 'A disk has no completed restore point within twice the backup schedule\'s interval (${staleAfter}).'
    severity: 1
    query: replace(loadTextContent('../alerts/stale-disk.kql'), '{staleAfter}', staleAfter)
    frequency: 'PT1H'
    window: 'PT1H'
    overrideQueryTimeRange: 'P2D'
  }
  {
    name: 'failed-restore'
    displayName: 'Restore failed'
    description: 'A restore failed or was refused when it started.'
    severity: 2
    query: loadTextContent('../alerts/failed-restore.kql')
    frequency: 'PT15M'
    window: 'PT15M'
    overrideQueryTimeRange: null
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for rule in rules: {
    name: 'alert-${rule.name}-${namePrefix}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: rule.displayName
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [appInsightsId]
      evaluationFrequency: rule.frequency
      windowSize: rule.window
      overrideQueryTimeRange: rule.overrideQueryTimeRange
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: 'Count'
            operator: 'GreaterThan'
            threshold: 0
            // One alert per disk.
            dimensions: [{ name: 'diskId', operator: 'Include', values: ['*'] }]
            failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
          }
        ]
      }
      // A stale disk stays an alert until someone closes it, even when its events age out of the query.
      autoMitigate: false
      actions: { actionGroups: withEmail ? [actionGroup.id] : [] }
    }
  }
]

output actionGroupId string = withEmail ? actionGroup.id : ''
output ruleNames array = [for (rule, i) in rules: alertRules[i].name]
