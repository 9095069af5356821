# What each GitHub role of github-oidc.tf may do. State keys: env:/<workspace>/hn-reader/
# terraform.tfstate (+ .tflock, S3-native locking); saved plans: plans/<workspace>/*.

locals {
  state_arn     = aws_s3_bucket.state.arn
  state_key     = { for e in local.environments : e => "${local.state_arn}/env:/${e}/hn-reader/terraform.tfstate" }
  ecr_push      = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload", "ecr:DescribeImages", "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"]
  account_roles = { for e, a in module.settings.accounts : e => { plan = "arn:aws:iam::${a}:role/hn-reader-plan", deploy = "arn:aws:iam::${a}:role/hn-reader-deploy" } }
}

data "aws_iam_policy_document" "build" {
  statement {
    sid       = "EcrAuth"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # no resource-level permissions for this action
  }
  statement {
    sid       = "EcrPushAppAndCiImages"
    actions   = local.ecr_push
    resources = [aws_ecr_repository.app.arn, aws_ecr_repository.ci.arn]
  }
}

data "aws_iam_policy_document" "pr" {
  statement {
    sid       = "EcrAuth"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # no resource-level permissions for this action
  }
  statement {
    sid       = "EcrPushPrImages"
    actions   = local.ecr_push
    resources = [aws_ecr_repository.pr.arn]
  }
  # The dev plan shown on the pull request: read-only role, state read, the lock file only.
  statement {
    sid       = "DevStateRead"
    actions   = ["s3:GetObject"]
    resources = [local.state_key["dev"]]
  }
  statement {
    sid       = "DevStateLock"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.state_key["dev"]}.tflock"]
  }
  statement {
    sid       = "StateList"
    actions   = ["s3:ListBucket"]
    resources = [local.state_arn]
  }
  statement {
    sid       = "StateKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.tooling.arn]
  }
  statement {
    sid       = "AssumeDevPlanRole"
    actions   = ["sts:AssumeRole", "sts:TagSession"]
    resources = [local.account_roles["dev"].plan]
  }
}

data "aws_iam_policy_document" "plan" {
  for_each = toset(local.environments)
  statement {
    sid       = "StateRead"
    actions   = ["s3:GetObject"]
    resources = [local.state_key[each.key]]
  }
  statement {
    sid       = "StateLock"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.state_key[each.key]}.tflock"]
  }
  statement {
    sid       = "SavePlan"
    actions   = ["s3:PutObject"]
    resources = ["${local.state_arn}/plans/${each.key}/*"]
  }
  statement {
    sid       = "StateList"
    actions   = ["s3:ListBucket"]
    resources = [local.state_arn]
  }
  statement {
    sid       = "StateKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.tooling.arn]
  }
  statement {
    sid       = "AssumePlanRole"
    actions   = ["sts:AssumeRole", "sts:TagSession"]
    resources = [local.account_roles[each.key].plan]
  }
}

data "aws_iam_policy_document" "deploy" {
  for_each = toset(local.environments)
  statement {
    sid       = "State"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = [local.state_key[each.key], "${local.state_key[each.key]}.tflock"]
  }
  statement {
    sid       = "ReadSavedPlan"
    actions   = ["s3:GetObject"]
    resources = ["${local.state_arn}/plans/${each.key}/*"]
  }
  statement {
    sid       = "StateList"
    actions   = ["s3:ListBucket"]
    resources = [local.state_arn]
  }
  statement {
    sid       = "StateKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.tooling.arn]
  }
  statement {
    sid       = "AssumeDeployRole"
    actions   = ["sts:AssumeRole", "sts:TagSession"]
    resources = [local.account_roles[each.key].deploy]
  }
  # scripts/deploy.sh tags the deployed digest <env>-<run id> (the lifecycle keeps it).
  statement {
    sid       = "TagDeployedImage"
    actions   = ["ecr:BatchGetImage", "ecr:PutImage", "ecr:DescribeImages"]
    resources = [aws_ecr_repository.app.arn]
  }
  # scripts/deploy.sh waits for the digest in the standby's replica before it deploys there.
  statement {
    sid       = "ReplicaHasTheDigest"
    actions   = ["ecr:DescribeImages"]
    resources = [aws_ecr_repository.replica.arn]
  }
  # scripts/mirror-image.sh copies the digest to the second cloud's registry (terraform/dr-gcp).
  statement {
    sid       = "PullForTheSecondCloud"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer"]
    resources = [aws_ecr_repository.app.arn]
  }
  statement {
    sid       = "DeployEvents"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.pipeline["events"].arn}:log-stream:${each.key}-*"]
  }
}

# The game-day drill (scripts/dr-drill.sh): the workspace's outputs, and its deploy role
# (which scales the primary's service to nothing and back).
data "aws_iam_policy_document" "drill" {
  statement {
    sid       = "StateRead"
    actions   = ["s3:GetObject"]
    resources = [local.state_key[local.game_day]]
  }
  statement {
    sid       = "StateList"
    actions   = ["s3:ListBucket"]
    resources = [local.state_arn]
  }
  statement {
    sid       = "StateKey"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.tooling.arn]
  }
  statement {
    sid       = "AssumeDeployRole"
    actions   = ["sts:AssumeRole", "sts:TagSession"]
    resources = [local.account_roles[local.game_day].deploy]
  }
  statement {
    sid       = "DrillEvents"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.pipeline["events"].arn}:log-stream:${local.game_day}-drill-*"]
  }
}

data "aws_iam_policy_document" "pipeline_logs" {
  statement {
    sid       = "JobLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = [aws_cloudwatch_log_group.pipeline["jobs"].arn, "${aws_cloudwatch_log_group.pipeline["jobs"].arn}:log-stream:*"]
  }
}

locals {
  github_policies = merge(
    {
      "hn-reader-build"         = data.aws_iam_policy_document.build.json
      "hn-reader-pr"            = data.aws_iam_policy_document.pr.json
      "hn-reader-pipeline-logs" = data.aws_iam_policy_document.pipeline_logs.json
    },
    { for e in local.environments : "hn-reader-${e}-plan" => data.aws_iam_policy_document.plan[e].json },
    { for e in local.environments : "hn-reader-${e}-deploy" => data.aws_iam_policy_document.deploy[e].json },
    { "hn-reader-${local.game_day}-drill" = data.aws_iam_policy_document.drill.json },
  )
}

resource "aws_iam_role_policy" "github" {
  for_each = local.github_roles
  name     = "pipeline"
  role     = aws_iam_role.github[each.key].id
  policy   = local.github_policies[each.key]
}
