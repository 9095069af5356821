//! The Terraform code, the Dockerfile and the app must agree on the container's contract:
//! port, health paths, env var names, user, and stopTimeout > shutdown grace > deregistration delay.
//! On AWS the contract lives in the regional stack (terraform/modules/region), which the root
//! instantiates for every region (primary, standby); the second cloud (terraform/dr-gcp) has
//! its own literals, checked against the same app constants and Cloud Run's limits.
#![cfg(feature = "ssr")]

use std::collections::BTreeMap;
use std::path::Path;

use hcl::{Body, Expression, ObjectKey};
use hn_reader::server::config::{Config, ENV_VARS};
use hn_reader::server::health::{LIVENESS_PATH, READINESS_PATH};

/// The `.tf` files of one directory under terraform/, parsed.
fn tf_dir(rel: &str) -> Vec<(String, Body)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("terraform").join(rel);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tf"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "terraform/{rel} not found");
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let body = hcl::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p.file_name().unwrap().to_string_lossy().to_string(), body)
        })
        .collect()
}

/// The regional stack every AWS region runs.
fn terraform() -> Vec<(String, Body)> {
    tf_dir("modules/region")
}

/// The `locals { … }` attributes across the files.
fn locals(files: &[(String, Body)]) -> BTreeMap<String, Expression> {
    files
        .iter()
        .flat_map(|(_, body)| body.blocks().filter(|b| b.identifier() == "locals"))
        .flat_map(|b| b.body().attributes().map(|a| (a.key().to_string(), a.expr().clone())))
        .collect()
}

/// The body of `resource "<kind>" …` blocks.
fn resources<'a>(files: &'a [(String, Body)], kind: &'a str) -> impl Iterator<Item = &'a Body> + 'a {
    files.iter().flat_map(move |(_, body)| {
        body.blocks()
            .filter(move |b| b.identifier() == "resource" && b.labels().first().is_some_and(|l| l.as_str() == kind))
            .map(|b| b.body())
    })
}

fn number(expr: &Expression) -> u64 {
    match expr {
        Expression::Number(n) => n.as_u64().expect("a whole number"),
        other => panic!("expected a literal number, found {other:?}"),
    }
}

fn string(expr: &Expression) -> String {
    match expr {
        Expression::String(s) => s.clone(),
        other => panic!("expected a literal string, found {other:?}"),
    }
}

fn key_name(key: &ObjectKey) -> String {
    match key {
        ObjectKey::Identifier(id) => id.as_str().to_string(),
        ObjectKey::Expression(Expression::String(s)) => s.clone(),
        ObjectKey::Expression(other) => format!("{other:?}"),
        _ => String::new(),
    }
}

/// Every value stored under `key` in any object literal nested anywhere in `expr`
/// (container definitions live inside `jsonencode(...)`).
fn find_in_objects(expr: &Expression, key: &str, out: &mut Vec<Expression>) {
    match expr {
        Expression::Object(object) => {
            for (k, v) in object {
                if key_name(k) == key {
                    out.push(v.clone());
                }
                find_in_objects(v, key, out);
            }
        }
        Expression::Array(items) => items.iter().for_each(|e| find_in_objects(e, key, out)),
        Expression::FuncCall(call) => call.args.iter().for_each(|e| find_in_objects(e, key, out)),
        Expression::Parenthesis(inner) => find_in_objects(inner, key, out),
        _ => {}
    }
}

fn container_definition_values(files: &[(String, Body)], key: &str) -> Vec<Expression> {
    let mut out = Vec::new();
    for task in resources(files, "aws_ecs_task_definition") {
        for attr in task.attributes().filter(|a| a.key() == "container_definitions") {
            find_in_objects(attr.expr(), key, &mut out);
        }
    }
    assert!(!out.is_empty(), "no {key} in the container definitions");
    out
}

/// (instruction, arguments) of the Dockerfile's final stage.
fn dockerfile_runtime() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Dockerfile")).unwrap();
    let stage = text.rsplit_once("\nFROM ").expect("multi-stage Dockerfile").1;
    stage
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once(' '))
        .map(|(i, rest)| (i.to_uppercase(), rest.trim().to_string()))
        .collect()
}

