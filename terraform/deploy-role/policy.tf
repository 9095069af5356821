# Permissions of the deploy role: what the main root (terraform/*.tf) needs to plan, apply
# and destroy its workspace, and what scripts/sync-static.sh needs (static bucket + its key).
#
#   by_name    resources the main root names: hn-reader-<workspace>[-...] (its local.name),
#              log groups /hn-reader/<workspace>/... and aws-waf-logs-hn-reader-<workspace>,
#              the SSM parameter /hn-reader/<workspace>/...; KMS keys by their tags.
#   by_region  APIs whose resources AWS names (VPC ids, distribution ids, ...) or that have
#              no resource-level permissions: "*", limited to the regions the main root
#              uses with aws:RequestedRegion (the workspace's regions, primary and standby;
#              us-east-1 for what its us_east_1 provider alias holds).
# Each regional stack (modules/region) names its resources with its own prefix
# (local.stacks): the statements on names are per region.
#   guardrails explicit denies.
# Every stack role carries the permissions boundary of boundary.tf; the IAM statements
# below and the guardrails make that a precondition of creating or empowering a role.
#
# Not granted because not needed: ECR (tasks pull with their execution role; the image URL
# is a string), the state bucket (tooling account; the CI role's own policy),
# sts:GetCallerIdentity (needs no permission).

locals {
  p = "arn:${local.partition}"
  # The main root's roles (iam.tf); the deploy role itself (hn-reader-deploy) does not match.
  stack_roles = "${local.p}:iam::${local.account}:role/${local.name}-*"
}

