terraform {
  # use_lockfile (S3-native state locking) needs Terraform >= 1.10.
  required_version = ">= 1.10.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # make tf-check validates and plans offline with 5.100.0 (the machine's provider
      # mirror, AWS_PROVIDER_MIRROR_VERSION in tools/versions.env); online it gets the
      # newest 6.x. Keep the code inside what both lines accept.
      version = ">= 5.100.0, < 7.0.0"
    }
  }

  # Partial configuration: `terraform init -backend-config=backend.hcl`
  # (copy backend.hcl.example). Each workspace gets its own key:
  # <workspace_key_prefix>/<workspace>/<key>.
  backend "s3" {}
}
