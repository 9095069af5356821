terraform {
  # use_lockfile (S3-native state locking) needs Terraform >= 1.10.
  required_version = ">= 1.10.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # The offline names check (make tf-check) validates against the 6.25 schema
      # shipped in @cdktf/provider-aws 21.x; keep this range on 6.x from 6.25 on.
      version = ">= 6.25.0, < 7.0.0"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.6.0, < 4.0.0"
    }
  }

  # Partial configuration: `terraform init -backend-config=backend.hcl`
  # (copy backend.hcl.example). Each workspace gets its own key:
  # <workspace_key_prefix>/<workspace>/<key>.
  backend "s3" {}
}
