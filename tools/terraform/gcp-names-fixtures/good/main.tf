# Self-test fixture: every name here exists in the google provider's schema.
provider "google" {
  project = "p"
  region  = "europe-west1"
}

resource "google_cloud_run_v2_service" "good" {
  name     = "x"
  location = "europe-west1"
  template {
    scaling {
      min_instance_count = 0
    }
    containers {
      image = "x"
      dynamic "env" {
        for_each = { A = "b" }
        content {
          name  = env.key
          value = env.value
        }
      }
      startup_probe {
        http_get {
          path = "/readyz"
        }
      }
    }
  }
  lifecycle {
    ignore_changes = [client]
  }
}

data "google_project" "good" {}
