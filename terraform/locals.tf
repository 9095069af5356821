module "settings" {
  source    = "./modules/settings"
  workspace = terraform.workspace
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  settings = module.settings.settings
  tooling  = module.settings.tooling
  failover = module.settings.failover
  env      = terraform.workspace
  name     = "hn-reader-${terraform.workspace}"

  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = local.settings.region # the default provider's region: the primary

  regions       = module.settings.regions # primary, and standby when the settings have one
  has_standby   = local.settings.has_standby
  has_domain    = local.settings.has_domain
  public_host   = local.has_domain ? local.settings.domain_name : aws_cloudfront_distribution.this.domain_name
  is_blue_green = local.settings.deployment_strategy == "BLUE_GREEN"

  default_tags = {
    app          = "hn-reader"
    env          = terraform.workspace
    repo         = local.tooling.github_repo
    "managed-by" = "terraform"
  }
}
