//! The one AWS call the app makes: SSM `GetParameter`, for the status page's release record of
//! each region (`release`).
//!
//! It is AWS's SigV4 signer (`aws-sigv4`) over the app's reqwest client, with the task role's
//! credentials from the ECS credentials endpoint, rather than the AWS SDK. The SDK (aws-config
//! and aws-sdk-ssm) made a program with this one call 11.8 MB and 3.5 minutes of release build
//! here; the signer is 0.6 MB and 18 seconds.

use std::fmt;
use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_types::date_time::{DateTime, Format};
use serde::Deserialize;
use tokio::sync::Mutex;
use url::Url;

/// The ECS agent's credentials endpoint, which `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` is a path on.
pub const ECS_CREDENTIALS_HOST: &str = "169.254.170.2";
/// Credentials are fetched again this long before they expire.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(300);
/// Each call, credentials included: the status page must not wait on AWS for long.
const CALL_TIMEOUT: Duration = Duration::from_secs(2);

/// A value that never appears in logs or `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Where the credentials come from, chosen from the environment at start (`config`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialSource {
    /// The task role on ECS (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` on the agent's address),
    /// or `AWS_CONTAINER_CREDENTIALS_FULL_URI` with its optional authorization token.
    Container { url: Url, authorization: Option<Secret> },
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`): a developer's shell.
    Environment {
        access_key_id: String,
        secret_access_key: Secret,
        session_token: Option<Secret>,
    },
}

/// Whether a plain-HTTP endpoint may receive signed requests or credentials: only on this
/// machine, or the ECS and EKS agents' link-local addresses.
pub fn is_local_endpoint(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => {
            ip.is_loopback() || ip.octets() == [169, 254, 170, 2] || ip.octets() == [169, 254, 170, 23]
        }
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    #[error("no credentials: {0}")]
    Credentials(String),
    #[error("cannot sign the request: {0}")]
    Signing(String),
    #[error("{0}")]
    Transport(String),
    /// AWS answered with an error: its `__type` (e.g. `ParameterNotFound`).
    #[error("{code} (HTTP {status})")]
    Service { status: u16, code: String },
    #[error("unexpected answer: {0}")]
    Malformed(String),
}

/// A parameter's value and when it was last written (unix seconds).
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    pub value: String,
    pub last_modified: i64,
}

/// Signs and sends SSM calls to any region, with cached credentials.
pub struct SsmClient {
    http: reqwest::Client,
    source: CredentialSource,
    /// Overrides `https://ssm.<region>.amazonaws.com/` (`AWS_ENDPOINT_URL_SSM`, as for the SDK).
    endpoint: Option<Url>,
    cached: Mutex<Option<(Credentials, Option<SystemTime>)>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ContainerCredentials {
    access_key_id: String,
    secret_access_key: String,
    token: Option<String>,
    expiration: Option<String>,
}

#[derive(Deserialize)]
struct GetParameterOutput {
    #[serde(rename = "Parameter")]
    parameter: ParameterOutput,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ParameterOutput {
    value: String,
    last_modified_date: f64,
}

#[derive(Deserialize)]
struct ErrorOutput {
    #[serde(rename = "__type")]
    kind: String,
}

impl SsmClient {
    pub fn new(source: CredentialSource, endpoint: Option<Url>) -> Result<SsmClient, String> {
        let http = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build the AWS client: {e}"))?;
        Ok(SsmClient {
            http,
            source,
            endpoint,
            cached: Mutex::new(None),
        })
    }

