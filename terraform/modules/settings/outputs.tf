locals {
  # Safe lookup: validation on var.workspace already produced the error message.
  current = lookup(var.environments, var.workspace, null)

  # CodeDeploy's predefined ECS configurations and how long each takes to shift all traffic.
  traffic_shift_minutes = {
    "CodeDeployDefault.ECSAllAtOnce"                    = 0
    "CodeDeployDefault.ECSCanary10Percent5Minutes"      = 5
    "CodeDeployDefault.ECSCanary10Percent15Minutes"     = 15
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes" = 10
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes" = 30
  }
}

output "settings" {
  description = "Settings of the selected workspace, plus derived values."
  value = local.current == null ? null : merge(local.current, {
    workspace  = var.workspace
    has_domain = local.current.domain_name != null
    nat_count  = local.current.single_nat_gateway ? 1 : local.current.az_count
    # BLUE_GREEN: the longest a CodeDeploy deployment may take before the pipeline gives up.
    deployment_timeout_minutes = local.current.deployment_strategy == "BLUE_GREEN" ? local.traffic_shift_minutes[local.current.deployment_config] + local.current.bake_time_minutes + 10 : 0
    has_standby                = local.current.standby_region != null
  })

  precondition {
    condition     = local.current != null
    error_message = "No settings for workspace \"${var.workspace}\": add it to var.environments in terraform/modules/settings/variables.tf."
  }
}

output "tooling" {
  description = "The shared tooling account (ECR, state bucket, GitHub repository)."
  value       = local.tooling
}

locals {
  tooling = merge(var.tooling, {
    ecr_repository_url = "${var.tooling.account_id}.dkr.ecr.${var.tooling.region}.amazonaws.com/${var.tooling.ecr_repository}"
    ecr_repository_arn = "arn:aws:ecr:${var.tooling.region}:${var.tooling.account_id}:repository/${var.tooling.ecr_repository}"
    # The repository's replicas (bootstrap/ecr-replication.tf), one per standby region of any workspace.
    ecr_replicas = { for r in local.standby_regions : r => {
      url = "${var.tooling.account_id}.dkr.ecr.${r}.amazonaws.com/${var.tooling.ecr_repository}"
      arn = "arn:aws:ecr:${r}:${var.tooling.account_id}:repository/${var.tooling.ecr_repository}"
    } }
  })
}

output "all_account_ids" {
  description = "Every environment account id (for cross-account ECR pull policies)."
  value       = sort([for e in values(var.environments) : e.account_id])
}

output "accounts" {
  description = "Account id of each environment (workspace name => account id)."
  value       = { for k, e in var.environments : k => e.account_id }
}

# The regions a workspace runs in, each an instance of modules/region. The primary keeps the
# workspace's plain names; the standby's carry a short region code, because IAM roles and S3
# buckets are global and both regions live in one account.
output "regions" {
  description = "Workspace regions: primary, and standby when standby_region is set. name: prefix of the region's resource names; code: the short region code (origin-<code>.<domain>)."
  value       = local.regions
}

locals {
  regions = local.current == null ? null : merge(
    { primary = { region = local.current.region, code = local.region_code[local.current.region], name = "hn-reader-${var.workspace}", min_tasks = local.current.min_tasks, role = "primary" } },
    local.current.standby_region == null ? {} : {
      standby = { region = local.current.standby_region, code = local.region_code[local.current.standby_region], name = "hn-reader-${var.workspace}-${local.region_code[local.current.standby_region]}", min_tasks = local.current.standby_min_tasks, role = "standby" }
    },
  )

  # eu-central-1 -> euc1: short enough for ALB and target group names (32 characters).
  region_code = { for r in distinct(flatten([for e in values(var.environments) : compact([e.region, e.standby_region])])) :
  r => format("%s%s%s", split("-", r)[0], substr(split("-", r)[1], 0, 1), split("-", r)[2]) }

  f = var.failover

  standby_regions = sort(distinct(compact([for e in values(var.environments) : e.standby_region])))
}

output "game_day_workspace" {
  description = "The workspace of the game-day drill (dr-drill.yml)."
  value       = var.game_day_workspace

  precondition {
    condition     = try(var.environments[var.game_day_workspace].standby_region, null) != null
    error_message = "game_day_workspace must be a workspace with a standby_region: the drill takes its primary away."
  }
}

output "failover" {
  description = "The failover settings (variable failover)."
  value       = var.failover
}

# RTO and RPO, derived from the settings above (README and docs/disaster-recovery.md quote
# these; tools/terraform/dr_check.py fails when they differ).
output "recovery_objectives" {
  description = "Recovery time (seconds) per failure, and recovery point, of the selected workspace; null: the failure is not covered (no standby region, or no second cloud)."
  value       = local.recovery_objectives
}

locals {
  recovery_objectives = local.current == null ? null : {
    has_standby = local.current.standby_region != null
    # A GET whose primary origin refuses connections: CloudFront's tries, then the standby.
    region_loss_get_seconds = local.current.standby_region == null ? null : local.f.origin_connection_attempts * local.f.origin_connection_timeout
    # A GET whose primary accepts but never answers: the read timeout, then the standby.
    region_hang_get_seconds = local.current.standby_region == null ? null : local.f.origin_read_timeout
    # POST server functions (Reload): the region's health alarm goes to ALARM, Route 53's
    # failover record answers with the standby, CloudFront's cached answer expires.
    region_loss_post_seconds = local.current.standby_region == null ? null : local.f.health_alarm_period * local.f.health_alarm_periods + local.f.alias_ttl
    # Both AWS regions or CloudFront lost: the second cloud's uptime check fails, the runbook's
    # decision, make failover-cloud, then resolvers drop the CloudFront alias (its TTL).
    cloud_loss_seconds = local.current.second_cloud == null ? null : local.f.cloud_uptime_check_period + local.f.cloud_failover_decision_secs + local.f.alias_ttl
    # Back to AWS (make failback-cloud): the records failover-cloud wrote expire.
    cloud_failback_seconds = local.current.second_cloud == null ? null : local.f.cloud_dns_ttl
    # The app keeps no data: nothing written can be lost. A region may run the previous
    # release for at most one deployment (shift + bake), which the pipeline's lag check shows.
    rpo_seconds               = 0
    release_lag_limit_minutes = local.current.deployment_strategy == "BLUE_GREEN" ? local.traffic_shift_minutes[local.current.deployment_config] + local.current.bake_time_minutes + 10 : 0
  }
}
