# The deploy role of one environment account: the role the main root's aws provider
# assumes (modules/settings deploy_role_arn), trusted only by this environment's deploy
# role in the tooling account (hn-reader-<env>-deploy); and the read-only plan role (plan.tf).
# Applied once per environment account by an administrator of that account, with local
# state, one Terraform workspace per environment (as in the main root):
#   terraform init && terraform workspace select -or-create dev && terraform apply
# Its permissions (policy.tf) are what the main root needs to plan, apply and destroy,
# and what scripts/sync-static.sh needs; nothing else. boundary.tf is the permissions
# boundary the main root's roles must carry, so apply this root before the main root.

terraform {
  required_version = ">= 1.10.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0, < 7.0.0" # see ../versions.tf
    }
  }
}

module "settings" {
  source    = "../modules/settings"
  workspace = terraform.workspace
}

variable "break_glass_principal_arns" {
  description = "IAM roles (e.g. your SSO administrator role, ARN with its path) that may also assume the deploy role, to run the main root by hand. Default: only the tooling account's CI role."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.break_glass_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", a))])
    error_message = "break_glass_principal_arns: give IAM role ARNs (arn:aws:iam::<account>:role/...)."
  }
}

data "aws_partition" "current" {}

locals {
  settings  = module.settings.settings
  tooling   = module.settings.tooling
  partition = data.aws_partition.current.partition
  account   = local.settings.account_id
  region    = local.settings.region
  # The main root's provider alias us_east_1 holds the WAF web ACL and its log group, the
  # CloudFront viewer certificate, a KMS key, an SNS topic and the WAF alarm.
  regions = distinct(concat(keys(local.stacks), ["us-east-1"]))
  # The main root's regional stacks (modules/region): region => its name prefix
  # (hn-reader-<env> in the primary, hn-reader-<env>-<code> in the standby).
  stacks = { for r in values(module.settings.regions) : r.region => r.name }
  # Prefix of every name the main root gives its resources (its local.name).
  name = "hn-reader-${terraform.workspace}"

  role_name = regex("[^/]+$", local.settings.deploy_role_arn)
  # bootstrap/github-oidc.tf: the tooling-account roles of this environment's GitHub jobs
  ci_role_arn = "arn:${local.partition}:iam::${local.tooling.account_id}:role/hn-reader-${terraform.workspace}-deploy"
  # bootstrap/github-oidc.tf: the game-day drill's role, in the drilled workspace only
  drill_role_arn = terraform.workspace == module.settings.game_day_workspace ? ["arn:${local.partition}:iam::${local.tooling.account_id}:role/hn-reader-${terraform.workspace}-drill"] : []
  plan_trusted = concat(["arn:${local.partition}:iam::${local.tooling.account_id}:role/hn-reader-${terraform.workspace}-plan"],
  terraform.workspace == "dev" ? ["arn:${local.partition}:iam::${local.tooling.account_id}:role/hn-reader-pr"] : [])
}

provider "aws" {
  region              = local.region
  allowed_account_ids = [local.account]
  default_tags {
    tags = {
      app          = "hn-reader"
      env          = terraform.workspace
      repo         = local.tooling.github_repo
      "managed-by" = "terraform"
    }
  }
}

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "ToolingCiRole"
    actions = ["sts:AssumeRole", "sts:TagSession"]
    principals {
      type        = "AWS"
      identifiers = concat([local.ci_role_arn], local.drill_role_arn)
    }
  }

  dynamic "statement" {
    for_each = length(var.break_glass_principal_arns) > 0 ? [1] : []
    content {
      sid     = "BreakGlass"
      actions = ["sts:AssumeRole", "sts:TagSession"]
      principals {
        type        = "AWS"
        identifiers = var.break_glass_principal_arns
      }
    }
  }
}

resource "aws_iam_role" "deploy" {
  name                 = local.role_name
  description          = "Terraform deploy role of hn-reader ${terraform.workspace} (terraform/deploy-role)"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = 3600

  lifecycle {
    postcondition {
      condition     = self.arn == local.settings.deploy_role_arn
      error_message = "The role's ARN differs from deploy_role_arn in terraform/modules/settings: fix the settings (or the role path)."
    }
  }
}

resource "aws_iam_role_policy" "by_name" {
  name   = "stack-resources-by-name"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.by_name.json
}

resource "aws_iam_role_policy" "by_region" {
  name   = "aws-named-resources-by-region"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.by_region.json
}

resource "aws_iam_role_policy" "guardrails" {
  name   = "guardrails"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.guardrails.json
}

output "deploy_role_arn" {
  description = "The deploy role (equals deploy_role_arn of this workspace in modules/settings)."
  value       = aws_iam_role.deploy.arn
}
