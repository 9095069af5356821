# Permissions boundary of the main root's roles (terraform/iam.tf): the ceiling of what any
# role hn-reader-<workspace>-* can do, whatever policy the pipeline puts on it. The deploy
# role may create and change those roles only with this boundary (policy.tf), and may not
# change the boundary itself: it belongs to this root, applied by an administrator.
#
# It allows the union of what the main root's roles are granted, scoped to the stack:
#   execution role       ECR pull of the tooling repository, app log streams
#   task role            reading each region's release record (SSM, for /status)
#   CodeDeploy role      (BLUE_GREEN) task sets of the stack's service, moving its listener
#                        rules, passing the task roles to ECS
#   flow-logs role       VPC flow log streams
# A role that needs more (e.g. another AWS API the app calls) needs it here first.
#
# The main root builds this policy's ARN from its name (iam.tf, local.permissions_boundary_arn),
# so this root is applied before the main root.

data "aws_iam_policy_document" "boundary" {
  #checkov:skip=CKV_AWS_356: The only "*" resources are ecr:GetAuthorizationToken and the CodeDeploy Describe* reads, which have no resource-level permissions; checkov cannot evaluate the per-region for expressions of the other statements (tools/terraform/iam_check.py checks the rendered policy in make tf-emulated).
  # ---- execution role ----
  statement {
    sid       = "EcrAuth"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # this action has no resource-level permissions
  }

  statement {
    sid       = "EcrPullAppImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = concat([local.tooling.ecr_repository_arn], [for r in keys(local.stacks) : local.tooling.ecr_replicas[r].arn if r != local.region])
  }

  # ---- execution role (app log group) and flow-logs role (VPC flow log group) ----
  statement {
    sid       = "StackLogStreams"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = [for region in keys(local.stacks) : "${local.p}:logs:${region}:${local.account}:log-group:/hn-reader/${terraform.workspace}/*"]
  }

  # ---- task role: each region's release record, which /status shows ----
  statement {
    sid       = "TaskReadsReleaseRecords"
    actions   = ["ssm:GetParameter"]
    resources = [for region in keys(local.stacks) : "${local.p}:ssm:${region}:${local.account}:parameter/hn-reader/${terraform.workspace}/release/deployed-digest"]
  }

  # ---- CodeDeploy role (BLUE_GREEN): task sets of the service, listener rules ----
  statement {
    sid     = "CodeDeployTaskSets"
    actions = ["ecs:DescribeServices", "ecs:CreateTaskSet", "ecs:UpdateServicePrimaryTaskSet", "ecs:DeleteTaskSet"]
    resources = flatten([for region, name in local.stacks : [
      "${local.p}:ecs:${region}:${local.account}:service/${name}/${name}",
      "${local.p}:ecs:${region}:${local.account}:task-set/${name}/${name}/*",
    ]])
  }

  statement {
    sid = "CodeDeployReads"
    actions = [
      "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules",
      "elasticloadbalancing:DescribeTargetGroups", "cloudwatch:DescribeAlarms",
    ]
    resources = ["*"] # Describe* have no resource-level permissions
  }

  statement {
    sid     = "CodeDeployShiftTraffic"
    actions = ["elasticloadbalancing:ModifyListener", "elasticloadbalancing:ModifyRule"]
    resources = flatten([for region, name in local.stacks : [for r in ["listener/app/${name}/*", "listener-rule/app/${name}/*"] :
      "${local.p}:elasticloadbalancing:${region}:${local.account}:${r}"
    ]])
  }

  statement {
    sid       = "CodeDeployPassTaskRoles"
    actions   = ["iam:PassRole"]
    resources = [local.stack_roles]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_policy" "boundary" {
  name        = "${local.name}-boundary"
  description = "Permissions boundary of the hn-reader ${terraform.workspace} stack roles (terraform/deploy-role)"
  policy      = data.aws_iam_policy_document.boundary.json
}
