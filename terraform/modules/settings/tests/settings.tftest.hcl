# Runs offline: the module has no providers. `terraform init && terraform test` in this folder.

run "dev" {
  command = plan
  variables {
    workspace = "dev"
  }
  assert {
    condition     = output.settings.az_count == 2 && output.settings.nat_count == 1
    error_message = "dev: 2 AZs and a single NAT expected."
  }
  assert {
    condition     = output.settings.deployment_strategy == "ROLLING" && !output.settings.deletion_protection
    error_message = "dev: rolling deployments, no deletion protection expected."
  }
  assert {
    condition     = output.settings.account_id == "111111111111" && startswith(output.settings.deploy_role_arn, "arn:aws:iam::111111111111:")
    error_message = "dev: the deploy role must be in the dev account."
  }
}

run "int" {
  command = plan
  variables {
    workspace = "int"
  }
  assert {
    condition     = output.settings.az_count == 3 && output.settings.nat_count == 1
    error_message = "int: 3 AZs and a single NAT expected."
  }
  assert {
    condition     = output.settings.has_domain && output.settings.deployment_strategy == "BLUE_GREEN" && output.settings.deployment_config == "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"
    error_message = "int: a domain and linear CodeDeploy blue/green deployments expected."
  }
}

run "prod" {
  command = plan
  variables {
    workspace = "prod"
  }
  assert {
    condition     = output.settings.az_count == 3 && output.settings.nat_count == 3
    error_message = "prod: 3 AZs and one NAT per AZ expected."
  }
  assert {
    condition     = output.settings.deletion_protection && output.settings.bake_time_minutes == 15 && output.settings.deployment_config == "CodeDeployDefault.ECSCanary10Percent5Minutes"
    error_message = "prod: deletion protection and a canary blue/green deployment with a 15-minute bake expected."
  }
  assert {
    condition     = output.settings.deployment_timeout_minutes == 30
    error_message = "prod: the pipeline waits canary (5) + bake (15) + 10 minutes."
  }
  assert {
    condition     = output.settings.min_tasks >= 2 && output.settings.max_tasks > output.settings.min_tasks
    error_message = "prod: at least 2 tasks and room to scale expected."
  }
  assert {
    condition     = length(distinct(output.all_account_ids)) == 3
    error_message = "Every environment must have its own account."
  }
  assert {
    condition     = output.tooling.ecr_repository_url == "444444444444.dkr.ecr.eu-west-1.amazonaws.com/hn-reader"
    error_message = "ECR repository URL is derived from the tooling account."
  }
  assert {
    condition     = output.regions.standby.region == "eu-central-1" && output.regions.standby.name == "hn-reader-prod-euc1" && output.regions.standby.min_tasks == 2 && output.tooling.ecr_replicas["eu-central-1"].url == "444444444444.dkr.ecr.eu-central-1.amazonaws.com/hn-reader"
    error_message = "prod: a warm standby in eu-central-1 (2 tasks), pulling the ECR replica in its region."
  }
  assert {
    condition     = output.recovery_objectives.region_loss_get_seconds == 6 && output.recovery_objectives.region_loss_post_seconds == 180 && output.recovery_objectives.rpo_seconds == 0
    error_message = "prod: the recovery objectives follow the failover settings (2 x 3 s; 2 x 60 s + 60 s)."
  }
}

run "rejects_prod_without_a_standby" {
  command = plan
  variables {
    workspace = "prod"
    environments = {
      prod = {
        account_id          = "333333333333"
        deploy_role_arn     = "arn:aws:iam::333333333333:role/hn-reader-deploy"
        region              = "eu-west-1"
        az_count            = 3
        single_nat_gateway  = false
        task_cpu            = 512
        task_memory         = 1024
        min_tasks           = 3
        max_tasks           = 12
        log_retention_days  = 90
        domain_name         = "hn-reader.example.com"
        hosted_zone_id      = "Z000000000000000PROD"
        alarm_email         = "a@example.com"
        waf_rate_limit      = 1000
        deletion_protection = true
        deployment_strategy = "BLUE_GREEN"
        deployment_config   = "CodeDeployDefault.ECSCanary10Percent5Minutes"
        bake_time_minutes   = 15
      }
    }
  }
  expect_failures = [var.environments]
}

run "rejects_a_standby_in_the_primary_region" {
  command = plan
  variables {
    workspace = "int"
    environments = {
      int = {
        account_id          = "222222222222"
        deploy_role_arn     = "arn:aws:iam::222222222222:role/hn-reader-deploy"
        region              = "eu-west-1"
        standby_region      = "eu-west-1"
        standby_min_tasks   = 1
        az_count            = 3
        single_nat_gateway  = true
        task_cpu            = 512
        task_memory         = 1024
        min_tasks           = 2
        max_tasks           = 4
        log_retention_days  = 30
        domain_name         = "int.hn-reader.example.com"
        hosted_zone_id      = "Z0000000000000000INT"
        alarm_email         = "a@example.com"
        waf_rate_limit      = 2000
        deletion_protection = true
        deployment_strategy = "BLUE_GREEN"
        deployment_config   = "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"
        bake_time_minutes   = 5
      }
    }
  }
  expect_failures = [var.environments]
}

