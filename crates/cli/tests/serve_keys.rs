//! Keys of a running `ocrloom serve`: the keys file reloaded on SIGHUP
//! (removal, rotation), `ocrloom keys` beside the server, and a keys file
//! with a duplicate refused at start.

mod serve_support;

use reqwest::blocking::Client;
use serve_support::{start, temp_dir, KEY};
use std::process::Command;
use std::time::{Duration, Instant};

const NEW_KEY: &str = "olk_rotated_key_0123456789abcdefghijk";
const BOB_KEY: &str = "olk_bob_key_0123456789abcdefghijklmno";

fn ocrloom(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ocrloom"))
        .args(args)
        .env_remove("OCRLOOM_API_KEY")
        .output()
        .expect("run ocrloom")
}

fn status(client: &Client, url: &str, key: &str) -> u16 {
    client
        .get(url)
        .bearer_auth(key)
        .send()
        .expect("request")
        .status()
        .as_u16()
}

#[test]
fn sighup_reloads_the_keys_file_and_keys_commands_work_beside_the_server() {
    let data = temp_dir("serve-keys");
    let server = start(&data);
    let client = Client::new();
    let files = server.url("/files");
    let form = reqwest::blocking::multipart::Form::new().part(
        "file",
        reqwest::blocking::multipart::Part::bytes(b"%PDF-1.7\n".to_vec()).file_name("a.pdf"),
    );
    let r = client
        .post(&files)
        .bearer_auth(KEY)
        .multipart(form)
        .send()
        .expect("upload");
    assert_eq!(r.status(), 200);
    // Alice's key rotated, bob added; the old key is refused after SIGHUP.
    let keys = data.with_extension("keys");
    std::fs::write(&keys, format!("alice {NEW_KEY}\nbob {BOB_KEY}\n")).expect("keys file");
    let hup = Command::new("kill")
        .args(["-HUP", &server.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(hup.success());
    let started = Instant::now();
    while status(&client, &files, KEY) != 401 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the old key still opens"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let listed: serde_json::Value = client
        .get(&files)
        .bearer_auth(NEW_KEY)
        .send()
        .expect("list")
        .json()
        .expect("json");
    assert_eq!(
        listed["data"].as_array().map(Vec::len),
        Some(1),
        "the same account"
    );
    assert_eq!(status(&client, &files, BOB_KEY), 200);
    let r = client.get(&files).bearer_auth(KEY).send().expect("request");
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));

    // `ocrloom keys` on the same folder, while the server runs.
    let dir = data.to_string_lossy().into_owned();
    let out = ocrloom(&["keys", "list", "--data-dir", &dir]);
    let list = String::from_utf8_lossy(&out.stdout);
    assert_eq!(list.lines().count(), 2, "{list}");
    assert!(list.contains("alice\t") && list.contains("bob\t"), "{list}");
    let out = ocrloom(&["keys", "add", "carol", "--data-dir", &dir]);
    assert_eq!(out.status.code(), Some(0));
    let carol = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert_eq!(status(&client, &files, &carol), 200);
    let out = ocrloom(&["keys", "revoke", "bob", "--data-dir", &dir]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(status(&client, &files, BOB_KEY), 401, "revoked at once");
    let out = ocrloom(&["keys", "revoke", "bob", "--data-dir", &dir]);
    assert_eq!(out.status.code(), Some(2), "no keys left to revoke");
    assert!(server.terminate());

    // A duplicate key refuses to start, naming both lines.
    std::fs::write(&keys, format!("alice {NEW_KEY}\n\nbob {NEW_KEY}\n")).expect("keys file");
    let out = ocrloom(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--data-dir",
        &dir,
        "--keys-file",
        &keys.to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("keys:1") && stderr.contains("keys:3"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&data).ok();
    std::fs::remove_file(&keys).ok();
}