    /// `GetParameter` of `name` in `region`.
    pub async fn get_parameter(&self, region: &str, name: &str) -> Result<Parameter, AwsError> {
        let credentials = self.credentials().await?;
        let url = match &self.endpoint {
            Some(url) => url.to_string(),
            None => format!("https://ssm.{region}.amazonaws.com/"),
        };
        let body = serde_json::json!({ "Name": name }).to_string().into_bytes();
        let headers = [
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", "AmazonSSM.GetParameter"),
        ];
        let identity = credentials.into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(region)
            .name("ssm")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| AwsError::Signing(e.to_string()))?
            .into();
        let signable = SignableRequest::new("POST", &url, headers.into_iter(), SignableBody::Bytes(&body))
            .map_err(|e| AwsError::Signing(e.to_string()))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| AwsError::Signing(e.to_string()))?
            .into_parts();
        let mut request = self.http.post(&url).body(body);
        for (name, value) in headers.into_iter().chain(instructions.headers()) {
            request = request.header(name, value);
        }
        let response = request
            .send()
            .await
            .map_err(|e| AwsError::Transport(format!("SSM in {region}: {}", transport_reason(&e))))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| AwsError::Transport(format!("SSM in {region}: {}", transport_reason(&e))))?;
        if !status.is_success() {
            let code = serde_json::from_slice::<ErrorOutput>(&bytes).map_or_else(
                |_| "an error".to_string(),
                // The type may carry a namespace: "com.amazonaws.ssm#ParameterNotFound".
                |e| e.kind.rsplit('#').next().unwrap_or_default().to_string(),
            );
            return Err(AwsError::Service {
                status: status.as_u16(),
                code,
            });
        }
        let output: GetParameterOutput =
            serde_json::from_slice(&bytes).map_err(|e| AwsError::Malformed(format!("GetParameter: {e}")))?;
        Ok(Parameter {
            value: output.parameter.value,
            last_modified: output.parameter.last_modified_date as i64,
        })
    }

    async fn credentials(&self) -> Result<Credentials, AwsError> {
        let mut cached = self.cached.lock().await;
        if let Some((credentials, expires)) = &*cached
            && expires.is_none_or(|at| at > SystemTime::now() + REFRESH_BEFORE_EXPIRY)
        {
            return Ok(credentials.clone());
        }
        let fresh = match &self.source {
            CredentialSource::Environment {
                access_key_id,
                secret_access_key,
                session_token,
            } => (
                Credentials::new(
                    access_key_id,
                    &secret_access_key.0,
                    session_token.as_ref().map(|t| t.0.clone()),
                    None,
                    "environment",
                ),
                None,
            ),
            CredentialSource::Container { url, authorization } => {
                self.container_credentials(url, authorization).await?
            }
        };
        *cached = Some(fresh.clone());
        Ok(fresh.0)
    }

    async fn container_credentials(
        &self,
        url: &Url,
        authorization: &Option<Secret>,
    ) -> Result<(Credentials, Option<SystemTime>), AwsError> {
        let mut request = self.http.get(url.clone());
        if let Some(token) = authorization {
            request = request.header(reqwest::header::AUTHORIZATION, &token.0);
        }
        let response = request
            .send()
            .await
            .map_err(|e| AwsError::Credentials(format!("the credentials endpoint: {}", transport_reason(&e))))?;
        if !response.status().is_success() {
            return Err(AwsError::Credentials(format!(
                "the credentials endpoint answered {}",
                response.status()
            )));
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| AwsError::Credentials(format!("the credentials endpoint: {}", transport_reason(&e))))?;
        let body: ContainerCredentials = serde_json::from_slice(&bytes)
            .map_err(|e| AwsError::Credentials(format!("the credentials endpoint's answer: {e}")))?;
        let expires = match &body.expiration {
            None => None,
            Some(at) => Some(
                DateTime::from_str(at, Format::DateTime)
                    .ok()
                    .and_then(|at| SystemTime::try_from(at).ok())
                    .ok_or_else(|| {
                        AwsError::Credentials(format!("the credentials' Expiration {at:?} is not a date"))
                    })?,
            ),
        };
        let credentials = Credentials::new(
            body.access_key_id,
            body.secret_access_key,
            body.token,
            expires,
            "container",
        );
        Ok((credentials, expires))
    }
}

/// A transport error without the URL reqwest puts in its message (a plain string is enough
/// for the status page, and the URL of the credentials endpoint carries its path's secret id).
fn transport_reason(err: &reqwest::Error) -> &'static str {
    if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "cannot connect"
    } else if err.is_decode() || err.is_body() {
        "the answer was cut short"
    } else {
        "the request failed"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug_output() {
        let source = CredentialSource::Environment {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: Secret("wJalrXUtnFEMI".into()),
            session_token: Some(Secret("session-token".into())),
        };
        let shown = format!("{source:?}");
        assert!(shown.contains("AKIDEXAMPLE"), "{shown}");
        assert!(
            !shown.contains("wJalrXUtnFEMI") && !shown.contains("session-token"),
            "{shown}"
        );
    }

    #[test]
    fn plain_http_is_only_for_this_machine_and_the_container_agents() {
        for local in [
            "http://127.0.0.1:9000/",
            "http://[::1]:9000/",
            "http://localhost/",
            "http://169.254.170.2/v2/credentials/x",
            "http://169.254.170.23/v1/credentials",
        ] {
            assert!(is_local_endpoint(&Url::parse(local).unwrap()), "{local}");
        }
        for remote in [
            "http://10.0.0.1/",
            "http://ssm.eu-west-1.amazonaws.com/",
            "http://169.254.169.254/",
        ] {
            assert!(!is_local_endpoint(&Url::parse(remote).unwrap()), "{remote}");
        }
    }
}