run "refuses_default_workspace" {
  command = plan
  variables {
    workspace = "default"
  }
  expect_failures = [var.workspace]
}

run "refuses_unknown_workspace" {
  command = plan
  variables {
    workspace = "staging"
  }
  expect_failures = [var.workspace]
}

run "rejects_min_above_max" {
  command = plan
  variables {
    workspace = "dev"
    environments = {
      dev = {
        account_id          = "111111111111"
        deploy_role_arn     = "arn:aws:iam::111111111111:role/hn-reader-deploy"
        region              = "eu-west-1"
        az_count            = 2
        single_nat_gateway  = true
        task_cpu            = 256
        task_memory         = 512
        min_tasks           = 3
        max_tasks           = 2
        log_retention_days  = 14
        alarm_email         = "a@example.com"
        waf_rate_limit      = 2000
        deletion_protection = false
        deployment_strategy = "ROLLING"
        bake_time_minutes   = 0
      }
    }
  }
  expect_failures = [var.environments]
}

run "rejects_invalid_fargate_size_and_role_in_other_account" {
  command = plan
  variables {
    workspace = "dev"
    environments = {
      dev = {
        account_id          = "111111111111"
        deploy_role_arn     = "arn:aws:iam::999999999999:role/hn-reader-deploy"
        region              = "eu-west-1"
        az_count            = 2
        single_nat_gateway  = true
        task_cpu            = 256
        task_memory         = 4096
        min_tasks           = 1
        max_tasks           = 2
        log_retention_days  = 14
        alarm_email         = "a@example.com"
        waf_rate_limit      = 2000
        deletion_protection = false
        deployment_strategy = "ROLLING"
        bake_time_minutes   = 0
      }
    }
  }
  expect_failures = [var.environments]
}

run "rejects_weak_prod" {
  command = plan
  variables {
    workspace = "prod"
    environments = {
      prod = {
        account_id          = "333333333333"
        deploy_role_arn     = "arn:aws:iam::333333333333:role/hn-reader-deploy"
        region              = "eu-west-1"
        standby_region      = "eu-central-1"
        standby_min_tasks   = 2
        az_count            = 3
        single_nat_gateway  = true
        task_cpu            = 512
        task_memory         = 1024
        min_tasks           = 2
        max_tasks           = 4
        log_retention_days  = 90
        domain_name         = "hn-reader.example.com"
        hosted_zone_id      = "Z000000000000000PROD"
        alarm_email         = "a@example.com"
        waf_rate_limit      = 1000
        deletion_protection = true
        deployment_strategy = "BLUE_GREEN"
        deployment_config   = "CodeDeployDefault.ECSCanary10Percent5Minutes"
        bake_time_minutes   = 15
      }
    }
  }
  expect_failures = [var.environments]
}

run "rejects_prod_shifting_all_at_once" {
  command = plan
  variables {
    workspace = "prod"
    environments = {
      prod = {
        account_id          = "333333333333"
        deploy_role_arn     = "arn:aws:iam::333333333333:role/hn-reader-deploy"
        region              = "eu-west-1"
        standby_region      = "eu-central-1"
        standby_min_tasks   = 2
        az_count            = 3
        single_nat_gateway  = false
        task_cpu            = 512
        task_memory         = 1024
        min_tasks           = 3
        max_tasks           = 12
        log_retention_days  = 90
        domain_name         = "hn-reader.example.com"
        hosted_zone_id      = "Z000000000000000PROD"
        alarm_email         = "a@example.com"
        waf_rate_limit      = 1000
        deletion_protection = true
        deployment_strategy = "BLUE_GREEN"
        deployment_config   = "CodeDeployDefault.ECSAllAtOnce"
        bake_time_minutes   = 15
      }
    }
  }
  expect_failures = [var.environments]
}

run "rejects_blue_green_without_config_and_too_long_a_bake" {
  command = plan
  variables {
    workspace = "int"
    environments = {
      int = {
        account_id          = "222222222222"
        deploy_role_arn     = "arn:aws:iam::222222222222:role/hn-reader-deploy"
        region              = "eu-west-1"
        az_count            = 3
        single_nat_gateway  = true
        task_cpu            = 512
        task_memory         = 1024
        min_tasks           = 2
        max_tasks           = 4
        log_retention_days  = 30
        domain_name         = "int.hn-reader.example.com"
        hosted_zone_id      = "Z0000000000000000INT"
        alarm_email         = "a@example.com"
        waf_rate_limit      = 2000
        deletion_protection = true
        deployment_strategy = "BLUE_GREEN"
        bake_time_minutes   = 45
      }
    }
  }
  expect_failures = [var.environments]
}
