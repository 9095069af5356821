terraform {
  required_version = ">= 1.10.0"

  required_providers {
    google = {
      source = "hashicorp/google"
      # Offline, make tf-check checks names against 6.50.0's schema (tools/gcp-schema, npm
      # @cdktf/provider-google 16.12.1); online, the workflow validates with the newest 6.x.
      version = ">= 6.50.0, < 7.0.0"
    }
  }

  # State in GCP, not in the AWS state bucket: this root must apply when AWS is gone.
  # `terraform init -backend-config=backend.hcl` (copy backend.hcl.example); one key per workspace.
  backend "gcs" {}
}