data "aws_iam_policy_document" "by_name" {
  statement {
    sid     = "LoadBalancer"
    actions = ["elasticloadbalancing:*"]
    resources = flatten([for region, name in local.stacks : [for r in [
      "loadbalancer/app/${name}/*",
      "listener/app/${name}/*",
      "listener-rule/app/${name}/*",
      "targetgroup/${name}-*/*", # -blue, -green
    ] : "${local.p}:elasticloadbalancing:${region}:${local.account}:${r}"]])
  }

  # The static bucket (also written by scripts/sync-static.sh), the ALB and CloudFront log
  # buckets; force_destroy (dev) empties them.
  statement {
    sid     = "Buckets"
    actions = ["s3:*"]
    resources = flatten([for b in ["static", "logs", "cdn-logs"] : [for name in distinct(values(local.stacks)) : [
      "${local.p}:s3:::${name}-${b}-${local.account}",
      "${local.p}:s3:::${name}-${b}-${local.account}/*",
    ]]])
  }

  # Key ids are assigned by AWS: keys are matched by the tags the provider's default_tags
  # set at creation (KmsCreateKey), so other keys of the account stay out of reach.
  statement {
    sid       = "KmsKeys"
    actions   = ["kms:*"]
    resources = [for r in local.regions : "${local.p}:kms:${r}:${local.account}:key/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/app"
      values   = ["hn-reader"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/env"
      values   = [terraform.workspace]
    }
  }

  # CreateKey with tags (the provider sends default_tags) is also authorized as
  # kms:TagResource, while the key has no tags yet: match the tags of the request. (The
  # guardrails stop this from re-tagging a key that belongs to something else.)
  statement {
    sid       = "KmsTagOnCreate"
    actions   = ["kms:TagResource"]
    resources = [for r in local.regions : "${local.p}:kms:${r}:${local.account}:key/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/app"
      values   = ["hn-reader"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/env"
      values   = [terraform.workspace]
    }
  }

  statement {
    sid       = "KmsAlias"
    actions   = ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"]
    resources = [for region, name in local.stacks : "${local.p}:kms:${region}:${local.account}:alias/${name}"]
  }

  statement {
    sid     = "LogGroups"
    actions = ["logs:*"]
    resources = concat(
      [for region in keys(local.stacks) : "${local.p}:logs:${region}:${local.account}:log-group:/hn-reader/${terraform.workspace}/*"],
      [
        "${local.p}:logs:us-east-1:${local.account}:log-group:aws-waf-logs-${local.name}",
        "${local.p}:logs:us-east-1:${local.account}:log-group:aws-waf-logs-${local.name}:*",
      ],
    )
  }

  statement {
    sid     = "AlarmsAndDashboard"
    actions = ["cloudwatch:*"]
    resources = concat(
      [for r in local.regions : "${local.p}:cloudwatch:${r}:${local.account}:alarm:${local.name}-*"],
      # target tracking alarms: Application Auto Scaling creates them with the caller's permissions
      [for region, name in local.stacks : "${local.p}:cloudwatch:${region}:${local.account}:alarm:TargetTracking-service/${name}/*"],
      ["${local.p}:cloudwatch::${local.account}:dashboard/${local.name}-*"],
    )
  }

  statement {
    sid     = "AlarmTopics"
    actions = ["sns:*"]
    resources = concat(
      [for region, name in local.stacks : "${local.p}:sns:${region}:${local.account}:${name}-alarms"],
      ["${local.p}:sns:us-east-1:${local.account}:${local.name}-alarms"], # the WAF alarm's topic
    )
  }

  statement {
    sid       = "OriginSecretParameter"
    actions   = ["ssm:*"]
    resources = [for region in keys(local.stacks) : "${local.p}:ssm:${region}:${local.account}:parameter/hn-reader/${terraform.workspace}/*"]
  }

  # CodeDeploy (BLUE_GREEN): the application and deployment group, and the deployments
  # scripts/deploy.sh starts; reading the predefined deployment configurations.
  statement {
    sid     = "CodeDeploy"
    actions = ["codedeploy:*"]
    resources = flatten([for region, name in local.stacks : [
      "${local.p}:codedeploy:${region}:${local.account}:application:${name}",
      "${local.p}:codedeploy:${region}:${local.account}:deploymentgroup:${name}/*",
    ]])
  }

  statement {
    sid       = "CodeDeployConfigs"
    actions   = ["codedeploy:GetDeploymentConfig"]
    resources = [for region in keys(local.stacks) : "${local.p}:codedeploy:${region}:${local.account}:deploymentconfig:*"]
  }

  # Route 53 health checks of the regions (modules/region/health.tf); they have no names, and
  # Route 53 is global.
  statement {
    sid = "HealthChecks"
    actions = [
      "route53:CreateHealthCheck", "route53:UpdateHealthCheck", "route53:DeleteHealthCheck",
      "route53:GetHealthCheck", "route53:GetHealthCheckStatus", "route53:ChangeTagsForResource", "route53:ListTagsForResource",
    ]
    resources = ["${local.p}:route53:::healthcheck/*"]
  }

  # Certificate validation records and aliases, only in this workspace's zone (dev has none).
  dynamic "statement" {
    for_each = local.settings.hosted_zone_id == null ? [] : [local.settings.hosted_zone_id]
    content {
      sid       = "Route53Records"
      actions   = ["route53:GetHostedZone", "route53:ListResourceRecordSets", "route53:ChangeResourceRecordSets", "route53:GetChange"]
      resources = ["${local.p}:route53:::hostedzone/${statement.value}", "${local.p}:route53:::change/*"]
    }
  }

  # ---- IAM (iam.tf): only the stack's roles hn-reader-<workspace>-*, never this role
  # (hn-reader-deploy); no users, groups or customer-managed policies. Whatever grants
  # permissions to a role needs the role to carry the boundary (boundary.tf) ----

  # Removing permissions (DeleteRolePolicy, DetachRolePolicy) needs no boundary condition.
  # UpdateAssumeRolePolicy cannot have one (iam:PermissionsBoundary is not in its request
  # context); whoever it lets assume a role still gets at most the boundary.
  statement {
    sid = "StackRoles"
    actions = [
      "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole", "iam:UpdateRoleDescription",
      "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:ListRoleTags",
      "iam:GetRolePolicy", "iam:DeleteRolePolicy", "iam:ListRolePolicies",
      "iam:ListAttachedRolePolicies", "iam:DetachRolePolicy", "iam:ListInstanceProfilesForRole",
    ]
    resources = [local.stack_roles]
  }

  statement {
    sid       = "StackRolesWithBoundary"
    actions   = ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"]
    resources = [local.stack_roles]
    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [aws_iam_policy.boundary.arn]
    }
  }

  # Task definition (execution and task roles), CodeDeploy deployment group, flow log.
  statement {
    sid       = "PassStackRoles"
    actions   = ["iam:PassRole"]
    resources = [local.stack_roles]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com", "codedeploy.amazonaws.com", "vpc-flow-logs.amazonaws.com"]
    }
  }

  # Created on first use in a fresh account by the ECS cluster, the ALB, the ECS scalable
  # target and WAF logging.
  statement {
    sid       = "ServiceLinkedRoles"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["${local.p}:iam::${local.account}:role/aws-service-role/*"]
    condition {
      test     = "StringEquals"
      variable = "iam:AWSServiceName"
      values   = ["ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com", "ecs.application-autoscaling.amazonaws.com", "wafv2.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "by_region" {
  #checkov:skip=CKV_AWS_111: Every "*" statement here is for resources whose ids AWS assigns (VPC, ECS task definitions, distributions, certificates, web ACL) or actions without resource-level permissions; each is limited to the main root's regions with aws:RequestedRegion (CloudFront is global), and each environment account is dedicated to this stack.
  #checkov:skip=CKV_AWS_356: Same: the ARNs of these resources are not known before AWS creates them, so name-based scoping is impossible; the region condition and the dedicated account bound them. Everything the stack names is scoped in the by_name document.

  # ---- network.tf, the security groups of alb.tf and service.tf, reads of the ALB ----
  statement {
    sid = "Network"
    actions = [
      "ec2:Describe*", "elasticloadbalancing:Describe*",
      "ec2:GetManagedPrefixListEntries", # data.aws_ec2_managed_prefix_list (CloudFront origin-facing)
      "ec2:CreateTags", "ec2:DeleteTags",
      "ec2:CreateVpc", "ec2:DeleteVpc", "ec2:ModifyVpcAttribute",
      "ec2:CreateSubnet", "ec2:DeleteSubnet", "ec2:ModifySubnetAttribute",
      "ec2:CreateInternetGateway", "ec2:DeleteInternetGateway", "ec2:AttachInternetGateway", "ec2:DetachInternetGateway",
      "ec2:AllocateAddress", "ec2:ReleaseAddress", "ec2:DisassociateAddress",
      "ec2:CreateNatGateway", "ec2:DeleteNatGateway",
      "ec2:CreateRouteTable", "ec2:DeleteRouteTable", "ec2:CreateRoute", "ec2:DeleteRoute", "ec2:ReplaceRoute",
      "ec2:AssociateRouteTable", "ec2:DisassociateRouteTable", "ec2:ReplaceRouteTableAssociation",
      "ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup", "ec2:ModifySecurityGroupRules",
      "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
      "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress",
      "ec2:CreateVpcEndpoint", "ec2:DeleteVpcEndpoints", "ec2:ModifyVpcEndpoint",
      "ec2:CreateFlowLogs", "ec2:DeleteFlowLogs",
    ]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = keys(local.stacks)
    }
  }

  # Interface endpoints with private DNS associate the VPC with an AWS-owned private hosted
  # zone; that is authorized against the caller.
  statement {
    sid       = "EndpointPrivateDns"
    actions   = ["route53:AssociateVPCWithHostedZone"]
    resources = ["${local.p}:route53:::hostedzone/*"]
  }

  # ---- service.tf ----
  statement {
    sid       = "EcsAndAutoScaling"
    actions   = ["ecs:*", "application-autoscaling:*"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = keys(local.stacks)
    }
  }

  # ---- edge.tf: CloudFront is global; the CLOUDFRONT-scope web ACL lives in us-east-1 ----
  statement {
    sid = "CloudFront"
    actions = [
      "cloudfront:Get*", "cloudfront:List*", "cloudfront:Create*", "cloudfront:Update*", "cloudfront:Delete*",
      "cloudfront:TagResource", "cloudfront:UntagResource",
    ]
    resources = ["*"]
  }

  statement {
    sid = "WebAcl"
    actions = [
      "wafv2:Get*", "wafv2:List*", "wafv2:CheckCapacity",
      "wafv2:CreateWebACL", "wafv2:UpdateWebACL", "wafv2:DeleteWebACL",
      "wafv2:PutLoggingConfiguration", "wafv2:DeleteLoggingConfiguration",
      "wafv2:TagResource", "wafv2:UntagResource",
    ]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = ["us-east-1"]
    }
  }

  # scripts/deploy.sh: each region's ReleaseRun metric after its deployment (the dashboards'
  # release-per-region widget); PutMetricData has no resources, only the namespace key.
  statement {
    sid       = "ReleaseMetric"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = ["hn-reader/${terraform.workspace}"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = keys(local.stacks)
    }
  }

  # WAF logging to CloudWatch Logs: AWS WAF writes the log group's resource policy with the
  # caller's permissions (the set the WAF developer guide lists).
  statement {
    sid       = "WafLogDelivery"
    actions   = ["logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = ["us-east-1"]
    }
  }

  # Origin certificate in the workspace region, viewer certificate in us-east-1.
  statement {
    sid       = "Certificates"
    actions   = ["acm:*"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = local.regions
    }
  }

  # Lists, and actions on things named by AWS: SNS e-mail subscriptions, the anomaly
  # detection model behind the WAF alarm's ANOMALY_DETECTION_BAND.
  statement {
    sid = "ListsAndAwsNamed"
    actions = [
      "kms:ListAliases", "logs:Describe*", "ssm:DescribeParameters",
      "secretsmanager:GetRandomPassword", # the origin secret (alb.tf)
      "cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*",
      "cloudwatch:PutAnomalyDetector", "cloudwatch:DeleteAnomalyDetector",
      "sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes", "sns:Unsubscribe",
    ]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = local.regions
    }
  }

  # Keys only with the stack's tags: KmsKeys in by_name matches on them.
  statement {
    sid       = "KmsCreateKey"
    actions   = ["kms:CreateKey"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = local.regions
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/app"
      values   = ["hn-reader"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/env"
      values   = [terraform.workspace]
    }
  }
}

# Explicit denies: they hold even if someone later attaches a broader policy to this role.
data "aws_iam_policy_document" "guardrails" {
  # No long-lived credentials: the stack has no IAM users, keys or passwords.
  statement {
    sid    = "DenyIamUsersAndCredentials"
    effect = "Deny"
    actions = [
      "iam:*User*", "iam:*AccessKey*", "iam:*LoginProfile*",
      "iam:*ServiceSpecificCredential*", "iam:*SSHPublicKey*", "iam:*SigningCertificate*",
    ]
    resources = ["*"]
  }

  # The role cannot widen its own permissions or trust; it may only read itself.
  statement {
    sid         = "DenyChangingThisRole"
    effect      = "Deny"
    not_actions = ["iam:Get*", "iam:List*"]
    resources   = [aws_iam_role.deploy.arn]
  }

  # No role without the boundary: creating one, or giving one permissions, needs the
  # boundary set (a missing iam:PermissionsBoundary matches StringNotEquals), and no
  # boundary may be removed.
  statement {
    sid       = "DenyRolesWithoutBoundary"
    effect    = "Deny"
    actions   = ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:AttachRolePolicy"]
    resources = ["${local.p}:iam::${local.account}:role/*"]
    condition {
      test     = "StringNotEquals"
      variable = "iam:PermissionsBoundary"
      values   = [aws_iam_policy.boundary.arn]
    }
  }

  # KmsTagOnCreate matches the request's tags only: it must not move a key that already
  # belongs to something else (its app tag says so) into this stack's reach.
  statement {
    sid       = "DenyRetaggingOtherKeys"
    effect    = "Deny"
    actions   = ["kms:TagResource", "kms:UntagResource"]
    resources = ["*"]
    condition {
      test     = "Null"
      variable = "aws:ResourceTag/app"
      values   = ["false"]
    }
    condition {
      test     = "StringNotEquals"
      variable = "aws:ResourceTag/app"
      values   = ["hn-reader"]
    }
  }

  statement {
    sid       = "DenyRemovingBoundaries"
    effect    = "Deny"
    actions   = ["iam:DeleteRolePermissionsBoundary"]
    resources = ["${local.p}:iam::${local.account}:role/*"]
  }

  # The boundary belongs to this root (an administrator), not to the pipeline: read only.
  statement {
    sid         = "DenyChangingTheBoundary"
    effect      = "Deny"
    not_actions = ["iam:Get*", "iam:List*"]
    resources   = [aws_iam_policy.boundary.arn]
  }
}
