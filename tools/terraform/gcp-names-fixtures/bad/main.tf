# Self-test fixture: each planted mistake below must be reported (see expected.json).
provider "google" {
  projct = "p"
}

resource "google_cloud_run_v2_service" "bad" {
  name     = "x"
  locaton  = "europe-west1"
  template {
    scaling {
      min_instances = 0
    }
    containers {
      image = "x"
      dynamic "environment" {
        for_each = {}
        content {
          name = "a"
        }
      }
      startup_probe {
        http {
          path = "/readyz"
        }
      }
    }
    labels {
      a = "b"
    }
  }
  lifecycle {
    ignore_change = [client]
  }
}

resource "google_cloud_run_service_v2" "bad" {
  name = "x"
}

data "google_projects_list" "bad" {}
