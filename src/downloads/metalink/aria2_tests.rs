//! End-to-end check with a real download manager: aria2 downloads the files a metalink lists
//! from a small local HTTP server and verifies their checksums.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::tests::render;
use super::{MetalinkFile, MetalinkVersion};

const TEXT: &[u8] = b"hello metalink\n";
const TEXT_MD5: &str = "7163383c6a915729265356db3bae7bb2";
const TEXT_SHA256: &str = "3338e2fc1d519735960f5665d1722ca67381890b65a85fa7b105506b298e4255";
const BINARY_MD5: &str = "33d9712cc5eb0bf18a41ed54a908e412";
const BINARY_SHA256: &str = "34398b85297bf7d9dfb59b8d511d8bbb44ab23e891570e4395e7871475fc8afb";

fn binary() -> Vec<u8> {
    (0..5000u32).map(|i| ((i * 7 + 3) % 256) as u8).collect()
}

/// Serves `files` (path → body) over HTTP/1.1, one request per connection; returns the base URL.
async fn serve(files: HashMap<&'static str, Vec<u8>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let files = Arc::new(files);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(respond(socket, Arc::clone(&files)));
        }
    });
    format!("http://{address}")
}

async fn respond(mut socket: TcpStream, files: Arc<HashMap<&'static str, Vec<u8>>>) {
    let mut request = Vec::new();
    let mut buffer = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
    let request = String::from_utf8_lossy(&request);
    let mut line = request.lines().next().unwrap_or("").split(' ');
    let method = line.next().unwrap_or("");
    let target = line.next().unwrap_or("");
    let path = target.split('?').next().unwrap_or("");
    let response = match files.get(path) {
        Some(body) => {
            let mut response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes();
            if method != "HEAD" {
                response.extend_from_slice(body);
            }
            response
        }
        None => {
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()
        }
    };
    let _ = socket.write_all(&response).await;
    let _ = socket.shutdown().await;
}

/// Runs aria2c on `metalink` into `dir`; its exit code.
async fn aria2c(dir: &Path, metalink: &str, extension: &str) -> Option<i32> {
    let file = dir.join(format!("order.{extension}"));
    std::fs::write(&file, metalink).unwrap();
    let mut command = tokio::process::Command::new("aria2c");
    command
        .args([
            "--no-conf",
            "--allow-overwrite=true",
            "--check-integrity=true",
            "--quiet",
        ])
        .args(["--max-tries=1", "--connect-timeout=5", "--timeout=10"])
        .args(["--no-proxy=127.0.0.1"])
        .arg("--dir")
        .arg(dir.join("out"))
        .arg("--metalink-file")
        .arg(&file);
    // A proxy from the environment would not reach the local server.
    for variable in [
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
    ] {
        command.env_remove(variable);
    }
    let output = command.output().await.unwrap();
    if !output.status.success() {
        // Shown with --nocapture: the reason behind an unexpected exit code.
        println!(
            "aria2c exited with {}: {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    output.status.code()
}

fn aria2c_installed() -> bool {
    std::process::Command::new("aria2c")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

#[tokio::test]
async fn aria2c_downloads_and_verifies_both_versions() {
    if !aria2c_installed() {
        println!("aria2c is not installed: skipping (Debian: apt-get install -y aria2)");
        return;
    }
    let base = serve(HashMap::from([
        ("/files/1", TEXT.to_vec()),
        ("/files/2", binary()),
    ]))
    .await;
    let files = |text_hash: (&str, &str), binary_hash: (&str, &str)| {
        vec![
            MetalinkFile {
                // `<`, `>` and `'` are escaped on the way and must come back as they were. Not `&`:
                // aria2 1.36 built with libxml2 reads `&amp;` in an attribute as `&#38;` and
                // saves `a&#38;b.txt` (a libxml2 SAX quirk; no XML spelling avoids it).
                name: "dir/x<y>'z.txt".to_owned(),
                size: Some(TEXT.len() as u64),
                mime_type: Some("text/plain".to_owned()),
                checksum: Some((text_hash.0.to_owned(), text_hash.1.to_owned())),
                url: format!("{base}/files/1?orderToken=x.y.z&scope=PROJECT"),
            },
            MetalinkFile {
                name: "data.bin".to_owned(),
                size: None,
                mime_type: None,
                checksum: Some((binary_hash.0.to_owned(), binary_hash.1.to_owned())),
                url: format!("{base}/files/2?orderToken=x.y.z&scope=PROJECT"),
            },
        ]
    };

    for (version, text_hash, binary_hash) in [
        (MetalinkVersion::V3, ("MD5", TEXT_MD5), ("MD5", BINARY_MD5)),
        (
            MetalinkVersion::V4,
            ("SHA-256", TEXT_SHA256),
            ("SHA-256", BINARY_SHA256),
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let metalink = render(version, files(text_hash, binary_hash)).await;
        assert_eq!(
            aria2c(dir.path(), &metalink, version.extension()).await,
            Some(0),
            "{version:?}: aria2c failed on\n{metalink}"
        );
        let out = dir.path().join("out");
        assert_eq!(
            std::fs::read(out.join("x<y>'z.txt")).unwrap(),
            TEXT,
            "{version:?}"
        );
        assert_eq!(
            std::fs::read(out.join("data.bin")).unwrap(),
            binary(),
            "{version:?}"
        );

        // A wrong checksum (well-formed, so it is published) makes the download fail.
        let dir = tempfile::tempdir().unwrap();
        let wrong = text_hash.1.replace(|c: char| c.is_ascii_digit(), "0");
        let metalink = render(version, files((text_hash.0, &wrong), binary_hash)).await;
        // 32: aria2's exit code for a failed checksum validation.
        assert_eq!(
            aria2c(dir.path(), &metalink, version.extension()).await,
            Some(32),
            "{version:?}: aria2c did not reject a wrong checksum"
        );
    }
}
