# GitHub Actions authenticate with OIDC: no long-lived keys. One role per job kind, each
# trusted by exactly one GitHub context (environment, main, pull request) AND the workflow
# file that defines the job (job_workflow_ref), so no job can take a role it was not
# approved for:
#   hn-reader-build          deploy.yml / rollback.yml / ci-image.yml on main: ECR push only
#   hn-reader-pr             pr.yml on a pull request: push pr-<n> to the PR repository, plan dev read-only
#   hn-reader-<env>-plan     deploy-env.yml, environment <env>-plan: read-only plan, saves it
#   hn-reader-<env>-deploy   deploy-env.yml, environment <env> (prod: required reviewers): applies the saved plan
#   hn-reader-pipeline-logs  pipeline-log.yml: job logs into CloudWatch Logs
#   hn-reader-<env>-drill    dr-drill.yml, environment <env>-drill (the settings' game-day
#                            workspace): reads its state, assumes its deploy role
# AWS evaluates only the token's aud and sub (no custom claims), so the repository's sub
# claim template (terraform/github, oidc.tf) puts the run's ref and job_workflow_ref into sub:
#   repo:<owner/name>:<context>:ref:<ref>:job_workflow_ref:<owner/name>/.github/workflows/<file>@<ref>
# Both refs must be main's (the pull request's for the PR roles): a pull request's run that
# calls deploy-env.yml@main in an environment has the approved context and workflow, not the ref.
# tools/pipeline/trust_policy_test.py evaluates these policies as IAM does.

resource "aws_iam_openid_connect_provider" "github" {
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

locals {
  repo         = local.tooling.github_repo
  environments = sort(keys(module.settings.accounts))
  game_day     = module.settings.game_day_workspace
  oidc_arn     = "arn:aws:iam::${local.tooling.account_id}:oidc-provider/token.actions.githubusercontent.com"
  # sub for a job of workflow `file` at `ref` in `context` (see terraform/github/oidc.tf)
  sub = { for k, v in {
    main_build       = ["ref:refs/heads/main", "deploy.yml", "refs/heads/main"]
    main_rollback    = ["ref:refs/heads/main", "rollback.yml", "refs/heads/main"]
    main_ci_image    = ["ref:refs/heads/main", "ci-image.yml", "refs/heads/main"]
    pull_request     = ["pull_request", "pr.yml", "refs/pull/*/merge"]
    main_logs        = ["ref:refs/heads/main", "pipeline-log.yml", "refs/heads/main"]
    game_day         = ["environment:${local.game_day}-drill", "dr-drill.yml", "refs/heads/main"]
    pull_request_log = ["pull_request", "pipeline-log.yml", "refs/pull/*/merge"]
  } : k => "repo:${local.repo}:${v[0]}:ref:${v[2]}:job_workflow_ref:${local.repo}/.github/workflows/${v[1]}@${v[2]}" }
  env_sub = { for e in local.environments : e => {
    plan   = "repo:${local.repo}:environment:${e}-plan:ref:refs/heads/main:job_workflow_ref:${local.repo}/.github/workflows/deploy-env.yml@refs/heads/main"
    deploy = "repo:${local.repo}:environment:${e}:ref:refs/heads/main:job_workflow_ref:${local.repo}/.github/workflows/deploy-env.yml@refs/heads/main"
  } }

  # role name => the sub values it trusts (StringLike: only the PR ones hold a *)
  github_roles = merge(
    {
      "hn-reader-build"         = [local.sub.main_build, local.sub.main_rollback, local.sub.main_ci_image]
      "hn-reader-pr"            = [local.sub.pull_request]
      "hn-reader-pipeline-logs" = [local.sub.main_logs, local.sub.pull_request_log]
    },
    { for e in local.environments : "hn-reader-${e}-plan" => [local.env_sub[e].plan] },
    { for e in local.environments : "hn-reader-${e}-deploy" => [local.env_sub[e].deploy] },
    { "hn-reader-${local.game_day}-drill" = [local.sub.game_day] },
  )
  # Trust policies as JSON here (not aws_iam_policy_document), so the unit test renders them
  # with `terraform console`, offline.
  github_trust_policies = { for role, subs in local.github_roles : role => jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = local.oidc_arn }
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        StringLike   = { "token.actions.githubusercontent.com:sub" = subs }
      }
    }]
  }) }
}

resource "aws_iam_role" "github" {
  for_each             = local.github_trust_policies
  name                 = each.key
  assume_role_policy   = each.value
  max_session_duration = 3600
  depends_on           = [aws_iam_openid_connect_provider.github]
}
