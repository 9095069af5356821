# Bootstrap of the tooling account, applied once by an administrator with local state
# (then optionally migrated into the bucket it creates):
#   - the S3 bucket holding the state of every workspace (terraform/backend.hcl)
#   - the ECR repository: images are built once and pulled cross-account by dev/int/prod
#   - the GitHub OIDC provider and one role per pipeline job kind (github-oidc.tf)
#   - the CodeBuild-hosted GitHub Actions runners (runners.tf) and the pipeline logs (pipeline-logs.tf)
# Names and account ids come from the same settings module as the main root.

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
  workspace = "prod" # any valid workspace: only the tooling/all-accounts outputs are used
}

locals {
  tooling  = module.settings.tooling
  accounts = module.settings.all_account_ids
  # The standby regions of the workspaces (ecr-replication.tf). One provider alias serves
  # them, so there may be one; a second needs a second alias and replica here.
  replica_region = one(keys(local.tooling.ecr_replicas))
}

provider "aws" {
  region              = local.tooling.region
  allowed_account_ids = [local.tooling.account_id]
  default_tags {
    tags = {
      app          = "hn-reader"
      env          = "tooling"
      repo         = local.tooling.github_repo
      "managed-by" = "terraform"
    }
  }
}

# The standby region of the workspaces: the image's replica (ecr-replication.tf).
provider "aws" {
  alias               = "replica"
  region              = local.replica_region
  allowed_account_ids = [local.tooling.account_id]
  default_tags {
    tags = {
      app          = "hn-reader"
      env          = "tooling"
      repo         = local.tooling.github_repo
      "managed-by" = "terraform"
    }
  }
}

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109: Key policy: "*" as resource means "this key"; only the account root administers it.
  #checkov:skip=CKV_AWS_111: Key policy: "*" as resource means "this key"; only the account root administers it.
  #checkov:skip=CKV_AWS_356: Key policy: the only valid resource in a KMS key policy is "*" (the key itself).
  statement {
    sid       = "AccountAdmin"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${local.tooling.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "tooling" {
  description         = "hn-reader tooling: Terraform state and ECR"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "tooling" {
  name          = "alias/hn-reader-tooling"
  target_key_id = aws_kms_key.tooling.key_id
}

output "state_bucket" {
  value = aws_s3_bucket.state.bucket
}

output "ecr_repository_url" {
  value = aws_ecr_repository.app.repository_url
}

output "ecr_replica_url" {
  description = "The release repository's replica in the standby region (what the standby's tasks pull)."
  value       = aws_ecr_repository.replica.repository_url
}

output "github_role_arns" {
  description = "The GitHub OIDC roles (github-oidc.tf): role name => ARN; terraform/github sets them as variables."
  value       = { for k, r in aws_iam_role.github : k => r.arn }
}

output "ecr_pr_repository_url" {
  value = aws_ecr_repository.pr.repository_url
}

output "ecr_ci_repository_url" {
  value = aws_ecr_repository.ci.repository_url
}

output "runner_label" {
  description = "runs-on prefix of the CodeBuild-hosted runners: codebuild-<project>-<run id>-<attempt>; null until tooling.ci_image_digest is set (runners.tf)"
  value       = length(aws_codebuild_project.runner) == 0 ? null : "codebuild-${aws_codebuild_project.runner[0].name}"
}
