# The second cloud: the same image (mirrored by the pipeline, scripts/mirror-image.sh) on
# Cloud Run behind a global HTTPS load balancer with Cloud Armor, a warm or cold standby
# for when AWS (both regions, or CloudFront) is lost. `make failover-cloud` points the public
# records at it; `make failback-cloud` points them back (scripts/failover-cloud.sh,
# docs/disaster-recovery.md). Workspaces int and prod, with the settings' second_cloud.

module "settings" {
  source    = "../modules/settings"
  workspace = terraform.workspace
}

locals {
  settings = module.settings.settings
  cloud    = local.settings.second_cloud
  name     = "hn-reader-${terraform.workspace}"
  domain   = local.settings.domain_name

  # ---------------------------------------------------------------------------
  # Contract with the app and the image, as in ../modules/region/locals.tf. Literal values
  # on purpose: the app's consistency test (tests/infra_consistency.rs) parses them.
  # ---------------------------------------------------------------------------
  container_port    = 8080
  liveness_path     = "/healthz"
  health_check_path = "/readyz"
  # Cloud Run allows this long per request; more than the app's own REQUEST_TIMEOUT_SECS
  # (15), so the app answers a slow request itself.
  request_timeout_secs = 30
  # Cloud Run sends SIGTERM and kills 10 s later: the app's grace must end before that.
  container_environment = {
    LEPTOS_SITE_ADDR    = "0.0.0.0:8080"
    HN_API_URL          = "https://hacker-news.firebaseio.com/v0"
    LOG_FORMAT          = "json"
    RUST_LOG            = "info"
    SHUTDOWN_GRACE_SECS = "8"
    HSTS_ENABLED        = "true"
    METRICS_ADDR        = "127.0.0.1:9100"
  }
}

provider "google" {
  project = local.cloud.project_id
  region  = local.cloud.region

  default_labels = {
    app        = "hn-reader"
    env        = terraform.workspace
    managed-by = "terraform"
  }
}

check "workspace_has_a_second_cloud" {
  assert {
    condition     = local.cloud != null
    error_message = "This workspace has no second_cloud in modules/settings: only int and prod run on the second cloud."
  }
}
