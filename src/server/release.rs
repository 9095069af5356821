//! Which release each region runs, for the status page. After a region's deployment has
//! finished, the pipeline (`scripts/deploy.sh`) writes the digest into that region's SSM
//! record `RELEASE_PARAMETER`; every task reads the record of each region in
//! `RELEASE_REGIONS`, so a region whose deployment failed or has not run yet shows behind.

use std::time::{Duration, Instant};

use futures::future::join_all;
use tokio::sync::Mutex;

use super::aws::{AwsError, Parameter, SsmClient};
use crate::model::{RegionRelease, ReleaseState, ReleaseStatus};

/// How long a reading of the records is shown again: /status is public, and SSM's
/// GetParameter has an account-wide rate.
const READ_EVERY: Duration = Duration::from_secs(30);

pub struct ReleaseRecords {
    source: Option<Source>,
    this_region: Option<String>,
    last: Mutex<Option<(Instant, Vec<RegionRelease>)>>,
}

struct Source {
    ssm: SsmClient,
    parameter: String,
    regions: Vec<String>,
}

impl ReleaseRecords {
    /// `None`: no records configured; the status shows none.
    pub fn new(
        config: Option<&super::config::ReleaseConfig>,
        this_region: Option<String>,
    ) -> Result<ReleaseRecords, String> {
        let source = match config {
            None => None,
            Some(config) => Some(Source {
                ssm: SsmClient::new(config.credentials.clone(), config.ssm_endpoint.clone())?,
                parameter: config.parameter.clone(),
                regions: config.regions.clone(),
            }),
        };
        Ok(ReleaseRecords {
            source,
            this_region,
            last: Mutex::new(None),
        })
    }

    pub async fn status(&self) -> ReleaseStatus {
        let regions = match &self.source {
            None => Vec::new(),
            Some(source) => {
                // Held while reading, so concurrent views share one reading.
                let mut last = self.last.lock().await;
                match &*last {
                    Some((at, regions)) if at.elapsed() < READ_EVERY => regions.clone(),
                    _ => {
                        let regions = source.read().await;
                        *last = Some((Instant::now(), regions.clone()));
                        regions
                    }
                }
            }
        };
        ReleaseStatus {
            this_region: self.this_region.clone(),
            regions,
        }
    }
}

impl Source {
    async fn read(&self) -> Vec<RegionRelease> {
        let readings = join_all(self.regions.iter().map(|region| async move {
            let reading = self.ssm.get_parameter(region, &self.parameter).await;
            if let Err(err) = &reading {
                tracing::warn!(region, error = %err, "cannot read the region's release record");
            }
            (region.clone(), reading)
        }))
        .await;
        compare(readings)
    }
}

/// Each region's state: the record written last names the newest release; a region whose
/// record names another digest is behind.
pub fn compare(readings: Vec<(String, Result<Parameter, AwsError>)>) -> Vec<RegionRelease> {
    let newest = readings
        .iter()
        .filter_map(|(_, reading)| reading.as_ref().ok())
        .max_by_key(|record| record.last_modified)
        .map(|record| record.value.clone());
    readings
        .into_iter()
        .map(|(region, reading)| match reading {
            Ok(record) => RegionRelease {
                region,
                state: if Some(&record.value) == newest.as_ref() {
                    ReleaseState::Current
                } else {
                    ReleaseState::Behind
                },
                digest: Some(record.value),
                recorded_at: Some(record.last_modified),
                error: None,
            },
            Err(err) => RegionRelease {
                region,
                state: ReleaseState::Unknown,
                digest: None,
                recorded_at: None,
                error: Some(err.to_string()),
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(value: &str, last_modified: i64) -> Result<Parameter, AwsError> {
        Ok(Parameter {
            value: value.into(),
            last_modified,
        })
    }

    fn states(regions: &[RegionRelease]) -> Vec<(&str, ReleaseState)> {
        regions.iter().map(|r| (r.region.as_str(), r.state)).collect()
    }

    #[test]
    fn a_region_whose_record_names_an_older_digest_is_behind() {
        let regions = compare(vec![
            ("eu-west-1".into(), record("sha256:new", 2_000)),
            ("eu-central-1".into(), record("sha256:old", 1_000)),
        ]);
        assert_eq!(
            states(&regions),
            [
                ("eu-west-1", ReleaseState::Current),
                ("eu-central-1", ReleaseState::Behind)
            ]
        );
        assert_eq!(regions[1].digest.as_deref(), Some("sha256:old"));
        assert_eq!(regions[1].recorded_at, Some(1_000));
    }

    #[test]
    fn the_newest_record_decides_whichever_region_holds_it() {
        // A rollback of the primary: the standby's digest is older by content, newer by record.
        let regions = compare(vec![
            ("eu-west-1".into(), record("sha256:a", 1_000)),
            ("eu-central-1".into(), record("sha256:b", 3_000)),
        ]);
        assert_eq!(
            states(&regions),
            [
                ("eu-west-1", ReleaseState::Behind),
                ("eu-central-1", ReleaseState::Current)
            ]
        );
    }

    #[test]
    fn regions_with_one_digest_are_current_and_an_unreadable_record_is_unknown() {
        let regions = compare(vec![
            ("eu-west-1".into(), record("sha256:a", 1_000)),
            ("eu-central-1".into(), record("sha256:a", 1_200)),
            (
                "us-east-1".into(),
                Err(AwsError::Service {
                    status: 400,
                    code: "ParameterNotFound".into(),
                }),
            ),
        ]);
        assert_eq!(
            states(&regions),
            [
                ("eu-west-1", ReleaseState::Current),
                ("eu-central-1", ReleaseState::Current),
                ("us-east-1", ReleaseState::Unknown)
            ]
        );
        assert_eq!(regions[2].error.as_deref(), Some("ParameterNotFound (HTTP 400)"));
    }
}
