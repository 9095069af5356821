# Least-privilege roles. The deploy role Terraform assumes is created by terraform/deploy-role
# (see README, Bootstrap); nothing here grants more than the named resources need.
# Every role carries the permissions boundary hn-reader-<workspace>-boundary, created by
# terraform/deploy-role (boundary.tf): the deploy role may create or empower a role only
# with it, so the ceiling of these roles is set by an administrator, not by the pipeline.

locals {
  # Built from the name, not read: the deploy role has no iam:GetPolicy.
  permissions_boundary_arn = "arn:${local.partition}:iam::${local.account_id}:policy/hn-reader-${local.env}-boundary"

  # Trust policies of the service roles below, one per service principal. Every one is limited
  # to this account (confused-deputy guard); the task roles also to ECS resources in this region.
  service_role_trust = {
    ecs_tasks  = { service = "ecs-tasks.amazonaws.com", source_arn = "arn:${local.partition}:ecs:${local.region}:${local.account_id}:*" }
    codedeploy = { service = "codedeploy.amazonaws.com", source_arn = null }
    flow_logs  = { service = "vpc-flow-logs.amazonaws.com", source_arn = null }
  }
}

data "aws_iam_policy_document" "assume" {
  for_each = local.service_role_trust
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = [each.value.service]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    dynamic "condition" {
      for_each = each.value.source_arn == null ? [] : [each.value.source_arn]
      content {
        test     = "ArnLike"
        variable = "aws:SourceArn"
        values   = [condition.value]
      }
    }
  }
}

# ---- execution role: pull the image from the tooling account's ECR, write logs ----

resource "aws_iam_role" "execution" {
  name                 = "${local.name}-execution"
  assume_role_policy   = data.aws_iam_policy_document.assume["ecs_tasks"].json
  permissions_boundary = local.permissions_boundary_arn
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "EcrAuth"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # this action has no resource-level permissions
  }

  statement {
    sid       = "EcrPullAppImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [var.ecr_repository.arn] # this region's repository or replica
  }

  statement {
    sid       = "AppLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.app.arn}:*"]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "pull-image-and-log"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# ---- task role: the app's one AWS call, reading each region's release record for /status
# (release.tf); the role also keeps anything from falling back to another identity ----

resource "aws_iam_role" "task" {
  name                 = "${local.name}-task"
  assume_role_policy   = data.aws_iam_policy_document.assume["ecs_tasks"].json
  permissions_boundary = local.permissions_boundary_arn
}

data "aws_iam_policy_document" "task" {
  statement {
    sid       = "ReadReleaseRecords"
    actions   = ["ssm:GetParameter"]
    resources = [for r in var.release_regions : "arn:${local.partition}:ssm:${r}:${local.account_id}:parameter${local.deployed_digest_parameter}"]
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "read-release-records"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

# ---- CodeDeploy (BLUE_GREEN workspaces): the role CodeDeploy uses to create the replacement
# task set, move the listener rules and delete the original task set. The actions of the
# AWS managed AWSCodeDeployRoleForECS that an ECS deployment without hooks needs, on this
# stack only ----

resource "aws_iam_role" "codedeploy" {
  count                = local.is_blue_green ? 1 : 0
  name                 = "${local.name}-codedeploy"
  assume_role_policy   = data.aws_iam_policy_document.assume["codedeploy"].json
  permissions_boundary = local.permissions_boundary_arn
}

data "aws_iam_policy_document" "codedeploy" {
  #checkov:skip=CKV_AWS_356: Only the Reads statement has "*": elasticloadbalancing:Describe* and cloudwatch:DescribeAlarms have no resource-level permissions; the writes are scoped to this stack's service, task sets, listeners and rules.
  statement {
    sid       = "TaskSets"
    actions   = ["ecs:DescribeServices", "ecs:CreateTaskSet", "ecs:UpdateServicePrimaryTaskSet", "ecs:DeleteTaskSet"]
    resources = ["arn:${local.partition}:ecs:${local.region}:${local.account_id}:service/${local.name}/${local.name}", "arn:${local.partition}:ecs:${local.region}:${local.account_id}:task-set/${local.name}/${local.name}/*"]
  }

  statement {
    sid       = "Reads"
    actions   = ["elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTargetGroups", "cloudwatch:DescribeAlarms"]
    resources = ["*"] # Describe* have no resource-level permissions
  }

  statement {
    sid       = "ShiftTraffic"
    actions   = ["elasticloadbalancing:ModifyListener", "elasticloadbalancing:ModifyRule"]
    resources = concat([for l in local.deployment_listeners : l.arn], [aws_lb_listener_rule.app.arn], aws_lb_listener_rule.test[*].arn)
  }

  statement {
    sid       = "PassTaskRoles"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.execution.arn, aws_iam_role.task.arn]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "codedeploy" {
  count  = local.is_blue_green ? 1 : 0
  name   = "ecs-blue-green"
  role   = aws_iam_role.codedeploy[0].id
  policy = data.aws_iam_policy_document.codedeploy.json
}

# ---- VPC flow logs ----

resource "aws_iam_role" "flow_logs" {
  name                 = "${local.name}-flow-logs"
  assume_role_policy   = data.aws_iam_policy_document.assume["flow_logs"].json
  permissions_boundary = local.permissions_boundary_arn
}

data "aws_iam_policy_document" "flow_logs" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["${aws_cloudwatch_log_group.flow_logs.arn}:*"]
  }
}

resource "aws_iam_role_policy" "flow_logs" {
  name   = "write-flow-logs"
  role   = aws_iam_role.flow_logs.id
  policy = data.aws_iam_policy_document.flow_logs.json
}
