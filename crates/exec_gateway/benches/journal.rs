//! Criterion benches of journal appends: one fsync per record versus group commit, and OS-buffered writes.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use exec_gateway::journal::{Journal, SyncPolicy};

/// A payload of the size of a journaled order intent.
const PAYLOAD: &[u8] = &[b'x'; 240];

fn appends(c: &mut Criterion) {
    let mut group = c.benchmark_group("journal_append");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    for (name, policy, batch) in [
        ("fsync_each_record", SyncPolicy::Fsync, 1u64),
        ("fsync_group_commit_100", SyncPolicy::Fsync, 100),
        ("fsync_group_commit_1000", SyncPolicy::Fsync, 1000),
        ("os_buffered_each_record", SyncPolicy::OsBuffer, 1),
    ] {
        group.throughput(Throughput::Elements(batch));
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let dir = tempfile::tempdir().unwrap();
                let (mut journal, _, _) = Journal::open(&dir.path().join("j"), policy).unwrap();
                let start = Instant::now();
                for _ in 0..iters {
                    for _ in 0..batch {
                        journal.append(black_box(PAYLOAD)).unwrap();
                    }
                    journal.commit().unwrap();
                }
                start.elapsed()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, appends);
criterion_main!(benches);
