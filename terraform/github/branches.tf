# Trunk-based: main is the only long-lived branch; changes arrive by short-lived branches
# and pull requests, squash-merged, once the pull request's checks passed on a branch that
# is up to date with main. Nobody bypasses (no bypass actors), not even administrators.

locals {
  # The checks of pr.yml that must pass: "<job in pr.yml> / <job name in ci.yml>".
  required_checks = ["checks / make test", "checks / online checks (cargo deny, provider 6.x, terraform/github)"]
}

resource "github_repository_ruleset" "main" {
  name        = "main"
  repository  = local.repository
  target      = "branch"
  enforcement = "active"

  conditions {
    ref_name {
      include = ["~DEFAULT_BRANCH"]
      exclude = []
    }
  }

  rules {
    deletion                = true
    non_fast_forward        = true
    required_linear_history = true
    required_signatures     = false

    pull_request {
      required_approving_review_count   = 1
      dismiss_stale_reviews_on_push     = true
      require_last_push_approval        = true
      required_review_thread_resolution = true
      require_code_owner_review         = false
    }

    required_status_checks {
      strict_required_status_checks_policy = true
      dynamic "required_check" {
        for_each = toset(local.required_checks)
        content {
          context = required_check.value
        }
      }
    }
  }
}

# Actions may use GitHub's own actions and the few this repository pins by SHA.
resource "github_actions_repository_permissions" "this" {
  repository      = local.repository
  allowed_actions = "selected"
  allowed_actions_config {
    github_owned_allowed = true
    verified_allowed     = false
    patterns_allowed     = ["aws-actions/configure-aws-credentials@*", "docker/setup-buildx-action@*", "hashicorp/setup-terraform@*"]
  }
}
