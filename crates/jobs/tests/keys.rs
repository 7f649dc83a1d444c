//! The keys file as the truth: removal, rotation, duplicates, conflicts,
//! and one-by-one management.

mod common;

use common::base_config;
use ocrloom_jobs::{Config, Error, FakeConverter, KeyEntry, Manager, SystemClock};
use std::sync::Arc;

const A1: &str = "alice_key_one_0123456789abcdefghij";
const A2: &str = "alice_key_two_0123456789abcdefghij";
const B1: &str = "bob_key_one_0123456789abcdefghijkl";

fn manager() -> Manager {
    Manager::new(
        Config {
            workers: 0,
            ..base_config()
        },
        Arc::new(FakeConverter::new()),
        Arc::new(SystemClock),
    )
    .expect("manager")
}

fn entries(pairs: &[(&str, &str)]) -> Vec<KeyEntry> {
    pairs
        .iter()
        .enumerate()
        .map(|(i, (user, key))| KeyEntry {
            origin: format!("keys.txt:{}", i + 1),
            user: (*user).to_owned(),
            key: (*key).to_owned(),
        })
        .collect()
}

fn refused(m: &Manager, pairs: &[(&str, &str)]) -> String {
    match m.keyring().sync(&entries(pairs)) {
        Err(Error::InvalidRequest(message)) => message,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_removed_key_is_revoked_and_a_changed_key_rotates_the_same_account() {
    let m = manager();
    let keyring = m.keyring();
    let r = keyring
        .sync(&entries(&[("alice", A1), ("bob", B1)]))
        .expect("sync");
    assert_eq!((r.users_created, r.keys_added, r.keys_revoked), (2, 2, 0));
    let alice = m.authenticate(A1).expect("alice's key");
    let file = m
        .upload_file(&alice, "a.pdf", b"%PDF-1.7\n")
        .expect("upload");
    // Again the same: nothing changes.
    let r = keyring
        .sync(&entries(&[("alice", A1), ("bob", B1)]))
        .expect("sync");
    assert_eq!((r.users_created, r.keys_added, r.keys_revoked), (0, 0, 0));
    // Bob removed, alice's key changed.
    let r = keyring.sync(&entries(&[("alice", A2)])).expect("sync");
    assert_eq!((r.users_created, r.keys_added, r.keys_revoked), (0, 1, 2));
    assert!(matches!(m.authenticate(B1), Err(Error::Unauthorized)));
    assert!(matches!(m.authenticate(A1), Err(Error::Unauthorized)));
    let rotated = m.authenticate(A2).expect("the new key");
    assert_eq!(rotated, alice, "the same account");
    assert_eq!(
        m.file_info(&rotated, file.file_id.as_str())
            .expect("data kept")
            .filename,
        "a.pdf"
    );
    let listed = keyring.list().expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].user.as_str(), &listed[0].user_id),
        ("alice", &alice)
    );
    assert_eq!(listed[0].fingerprint.len(), 12);
}

#[test]
fn duplicates_are_refused_naming_both_lines_and_nothing_changes() {
    let m = manager();
    m.keyring().sync(&entries(&[("alice", A1)])).expect("sync");
    let same_key = refused(&m, &[("alice", A1), ("bob", A1)]);
    assert!(
        same_key.contains("keys.txt:1") && same_key.contains("keys.txt:2"),
        "{same_key}"
    );
    assert!(!same_key.contains(A1), "never the key itself: {same_key}");
    let same_user = refused(&m, &[("bob", B1), ("alice", A2), ("bob", A1)]);
    assert!(
        same_user.contains("keys.txt:1") && same_user.contains("keys.txt:3"),
        "{same_user}"
    );
    // A key stored for alice cannot move to another name.
    let moved = refused(&m, &[("carol", A1)]);
    assert!(
        moved.contains("keys.txt:1") && moved.contains("alice"),
        "{moved}"
    );
    let short = refused(&m, &[("dave", "short")]);
    assert!(short.contains("32"), "{short}");
    // Nothing changed: alice's key still opens, no one else was created.
    assert!(m.authenticate(A1).is_ok());
    assert!(matches!(m.authenticate(B1), Err(Error::Unauthorized)));
    assert_eq!(m.keyring().list().expect("list").len(), 1);
}

#[test]
fn keys_are_added_and_revoked_one_by_one() {
    let m = manager();
    let keyring = m.keyring();
    let k1 = keyring.add("erin").expect("add");
    let k2 = keyring.add("erin").expect("a second key");
    let erin = m.authenticate(k1.expose()).expect("first key");
    assert_eq!(m.authenticate(k2.expose()).expect("second key"), erin);
    assert!(keyring.add("two words").is_err());
    assert_eq!(keyring.revoke("erin").expect("revoke"), 2);
    assert!(matches!(
        m.authenticate(k1.expose()),
        Err(Error::Unauthorized)
    ));
    assert_eq!(keyring.revoke("erin").expect("nothing left"), 0);
    // A key added again reaches the same account.
    let k3 = keyring.add("erin").expect("add");
    assert_eq!(m.authenticate(k3.expose()).expect("third key"), erin);
}
