# Cloud Run: the image by digest, the app's port and health paths, no cloud permissions.
# Reachable only through the load balancer (edge.tf), like the ALB only through CloudFront.

resource "google_service_account" "run" {
  account_id   = "${local.name}-run"
  display_name = "hn-reader ${terraform.workspace} on Cloud Run: no roles, the app calls no cloud API"
}

resource "google_cloud_run_v2_service" "app" {
  name                = local.name
  location            = local.cloud.region
  ingress             = "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"
  deletion_protection = local.settings.deletion_protection

  template {
    service_account                  = google_service_account.run.email
    timeout                          = "${local.request_timeout_secs}s"
    max_instance_request_concurrency = 250

    scaling {
      # Warm (prod: 1) or cold (int: 0) standby; each instance serves what a Fargate task does.
      min_instance_count = local.cloud.min_instances
      max_instance_count = local.cloud.max_instances
    }

    containers {
      image = "${local.image_repository}@${var.image_digest}"

      ports {
        container_port = local.container_port
      }

      resources {
        limits = {
          cpu    = "1"
          memory = "512Mi"
        }
        startup_cpu_boost = true
      }

      dynamic "env" {
        for_each = local.container_environment
        content {
          name  = env.key
          value = env.value
        }
      }

      # Ready: the same readiness path the ALB probes; alive: the liveness path.
      startup_probe {
        http_get {
          path = local.health_check_path
          port = local.container_port
        }
        period_seconds    = 2
        timeout_seconds   = 1
        failure_threshold = 15
      }

      liveness_probe {
        http_get {
          path = local.liveness_path
          port = local.container_port
        }
        period_seconds    = 15
        timeout_seconds   = 5
        failure_threshold = 3
      }
    }
  }
}

# A public site: anyone may invoke, but ingress admits only the load balancer, so every
# request has passed Cloud Armor.
resource "google_cloud_run_v2_service_iam_member" "public" {
  name     = google_cloud_run_v2_service.app.name
  location = google_cloud_run_v2_service.app.location
  role     = "roles/run.invoker"
  member   = "allUsers"
}
