# Permissions boundary of the main root's roles (terraform/iam.tf): the ceiling of what any
# role hn-reader-<workspace>-* can do, whatever policy the pipeline puts on it. The deploy
# role may create and change those roles only with this boundary (policy.tf), and may not
# change the boundary itself: it belongs to this root, applied by an administrator.
#
# It allows the union of what the main root's roles are granted, scoped to the stack:
#   execution role       ECR pull of the tooling repository, app log streams
#   task role            nothing (it has no permissions)
#   ECS infrastructure   the actions of the AWS managed policy
#                        AmazonECSInfrastructureRolePolicyForLoadBalancers (v6), on the
#                        stack's listeners, listener rules and target groups
#   flow-logs role       VPC flow log streams
# A role that needs more (e.g. the app calling an AWS API) needs it here first.
#
# The main root builds this policy's ARN from its name (iam.tf, local.permissions_boundary_arn),
# so this root is applied before the main root.

data "aws_iam_policy_document" "boundary" {
  # ---- execution role ----
  statement {
    sid       = "EcrAuth"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # this action has no resource-level permissions
  }

  statement {
    sid       = "EcrPullAppImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [local.tooling.ecr_repository_arn]
  }

  # ---- execution role (app log group) and flow-logs role (VPC flow log group) ----
  statement {
    sid       = "StackLogStreams"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["${local.p}:logs:${local.region}:${local.account}:log-group:/hn-reader/${terraform.workspace}/*"]
  }

  # ---- ECS infrastructure role: blue/green shifts the production listener rule ----
  statement {
    sid = "BlueGreenReads"
    actions = [
      "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules",
      "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth",
    ]
    resources = ["*"] # Describe* have no resource-level permissions
  }

  statement {
    sid     = "BlueGreenTargets"
    actions = ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"]
    resources = [
      "${local.p}:elasticloadbalancing:${local.region}:${local.account}:targetgroup/${local.name}-*/*",
    ]
  }

  statement {
    sid     = "BlueGreenListener"
    actions = ["elasticloadbalancing:ModifyListener", "elasticloadbalancing:ModifyRule"]
    resources = [for r in ["listener/app/${local.name}/*", "listener-rule/app/${local.name}/*"] :
      "${local.p}:elasticloadbalancing:${local.region}:${local.account}:${r}"
    ]
  }
}

resource "aws_iam_policy" "boundary" {
  name        = "${local.name}-boundary"
  description = "Permissions boundary of the hn-reader ${terraform.workspace} stack roles (terraform/deploy-role)"
  policy      = data.aws_iam_policy_document.boundary.json
}
