//! The queue serves users in turn: a user with many jobs does not make the
//! others wait for all of them.

mod common;

use common::base_config;
use ocrloom_jobs::{Config, CreateJobRequest, FakeConverter, Manager, SystemClock};
use std::sync::Arc;

#[test]
fn b_s_five_jobs_finish_before_a_s_tenth_though_a_queued_thirty_first() {
    let m = Manager::new(
        Config {
            workers: 0,
            ..base_config()
        },
        Arc::new(FakeConverter::new()),
        Arc::new(SystemClock),
    )
    .expect("manager");
    let (a, _) = m.create_user("a").expect("a");
    let (b, _) = m.create_user("b").expect("b");
    let queue = |user, n: usize| -> Vec<String> {
        let file = m
            .upload_file(user, "in.pdf", b"%PDF-1.7\n")
            .expect("upload");
        (0..n)
            .map(|_| {
                m.create_job(
                    user,
                    &CreateJobRequest {
                        engine: "fake/ocr".into(),
                        file_id: file.file_id.to_string(),
                        languages: vec![],
                        output_format: "txt".into(),
                    },
                )
                .expect("create")
                .job_id
                .to_string()
            })
            .collect()
    };
    let a_jobs = queue(&a, 30);
    let b_jobs = queue(&b, 5);
    let order: Vec<String> =
        std::iter::from_fn(|| m.run_next_job().map(|id| id.to_string())).collect();
    assert_eq!(order.len(), 35, "every job ran once");
    let at = |id: &String| order.iter().position(|o| o == id).expect("ran");
    let b_last = b_jobs.iter().map(at).max().expect("b's jobs");
    let a_tenth = at(&a_jobs[9]);
    assert!(
        b_last < a_tenth,
        "b's last at {b_last}, a's 10th at {a_tenth}"
    );
    // Each user's own jobs keep their order.
    assert!(a_jobs.windows(2).all(|w| at(&w[0]) < at(&w[1])));
}
