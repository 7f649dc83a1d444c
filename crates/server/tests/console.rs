//! The web console's page and assets over real HTTP: content types, the
//! security headers, nothing served without a name in the table, and no
//! data without a key. (The browser test, tests/console/ at the repository
//! root, drives the page itself in Chromium.)

mod common;

use common::{fake_server, json};

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob:; \
connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

#[test]
fn the_page_and_its_assets_carry_their_types_and_the_security_headers() {
    let s = fake_server();
    let cases = [
        ("/", "text/html; charset=utf-8"),
        ("/console/console.css", "text/css; charset=utf-8"),
        ("/console/app.js", "text/javascript; charset=utf-8"),
        ("/console/api.js", "text/javascript; charset=utf-8"),
        ("/console/upload.js", "text/javascript; charset=utf-8"),
        ("/console/jobs.js", "text/javascript; charset=utf-8"),
        ("/console/preview.js", "text/javascript; charset=utf-8"),
        ("/console/icon.svg", "image/svg+xml"),
    ];
    for (path, content_type) in cases {
        // No key: the page is public, it holds nothing of anyone's.
        let r = s.client.get(s.url(path)).send().expect("get");
        assert_eq!(r.status(), 200, "{path}");
        let h = r.headers();
        assert_eq!(h["content-type"], content_type, "{path}");
        assert_eq!(h["content-security-policy"], CSP, "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert!(!r.bytes().expect("body").is_empty(), "{path}");
    }
}

#[test]
fn the_page_carries_the_servers_limits_and_no_inline_code() {
    let s = fake_server();
    let page = s
        .client
        .get(s.url("/"))
        .send()
        .expect("get")
        .text()
        .expect("text");
    let config = s.manager.config();
    assert!(
        page.contains(&format!("data-max-file-size=\"{}\"", config.max_file_size)),
        "{page}"
    );
    assert!(page.contains("data-max-chunk-size=\"1048576\""), "{page}");
    assert!(!page.contains("{{"), "a placeholder left: {page}");
    // Scripts and styles come only from files (the policy would block
    // inline ones: this keeps the page from depending on them).
    assert!(!page.contains("<style"), "inline style element");
    assert!(!page.contains("style=\""), "inline style attribute");
    let handler = page.split(" on").skip(1).find(|rest| {
        let name: String = rest.chars().take_while(char::is_ascii_alphabetic).collect();
        !name.is_empty() && rest[name.len()..].starts_with('=')
    });
    assert_eq!(handler, None, "inline event handler");
    let scripts = page.matches("<script").count();
    let external = page
        .matches("<script type=\"module\" src=\"/console/")
        .count();
    assert_eq!((scripts, external), (1, 1));
}

#[test]
fn unknown_assets_and_other_methods_answer_json_errors() {
    let s = fake_server();
    for path in [
        "/console/",
        "/console/nope.js",
        "/console/../keys",
        "/console/app.js/x",
    ] {
        let r = s.client.get(s.url(path)).send().expect("get");
        let body = json(r, 404);
        assert_eq!(body["error"]["code"], "not_found", "{path}");
    }
    let r = s.client.post(s.url("/")).send().expect("post");
    let body = json(r, 405);
    assert_eq!(body["error"]["code"], "method_not_allowed");
}
