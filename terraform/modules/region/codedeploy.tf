# CodeDeploy blue/green for the BLUE_GREEN workspaces (settings: deployment_strategy,
# deployment_config, bake_time_minutes). `terraform apply` registers the task definition;
# scripts/deploy.sh then starts a deployment of it (output codedeploy) and waits:
#   1. the replacement task set starts in the other target group; the test listener points
#      at it;
#   2. production traffic shifts as deployment_config says (prod: canary 10 % for 5 min);
#   3. the original task set keeps running for bake_time_minutes, then is terminated.
# Any rollback alarm going to ALARM until the end of 3, or a failed step, rolls traffic back
# to the original task set.

resource "aws_codedeploy_app" "this" {
  count            = local.is_blue_green ? 1 : 0
  name             = local.name
  compute_platform = "ECS"
}

resource "aws_codedeploy_deployment_group" "this" {
  count                  = local.is_blue_green ? 1 : 0
  app_name               = aws_codedeploy_app.this[0].name
  deployment_group_name  = local.name
  deployment_config_name = local.settings.deployment_config
  service_role_arn       = aws_iam_role.codedeploy[0].arn

  deployment_style {
    deployment_type   = "BLUE_GREEN"
    deployment_option = "WITH_TRAFFIC_CONTROL"
  }

  blue_green_deployment_config {
    deployment_ready_option {
      action_on_timeout = "CONTINUE_DEPLOYMENT"
    }
    terminate_blue_instances_on_deployment_success {
      action                           = "TERMINATE"
      termination_wait_time_in_minutes = local.settings.bake_time_minutes
    }
  }

  ecs_service {
    cluster_name = aws_ecs_cluster.this.name
    service_name = local.service.name
  }

  load_balancer_info {
    target_group_pair_info {
      prod_traffic_route {
        listener_arns = [local.deployment_listeners.production.arn]
      }
      test_traffic_route {
        listener_arns = [local.deployment_listeners.test.arn]
      }
      dynamic "target_group" {
        for_each = aws_lb_target_group.app
        content {
          name = target_group.value.name
        }
      }
    }
  }

  auto_rollback_configuration {
    enabled = true
    events  = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
  }

  alarm_configuration {
    enabled = true
    alarms  = local.rollback_alarm_names
  }

  depends_on = [aws_iam_role_policy.codedeploy]
}
