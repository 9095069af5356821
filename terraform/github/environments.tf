# Environments of deploy-env.yml: <env>-plan (its plan job: the read-only plan, no approval)
# and <env> (its deploy job: the apply of that plan). Only main may deploy; prod waits for
# a member of the release team, who cannot approve a run they started. The variables name
# the AWS roles the jobs assume (terraform/bootstrap/github-oidc.tf, deploy-role/).

locals {
  # environment => a required reviewer before its jobs start
  environments = {
    "dev-plan"  = { approval = false }
    "dev"       = { approval = false }
    "int-plan"  = { approval = false }
    "int"       = { approval = false }
    "prod-plan" = { approval = false }
    "prod"      = { approval = true }
    # dr-drill.yml, the game-day drill (modules/settings game_day_workspace)
    "int-drill" = { approval = false }
  }
  # What each kind of job reads (vars.*): a role in the tooling account, or in the
  # environment's own account; %s is the environment.
  environment_vars = {
    plan = {
      AWS_ROLE_ARN  = { account = "tooling", role = "hn-reader-%s-plan" }
      PLAN_ROLE_ARN = { account = "environment", role = "hn-reader-plan" }
    }
    deploy = {
      AWS_ROLE_ARN    = { account = "tooling", role = "hn-reader-%s-deploy" }
      DEPLOY_ROLE_ARN = { account = "environment", role = "hn-reader-deploy" }
    }
    drill = {
      AWS_ROLE_ARN    = { account = "tooling", role = "hn-reader-%s-drill" }
      DEPLOY_ROLE_ARN = { account = "environment", role = "hn-reader-deploy" }
    }
  }
  environment_var_values = merge([for env, _ in local.environments : {
    for name, v in local.environment_vars[endswith(env, "-plan") ? "plan" : endswith(env, "-drill") ? "drill" : "deploy"] : "${env}/${name}" => {
      environment = env
      name        = name
      value = format("arn:aws:iam::%s:role/%s", v.account == "tooling" ? local.tooling.account_id : local.accounts[trimsuffix(trimsuffix(env, "-plan"), "-drill")],
      replace(v.role, "%s", trimsuffix(trimsuffix(env, "-plan"), "-drill")))
    }
  }]...)
}

resource "github_repository_environment" "this" {
  for_each            = local.environments
  repository          = local.repository
  environment         = each.key
  can_admins_bypass   = false
  prevent_self_review = each.value.approval

  dynamic "reviewers" {
    for_each = each.value.approval ? [1] : []
    content {
      teams = [data.github_team.release_approvers.id]
    }
  }

  deployment_branch_policy {
    protected_branches     = false
    custom_branch_policies = true
  }
}

resource "github_repository_environment_deployment_policy" "main_only" {
  for_each       = local.environments
  repository     = local.repository
  environment    = github_repository_environment.this[each.key].environment
  branch_pattern = "main"
}

resource "github_actions_environment_variable" "this" {
  for_each      = local.environment_var_values
  repository    = local.repository
  environment   = github_repository_environment.this[each.value.environment].environment
  variable_name = each.value.name
  value         = each.value.value
}
