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
  })

  precondition {
    condition     = local.current != null
    error_message = "No settings for workspace \"${var.workspace}\": add it to var.environments in terraform/modules/settings/variables.tf."
  }
}

output "tooling" {
  description = "The shared tooling account (ECR, state bucket, GitHub repository)."
  value = merge(var.tooling, {
    ecr_repository_url = "${var.tooling.account_id}.dkr.ecr.${var.tooling.region}.amazonaws.com/${var.tooling.ecr_repository}"
    ecr_repository_arn = "arn:aws:ecr:${var.tooling.region}:${var.tooling.account_id}:repository/${var.tooling.ecr_repository}"
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