fn docker_env() -> BTreeMap<String, String> {
    dockerfile_runtime()
        .into_iter()
        .filter(|(i, _)| i == "ENV")
        .filter_map(|(_, kv)| kv.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect()
}

#[test]
fn the_container_port_agrees_everywhere() {
    let files = terraform();
    let env = docker_env();
    let config = Config::from_lookup(|name| env.get(name).cloned()).expect("the Dockerfile's env is valid config");
    let port = u64::from(config.site_addr.port());
    let exposed: Vec<u64> = dockerfile_runtime()
        .into_iter()
        .filter(|(i, _)| i == "EXPOSE")
        .map(|(_, p)| p.trim_end_matches("/tcp").parse().unwrap())
        .collect();
    assert_eq!(exposed, vec![port], "Dockerfile EXPOSE vs LEPTOS_SITE_ADDR");
    assert_eq!(number(&locals(&files)["container_port"]), port);
    for value in container_definition_values(&files, "containerPort") {
        assert_eq!(number(&value), port, "task definition containerPort");
    }
    for tg in resources(&files, "aws_lb_target_group") {
        let tg_port = tg.attributes().find(|a| a.key() == "port").expect("target group port");
        assert_eq!(number(tg_port.expr()), port, "target group port");
    }
}

#[test]
fn the_health_checks_use_the_app_s_paths_and_subcommand() {
    let files = terraform();
    assert_eq!(string(&locals(&files)["health_check_path"]), READINESS_PATH);
    assert_eq!(string(&locals(&files)["liveness_path"]), LIVENESS_PATH);
    let mut checked = 0;
    for tg in resources(&files, "aws_lb_target_group") {
        for check in tg.blocks().filter(|b| b.identifier() == "health_check") {
            let path = check
                .body()
                .attributes()
                .find(|a| a.key() == "path")
                .expect("health check path");
            assert_eq!(
                string(path.expr()),
                READINESS_PATH,
                "the ALB must probe readiness, not liveness"
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no target group health check");
    let commands = container_definition_values(&files, "command");
    let expected = Expression::Array(vec!["CMD".into(), "/app/hn-reader".into(), "healthcheck".into()]);
    assert!(
        commands.contains(&expected),
        "the task health check must run the healthcheck subcommand: {commands:?}"
    );
    let healthcheck = dockerfile_runtime()
        .into_iter()
        .find(|(i, _)| i == "HEALTHCHECK")
        .expect("HEALTHCHECK");
    assert!(
        healthcheck.1.ends_with(r#"CMD ["/app/hn-reader", "healthcheck"]"#),
        "{}",
        healthcheck.1
    );
}

#[test]
fn every_env_var_set_anywhere_is_one_the_app_reads() {
    let files = terraform();
    let Expression::Object(task_env) = &locals(&files)["container_environment"] else {
        panic!("container_environment must be a literal map");
    };
    assert!(!task_env.is_empty());
    for (key, value) in task_env {
        let name = key_name(key);
        assert!(
            ENV_VARS.contains(&name.as_str()),
            "task definition sets {name}, which the app does not read"
        );
        assert!(
            matches!(value, Expression::String(_)),
            "{name} must be a literal string"
        );
    }
    for name in docker_env().keys() {
        assert!(
            ENV_VARS.contains(&name.as_str()),
            "Dockerfile sets {name}, which the app does not read"
        );
    }
    // The task's environment must itself be valid configuration.
    let task: BTreeMap<String, String> = task_env.iter().map(|(k, v)| (key_name(k), string(v))).collect();
    let merged: BTreeMap<String, String> = docker_env().into_iter().chain(task).collect();
    Config::from_lookup(|name| merged.get(name).cloned()).expect("the task's environment is valid config");
}

#[test]
fn stop_timeout_exceeds_grace_which_exceeds_deregistration_delay() {
    let files = terraform();
    let locals = locals(&files);
    let Expression::Object(task_env) = &locals["container_environment"] else {
        panic!()
    };
    let grace_var = task_env
        .iter()
        .find(|(k, _)| key_name(k) == "SHUTDOWN_GRACE_SECS")
        .map(|(_, v)| string(v))
        .or_else(|| docker_env().get("SHUTDOWN_GRACE_SECS").cloned());
    let grace: u64 = grace_var.map_or(hn_reader::server::config::DEFAULT_SHUTDOWN_GRACE_SECS, |v| {
        v.parse().unwrap()
    });
    let stop_timeouts: Vec<u64> = container_definition_values(&files, "stopTimeout")
        .iter()
        .map(number)
        .collect();
    let delays: Vec<u64> = resources(&files, "aws_lb_target_group")
        .filter_map(|tg| {
            tg.attributes()
                .find(|a| a.key() == "deregistration_delay")
                .map(|a| number(a.expr()))
        })
        .collect();
    assert!(!delays.is_empty(), "target groups must set deregistration_delay");
    for stop in &stop_timeouts {
        assert!(
            *stop > grace,
            "stopTimeout {stop} must exceed the shutdown grace {grace}"
        );
        assert!(*stop <= 120, "Fargate caps stopTimeout at 120 s");
    }
    for delay in &delays {
        assert!(
            *delay < grace,
            "deregistration delay {delay} must be below the shutdown grace {grace}"
        );
    }
    assert_eq!(number(&locals["stop_timeout"]), stop_timeouts[0]);
    assert_eq!(number(&locals["deregistration_delay"]), delays[0]);
}

/// `local.<name>`, as an expression.
fn local_ref(name: &str) -> Expression {
    hcl::expr::Traversal::builder(hcl::expr::Variable::new("local").unwrap())
        .attr(name)
        .build()
        .into()
}

/// The attribute `key` of the nested blocks `path` (first of each) of a block body.
fn nested_attr(body: &Body, path: &[&str], key: &str) -> Expression {
    let mut cur = body;
    for name in path {
        cur = cur
            .blocks()
            .find(|b| b.identifier() == *name)
            .unwrap_or_else(|| panic!("no {name} block"))
            .body();
    }
    cur.attributes()
        .find(|a| a.key() == key)
        .unwrap_or_else(|| panic!("no {key} in {path:?}"))
        .expr()
        .clone()
}

#[test]
fn every_aws_region_runs_the_one_regional_stack() {
    let root = tf_dir(".");
    let calls: Vec<(String, String)> = root
        .iter()
        .flat_map(|(_, body)| body.blocks().filter(|b| b.identifier() == "module"))
        .map(|b| {
            let source = b
                .body()
                .attributes()
                .find(|a| a.key() == "source")
                .map(|a| string(a.expr()));
            (b.labels()[0].as_str().to_string(), source.unwrap_or_default())
        })
        .filter(|(_, source)| source == "./modules/region")
        .collect();
    let names: Vec<&str> = calls.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["primary", "standby"],
        "both regions must instantiate modules/region"
    );
    for kind in ["aws_ecs_task_definition", "aws_lb_target_group", "aws_ecs_service"] {
        assert_eq!(
            resources(&root, kind).count(),
            0,
            "the root declares {kind}: a copy of the regional stack"
        );
    }
}

#[test]
fn the_second_cloud_runs_the_same_contract() {
    let gcp = tf_dir("dr-gcp");
    let gcp_locals = locals(&gcp);
    let aws_locals = locals(&terraform());
    let env = docker_env();
    let config = Config::from_lookup(|name| env.get(name).cloned()).expect("the Dockerfile's env is valid config");
    assert_eq!(
        number(&gcp_locals["container_port"]),
        u64::from(config.site_addr.port())
    );
    assert_eq!(string(&gcp_locals["health_check_path"]), READINESS_PATH);
    assert_eq!(string(&gcp_locals["liveness_path"]), LIVENESS_PATH);

    let run = resources(&gcp, "google_cloud_run_v2_service")
        .next()
        .expect("a Cloud Run service");
    assert_eq!(
        nested_attr(run, &["template", "containers", "ports"], "container_port"),
        local_ref("container_port")
    );
    assert_eq!(
        nested_attr(run, &["template", "containers", "startup_probe", "http_get"], "path"),
        local_ref("health_check_path"),
        "Cloud Run must wait for readiness"
    );
    assert_eq!(
        nested_attr(run, &["template", "containers", "liveness_probe", "http_get"], "path"),
        local_ref("liveness_path"),
        "Cloud Run must restart on liveness, not readiness"
    );

    // The same variables as on AWS (values may differ), each one the app reads, valid together.
    let (Expression::Object(gcp_env), Expression::Object(aws_env)) = (
        &gcp_locals["container_environment"],
        &aws_locals["container_environment"],
    ) else {
        panic!("container_environment must be a literal map on both clouds");
    };
    let gcp_names: std::collections::BTreeSet<String> = gcp_env.keys().map(key_name).collect();
    let aws_names: std::collections::BTreeSet<String> = aws_env.keys().map(key_name).collect();
    assert_eq!(
        gcp_names, aws_names,
        "the second cloud must set the same variables as AWS"
    );
    let task: BTreeMap<String, String> = gcp_env.iter().map(|(k, v)| (key_name(k), string(v))).collect();
    for name in task.keys() {
        assert!(
            ENV_VARS.contains(&name.as_str()),
            "dr-gcp sets {name}, which the app does not read"
        );
    }
    let merged: BTreeMap<String, String> = env.clone().into_iter().chain(task).collect();
    let on_cloud_run =
        Config::from_lookup(|name| merged.get(name).cloned()).expect("dr-gcp's environment is valid config");

    // Cloud Run kills an instance 10 s after SIGTERM; its request limit must exceed the app's.
    assert!(
        on_cloud_run.shutdown_grace.as_secs() < 10,
        "SHUTDOWN_GRACE_SECS {} must end before Cloud Run's 10 s SIGKILL",
        on_cloud_run.shutdown_grace.as_secs()
    );
    assert!(
        number(&gcp_locals["request_timeout_secs"]) > on_cloud_run.request_timeout.as_secs(),
        "Cloud Run's request timeout must exceed the app's REQUEST_TIMEOUT_SECS, so the app answers a slow request itself"
    );
}

#[test]
fn cloudfront_waits_longer_than_the_app_before_failing_over() {
    // modules/settings, variable "failover": the origin read timeout of every region's origin.
    let settings = tf_dir("modules/settings");
    let failover = settings
        .iter()
        .flat_map(|(_, body)| {
            body.blocks()
                .filter(|b| b.identifier() == "variable" && b.labels()[0].as_str() == "failover")
        })
        .next()
        .expect("variable failover");
    let Some(Expression::Object(default)) = failover
        .body()
        .attributes()
        .find(|a| a.key() == "default")
        .map(|a| a.expr().clone())
    else {
        panic!("failover needs a literal default");
    };
    let read_timeout = default
        .iter()
        .find(|(k, _)| key_name(k) == "origin_read_timeout")
        .map(|(_, v)| number(v))
        .expect("origin_read_timeout");
    let env = docker_env();
    let config = Config::from_lookup(|name| env.get(name).cloned()).unwrap();
    assert!(
        read_timeout > config.request_timeout.as_secs(),
        "CloudFront's origin read timeout ({read_timeout} s) must exceed REQUEST_TIMEOUT_SECS ({} s): a slow page is the app's 504, not a failover",
        config.request_timeout.as_secs()
    );
}

#[test]
fn the_user_is_the_image_s_non_root_user() {
    let files = terraform();
    let user = dockerfile_runtime()
        .into_iter()
        .find(|(i, _)| i == "USER")
        .expect("USER")
        .1;
    assert_ne!(user.split(':').next(), Some("0"));
    assert_ne!(user.split(':').next(), Some("root"));
    assert_eq!(string(&locals(&files)["container_user"]), user);
    for value in container_definition_values(&files, "user") {
        assert_eq!(string(&value), user, "task definition user");
    }
    for value in container_definition_values(&files, "readonlyRootFilesystem") {
        assert_eq!(value, Expression::Bool(true));
    }
}

/// The HCL text of an expression, for references the checks follow by name.
fn hcl_text(expr: &Expression) -> String {
    hcl::format::to_string(expr).expect("an HCL expression formats")
}

#[test]
fn the_release_record_the_app_reads_is_the_one_its_role_may_read_and_the_pipeline_writes() {
    let files = terraform();
    let locals = locals(&files);
    let Expression::Object(release_env) = &locals["release_environment"] else {
        panic!("release_environment must be a map");
    };
    let release_env: BTreeMap<String, String> = release_env.iter().map(|(k, v)| (key_name(k), hcl_text(v))).collect();
    for name in release_env.keys() {
        assert!(
            ENV_VARS.contains(&name.as_str()),
            "the task definition sets {name}, which the app does not read"
        );
    }
    assert_eq!(release_env["RELEASE_PARAMETER"], "local.deployed_digest_parameter");
    assert!(
        release_env["RELEASE_REGIONS"].contains("var.release_regions"),
        "{release_env:?}"
    );
    assert_eq!(
        hcl_text(&locals["deployed_digest_parameter"]),
        r#""/hn-reader/${local.env}/release/deployed-digest""#
    );

    let task_definition_env: Vec<String> = container_definition_values(&files, "environment")
        .iter()
        .map(hcl_text)
        .collect();
    assert!(
        task_definition_env
            .iter()
            .all(|e| e.contains("local.release_environment")),
        "the task definition must pass release_environment: {task_definition_env:?}"
    );
    let record = resources(&files, "aws_ssm_parameter")
        .find(|r| {
            r.attributes()
                .any(|a| a.key() == "name" && hcl_text(a.expr()) == "local.deployed_digest_parameter")
        })
        .expect("an aws_ssm_parameter named local.deployed_digest_parameter");
    let lifecycle = record
        .blocks()
        .find(|b| b.identifier() == "lifecycle")
        .expect("lifecycle");
    assert!(
        lifecycle
            .body()
            .attributes()
            .any(|a| a.key() == "ignore_changes" && hcl_text(a.expr()).contains("value")),
        "the pipeline owns the record's value: terraform must leave it alone"
    );

    // The task role may read exactly that record, in each region the task is told about.
    let task_policy = files
        .iter()
        .flat_map(|(_, body)| body.blocks())
        .find(|b| {
            b.identifier() == "data"
                && b.labels()
                    .iter()
                    .map(|l| l.as_str())
                    .eq(["aws_iam_policy_document", "task"])
        })
        .expect("data.aws_iam_policy_document.task");
    let statements: Vec<_> = task_policy
        .body()
        .blocks()
        .filter(|b| b.identifier() == "statement")
        .collect();
    assert_eq!(statements.len(), 1, "the task role has one statement");
    let attr = |name: &str| {
        statements[0]
            .body()
            .attributes()
            .find(|a| a.key() == name)
            .map(|a| hcl_text(a.expr()))
            .unwrap_or_default()
    };
    assert_eq!(
        attr("actions").split_whitespace().collect::<String>(),
        r#"["ssm:GetParameter"]"#
    );
    let resources = attr("resources");
    assert!(
        resources.contains("var.release_regions") && resources.contains("parameter${local.deployed_digest_parameter}"),
        "{resources}"
    );

    // The pipeline writes the record each region's output names.
    let outputs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("terraform/outputs.tf")).unwrap();
    assert!(outputs.contains("deployed_digest_parameter = m.deployed_digest_parameter"));
    let deploy = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/deploy.sh")).unwrap();
    assert!(
        deploy.contains(r#"aws ssm put-parameter --region "$region" --name "$(r deployed_digest_parameter)""#),
        "scripts/deploy.sh must write each region's record"
    );

    // With what ECS adds to every task, prod's environment is valid configuration.
    let Expression::Object(task_env) = &locals["container_environment"] else {
        panic!()
    };
    let ecs_adds = [
        ("AWS_REGION", "eu-central-1"),
        ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/0123"),
        ("ECS_CONTAINER_METADATA_URI_V4", "http://169.254.170.2/v4/0123"),
        ("RELEASE_PARAMETER", "/hn-reader/prod/release/deployed-digest"),
        ("RELEASE_REGIONS", "eu-west-1,eu-central-1"),
    ];
    let merged: BTreeMap<String, String> = docker_env()
        .into_iter()
        .chain(task_env.iter().map(|(k, v)| (key_name(k), string(v))))
        .chain(ecs_adds.iter().map(|(k, v)| (k.to_string(), v.to_string())))
        .collect();
    let config =
        Config::from_lookup(|name| merged.get(name).cloned()).expect("prod's task environment is valid config");
    let release = config.release.expect("the release records are configured");
    assert_eq!(release.regions, ["eu-west-1", "eu-central-1"]);
}
