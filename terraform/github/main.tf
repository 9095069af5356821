# GitHub settings of the repository, in code: the environments and who approves them, the
# branch rules of main, the Actions variables the workflows read, the OIDC subject claim.
# Applied by a repository administrator (GITHUB_TOKEN with admin:repo, or a GitHub App):
#   cd terraform/github && terraform init && terraform apply
# The integrations/github provider is not in this machine's provider mirror, so offline
# it is checked by terraform fmt, checkov and tools/pipeline/github_settings_check.py
# (against the workflows); init and validate run online in ci.yml (make github-validate).

terraform {
  required_version = ">= 1.10.0"
  required_providers {
    github = {
      source  = "integrations/github"
      version = "~> 6.6"
    }
  }
}

module "settings" {
  source    = "../modules/settings"
  workspace = "prod" # any valid workspace: only the tooling and account outputs are used
}

locals {
  tooling    = module.settings.tooling
  owner      = split("/", local.tooling.github_repo)[0]
  repository = split("/", local.tooling.github_repo)[1]
  accounts   = module.settings.accounts
}

provider "github" {
  owner = local.owner
}

variable "release_approvers_team" {
  description = "Slug of the GitHub team whose members approve prod deployments (its saved plan)."
  type        = string
  default     = "hn-reader-release"
}

data "github_team" "release_approvers" {
  slug = var.release_approvers_team
}
