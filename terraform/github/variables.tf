# Repository variables of the workflows (vars.*). Not secrets: ARNs, URLs and names; the
# jobs authenticate with OIDC.

locals {
  tooling_role = { for r in ["build", "pr", "pipeline-logs"] : r => "arn:aws:iam::${local.tooling.account_id}:role/hn-reader-${r}" }
  repository_vars = {
    AWS_REGION                 = local.tooling.region
    AWS_BUILD_ROLE_ARN         = local.tooling_role["build"]
    AWS_PR_ROLE_ARN            = local.tooling_role["pr"]
    AWS_PIPELINE_LOGS_ROLE_ARN = local.tooling_role["pipeline-logs"]
    DEV_PLAN_ROLE_ARN          = "arn:aws:iam::${local.accounts["dev"]}:role/hn-reader-plan"
    ECR_REPOSITORY_URL         = local.tooling.ecr_repository_url
    ECR_PR_REPOSITORY_URL      = "${local.tooling.ecr_repository_url}-pr"
    ECR_CI_REPOSITORY_URL      = "${local.tooling.ecr_repository_url}-ci"
    TF_STATE_BUCKET            = local.tooling.state_bucket
  }
}

resource "github_actions_variable" "this" {
  for_each      = local.repository_vars
  repository    = local.repository
  variable_name = each.key
  value         = each.value
}
