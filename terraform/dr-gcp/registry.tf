# The mirror of the tooling account's ECR repository: the pipeline copies each promoted digest
# here (scripts/mirror-image.sh) and checks the copy has the same digest.

resource "google_artifact_registry_repository" "app" {
  #checkov:skip=CKV_GCP_84: The image is the public site's build (no secrets, the same bytes as ECR's) and Google encrypts it at rest; a customer key would add a key ring and the registry agent's grant for no confidentiality gain.
  repository_id = "hn-reader"
  format        = "DOCKER"
  location      = local.cloud.region
  description   = "hn-reader images mirrored from ECR by digest"

  docker_config {
    immutable_tags = true
  }

  # Keep what the last deployments ran, like the ECR lifecycle (terraform/bootstrap).
  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 30
    }
  }
}

locals {
  image_repository = "${local.cloud.region}-docker.pkg.dev/${local.cloud.project_id}/${google_artifact_registry_repository.app.repository_id}/hn-reader"
}
