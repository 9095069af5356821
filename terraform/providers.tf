# Every environment has its own AWS account. The credentials Terraform starts with
# (CI: the GitHub OIDC role in the tooling account; humans: an SSO session) only
# need to read/write the state bucket and assume each workspace's deploy role.

provider "aws" {
  region = local.settings.region

  assume_role {
    role_arn     = coalesce(var.terraform_role_arn, local.settings.deploy_role_arn)
    session_name = "terraform-hn-reader-${terraform.workspace}"
  }

  allowed_account_ids = [local.settings.account_id]

  default_tags {
    tags = local.default_tags
  }
}

# CloudFront-scoped resources (WAF web ACL and its logs, the viewer certificate) must be in us-east-1.
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"

  assume_role {
    role_arn     = coalesce(var.terraform_role_arn, local.settings.deploy_role_arn)
    session_name = "terraform-hn-reader-${terraform.workspace}"
  }

  allowed_account_ids = [local.settings.account_id]

  default_tags {
    tags = local.default_tags
  }
}

# The standby region (modules/settings: standby_region). A workspace without one still
# configures the alias, on its primary region, and uses it for nothing.
provider "aws" {
  alias  = "standby"
  region = coalesce(local.settings.standby_region, local.settings.region)

  assume_role {
    role_arn     = coalesce(var.terraform_role_arn, local.settings.deploy_role_arn)
    session_name = "terraform-hn-reader-${terraform.workspace}"
  }

  allowed_account_ids = [local.settings.account_id]

  default_tags {
    tags = local.default_tags
  }
}
