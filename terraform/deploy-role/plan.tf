# The read-only role the pipeline plans with (deploy-env.yml, job plan; pr.yml for dev):
# the main root's provider assumes it when given -var terraform_role_arn=<this role>
# (an ephemeral variable, so a saved plan is applied with the deploy role). It reads what
# a plan refreshes and nothing else: no writes, no IAM changes. Trusted by this
# environment's tooling plan role, and for dev by the pull-request role.

data "aws_iam_policy_document" "plan_trust" {
  statement {
    sid     = "ToolingPlanRoles"
    actions = ["sts:AssumeRole", "sts:TagSession"]
    principals {
      type        = "AWS"
      identifiers = local.plan_trusted
    }
  }
}

resource "aws_iam_role" "plan" {
  name                 = "hn-reader-plan"
  description          = "Read-only Terraform plan role of hn-reader ${terraform.workspace} (terraform/deploy-role/plan.tf)"
  assume_role_policy   = data.aws_iam_policy_document.plan_trust.json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "plan" {
  #checkov:skip=CKV_AWS_356: Read-only describe/list/get actions of the services the stack uses; most take no resource ARN (Describe*), and the account is dedicated to this stack.
  statement {
    sid = "ReadTheStack"
    actions = [
      "acm:DescribeCertificate", "acm:ListTagsForCertificate",
      "application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScalingPolicies", "application-autoscaling:ListTagsForResource",
      "cloudfront:GetCachePolicy", "cloudfront:GetDistribution", "cloudfront:GetOriginAccessControl", "cloudfront:GetOriginRequestPolicy",
      "cloudfront:GetResponseHeadersPolicy", "cloudfront:ListTagsForResource",
      "cloudwatch:DescribeAlarms", "cloudwatch:GetDashboard", "cloudwatch:ListTagsForResource",
      "codedeploy:GetApplication", "codedeploy:GetDeploymentGroup", "codedeploy:ListTagsForResource",
      "ec2:Describe*", "ec2:GetManagedPrefixListEntries",
      "ecs:DescribeClusters", "ecs:DescribeServices", "ecs:DescribeTaskDefinition", "ecs:ListTagsForResource",
      "elasticloadbalancing:Describe*",
      "iam:GetPolicy", "iam:GetPolicyVersion", "iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:ListRolePolicies",
      "kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListResourceTags",
      "logs:DescribeLogGroups", "logs:DescribeMetricFilters", "logs:DescribeResourcePolicies", "logs:ListTagsForResource", "logs:ListTagsLogGroup",
      "route53:GetChange", "route53:GetHostedZone", "route53:ListResourceRecordSets", "route53:ListTagsForResource",
      "s3:GetAccelerateConfiguration", "s3:GetBucket*", "s3:GetEncryptionConfiguration", "s3:GetLifecycleConfiguration",
      "s3:GetReplicationConfiguration", "s3:ListBucket", "s3:ListBucketVersions",
      "secretsmanager:GetRandomPassword",
      "sns:GetSubscriptionAttributes", "sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic", "sns:ListTagsForResource",
      "ssm:DescribeParameters", "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:ListTagsForResource",
      "wafv2:GetLoggingConfiguration", "wafv2:GetWebACL", "wafv2:ListTagsForResource",
    ]
    resources = ["*"]
    # CloudFront, IAM and Route 53 are global: their calls carry us-east-1, which is in the list.
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = local.regions
    }
  }
  # The plan reads the origin secret's SecureString parameter (stack keys, by tag).
  statement {
    sid       = "DecryptStackParameters"
    actions   = ["kms:Decrypt"]
    resources = [for r in local.regions : "${local.p}:kms:${r}:${local.account}:key/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/app"
      values   = ["hn-reader"]
    }
  }
}

resource "aws_iam_role_policy" "plan" {
  name   = "read-the-stack"
  role   = aws_iam_role.plan.id
  policy = data.aws_iam_policy_document.plan.json
}

output "plan_role_arn" {
  description = "The read-only plan role (the pipeline passes it as terraform_role_arn)."
  value       = aws_iam_role.plan.arn
}
