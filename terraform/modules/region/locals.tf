data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

data "aws_availability_zones" "available" {
  state = "available"
  # Pin zone identity: the set never grows when AWS adds an AZ (first az_count are used).
  filter {
    name   = "zone-name"
    values = [for z in ["a", "b", "c"] : "${var.region}${z}"]
  }
}

locals {
  settings   = var.settings
  env        = var.env
  name       = var.name
  region     = var.region
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  azs      = slice(data.aws_availability_zones.available.names, 0, local.settings.az_count)
  vpc_cidr = "10.0.0.0/16"

  has_domain    = local.settings.has_domain
  is_blue_green = local.settings.deployment_strategy == "BLUE_GREEN"
  origin_secret = var.origin_header.value
  image_digest  = var.image_digest

  # ---------------------------------------------------------------------------
  # Contract with the app and the container image. Literal values on purpose:
  # the app's consistency test parses them from this file.
  # ---------------------------------------------------------------------------
  container_name          = "hn-reader"
  container_port          = 8080
  container_user          = "65532:65532"
  container_workdir       = "/app"
  container_binary        = "/app/hn-reader"
  container_site_root     = "/app/site"
  container_tmp_path      = "/tmp"
  container_health_cmd    = ["CMD", "/app/hn-reader", "healthcheck"]
  liveness_path           = "/healthz"
  health_check_path       = "/readyz"
  metrics_addr            = "127.0.0.1:9100"
  static_path_pattern     = "/pkg/*"
  shutdown_grace_secs     = 20
  stop_timeout            = 30
  deregistration_delay    = 15
  health_check_interval   = 5
  health_check_timeout    = 3
  health_healthy_count    = 2
  health_unhealthy_count  = 2
  container_health_period = 10

  # Exactly the environment the task sets. Every name must be one the app reads:
  # LEPTOS_SITE_ADDR LEPTOS_SITE_ROOT LEPTOS_SITE_PKG_DIR LEPTOS_OUTPUT_NAME
  # LEPTOS_HASH_FILES LEPTOS_ENV PORT HN_API_URL LOG_FORMAT RUST_LOG SHUTDOWN_GRACE_SECS
  # HSTS_ENABLED METRICS_ADDR REQUEST_TIMEOUT_SECS UPSTREAM_TIMEOUT_MS
  # CACHE_LIST_TTL_SECS CACHE_ITEM_TTL_SECS CACHE_MAX_BYTES
  container_environment = {
    LEPTOS_SITE_ADDR    = "0.0.0.0:8080"
    HN_API_URL          = "https://hacker-news.firebaseio.com/v0"
    LOG_FORMAT          = "json"
    RUST_LOG            = "info"
    SHUTDOWN_GRACE_SECS = "20"
    HSTS_ENABLED        = "true"
    METRICS_ADDR        = "127.0.0.1:9100"
  }
  # The status page's release per region (release.tf): the same record in every region of
  # the workspace, which the task role may read (iam.tf).
  release_environment = {
    RELEASE_PARAMETER = local.deployed_digest_parameter
    RELEASE_REGIONS   = join(",", var.release_regions)
  }
}

# Shutdown ordering: the target group stops sending new requests first, then the app
# drains within its grace, and ECS only SIGKILLs after stopTimeout.
check "shutdown_ordering" {
  assert {
    condition     = local.deregistration_delay < local.shutdown_grace_secs && local.shutdown_grace_secs < local.stop_timeout && tostring(local.shutdown_grace_secs) == local.container_environment.SHUTDOWN_GRACE_SECS
    error_message = "Need deregistration_delay < SHUTDOWN_GRACE_SECS < stopTimeout (15 < 20 < 30)."
  }
}
