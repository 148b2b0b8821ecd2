//! What one durable group of `PUT /image` answers costs on this disk, two ways
//! (issue 18: "if you find another design reaching one flush per group, measure
//! both"):
//!
//! - **files**: the path until schema version 3. Each picture is written under a
//!   temporary name, `fdatasync`ed and renamed (the former `store::scans::write_picture`,
//!   on the blocking pool, so the pictures of one group flush concurrently); the writer
//!   then `fsync`s the pictures' directory and commits the rows (WAL, `synchronous=FULL`).
//! - **blobs**: the pictures as BLOBs in the rows, one transaction, one commit (what the
//!   store does since version 3, in tables of their own).
//!
//! Both use the store's own settings (WAL, `synchronous=FULL`), a real file in
//! `DIR` (default: a temp dir under `target/`, the build's disk), pictures of
//! `KB` kB (default 20, about the legacy sample's PNG). Prints the median time per
//! group and per answer for groups of 1, 4 and 16.
//!
//! `cargo run --example group_flush [ROUNDS]`

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use rusqlite::{params, Connection};

fn open(path: &Path) -> Connection {
    let conn = Connection::open(path).expect("open the database");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("WAL");
    conn.pragma_update(None, "synchronous", "FULL")
        .expect("FULL");
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS files (id TEXT PRIMARY KEY, file TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS blobs (id TEXT PRIMARY KEY, image BLOB NOT NULL);",
    )
    .expect("schema");
    conn
}

fn write_picture(dir: &Path, name: &str, bytes: &[u8]) {
    let tmp = dir.join(format!("{name}.tmp"));
    let mut f = std::fs::File::create(&tmp).expect("create");
    f.write_all(bytes).expect("write");
    f.sync_data().expect("fdatasync");
    std::fs::rename(&tmp, dir.join(name)).expect("rename");
}

fn files_group(conn: &mut Connection, dir: &Path, start: usize, n: usize, picture: &[u8]) {
    std::thread::scope(|s| {
        for i in start..start + n {
            s.spawn(move || write_picture(dir, &format!("{i}.png"), picture));
        }
    });
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .expect("fsync the directory");
    let tx = conn.transaction().expect("begin");
    for i in start..start + n {
        tx.execute(
            "INSERT INTO files (id, file) VALUES (?1, ?2)",
            params![i.to_string(), format!("{i}.png")],
        )
        .expect("insert");
    }
    tx.commit().expect("commit");
}

fn blobs_group(conn: &mut Connection, start: usize, n: usize, picture: &[u8]) {
    let tx = conn.transaction().expect("begin");
    for i in start..start + n {
        tx.execute(
            "INSERT INTO blobs (id, image) VALUES (?1, ?2)",
            params![i.to_string(), picture],
        )
        .expect("insert");
    }
    tx.commit().expect("commit");
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(30);
    let kb: usize = std::env::var("KB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let base = std::env::var("DIR").unwrap_or_else(|_| "target/group-flush".into());
    let base = Path::new(&base);
    let _ = std::fs::remove_dir_all(base);
    let pictures = base.join("images");
    std::fs::create_dir_all(&pictures).expect("mkdir");
    let mut conn = open(&base.join("bench.db"));
    // Not compressible, like a PNG.
    let picture: Vec<u8> = (0..kb * 1024)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3])
        .collect();
    println!("{kb} kB pictures, {rounds} groups each, WAL + synchronous=FULL, {base:?}");
    println!("group | files: ms/group  ms/answer | blobs: ms/group  ms/answer | files/blobs");
    let mut next = 0;
    for n in [1usize, 4, 16] {
        let (mut files, mut blobs) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let t = Instant::now();
            files_group(&mut conn, &pictures, next, n, &picture);
            files.push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            blobs_group(&mut conn, next, n, &picture);
            blobs.push(t.elapsed().as_secs_f64() * 1e3);
            next += n;
        }
        let (f, b) = (median(files), median(blobs));
        println!(
            "{n:5} | {f:15.2} {:10.2} | {b:15.2} {:10.2} | {:.1}x",
            f / n as f64,
            b / n as f64,
            f / b
        );
    }
    let _ = std::fs::remove_dir_all(base);
}
