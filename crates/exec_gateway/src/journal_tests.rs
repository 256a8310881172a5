//! Tests of the journal: replay, group commit, torn tails at every byte (also inside preallocated zeros),
//! mid-file corruption, and the zeroed space kept ahead of an fsync'd journal's end.

use super::*;

thread_local! {
    /// Makes this thread's journal syncs fail (see `Journal::sync`).
    pub(super) static FAIL_SYNC: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[test]
fn after_a_failed_sync_every_commit_fails_until_reopened() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.log");
    let (mut journal, _, _) = Journal::open(&path, SyncPolicy::Fsync).unwrap();
    journal.append_batch([b"durable".as_slice()]).unwrap();
    journal.append(b"lost with the failed sync").unwrap();
    FAIL_SYNC.with(|fail| fail.set(true));
    let err = journal.commit().unwrap_err();
    FAIL_SYNC.with(|fail| fail.set(false));
    assert!(
        err.to_string().contains("fsync: injected fsync failure"),
        "{err}"
    );
    // A record queued after the failure is not committed either, and neither is "nothing": a caller holding
    // answers for records the failed sync dropped must not take a later empty commit for their durability.
    journal.append(b"after the failure").unwrap();
    let err = journal.commit().unwrap_err();
    assert!(
        err.to_string().contains("earlier write or fsync failed"),
        "{err}"
    );
    assert!(journal.commit().is_err());
    assert!(journal.flush().is_err());
    assert_eq!(journal.pending_records(), 0);
    drop(journal);
    let (mut journal, replayed, _) = Journal::open(&path, SyncPolicy::Fsync).unwrap();
    assert_eq!(replayed, vec![b"durable".to_vec()]);
    assert_eq!(journal.append_batch([b"again".as_slice()]).unwrap(), 1);
}

fn payloads() -> Vec<Vec<u8>> {
    vec![
        b"first record".to_vec(),
        b"second".to_vec(),
        vec![7u8; 300],
        b"the last one".to_vec(),
    ]
}

fn write_all(path: &Path, records: &[Vec<u8>]) {
    let (mut journal, replayed, _) = Journal::open(path, SyncPolicy::Fsync).unwrap();
    assert!(replayed.is_empty());
    assert_eq!(
        journal
            .append_batch(records.iter().map(Vec::as_slice))
            .unwrap(),
        records.len()
    );
}

#[test]
fn replays_committed_records_in_order_and_drops_uncommitted_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.log");
    write_all(&path, &payloads());
    {
        let (mut journal, replayed, repair) = Journal::open(&path, SyncPolicy::Fsync).unwrap();
        assert_eq!(replayed, payloads());
        assert_eq!(repair, TailRepair::default());
        journal.append(b"never committed").unwrap();
        assert_eq!(journal.pending_records(), 1);
    } // dropped without commit: a crash before the fsync
    let (journal, replayed, _) = Journal::open(&path, SyncPolicy::Fsync).unwrap();
    assert_eq!(replayed, payloads());
    assert_eq!(
        journal.committed_len(),
        std::fs::metadata(&path).unwrap().len()
    );
}

#[test]
fn group_commit_writes_many_records_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.log");
    let (mut journal, _, _) = Journal::open(&path, SyncPolicy::Fsync).unwrap();
    for i in 0..100u32 {
        journal.append(&i.to_le_bytes()).unwrap();
    }
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        0,
        "nothing is written before commit"
    );
    assert_eq!(journal.commit().unwrap(), 100);
    assert_eq!(journal.commit().unwrap(), 0);
    assert_eq!(journal.committed_len(), 100 * (HEADER_LEN as u64 + 4));
    assert_eq!(read_records(&path).unwrap().len(), 100);
    drop(journal);
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        100 * (HEADER_LEN as u64 + 4),
        "a closed journal is exactly its records"
    );
}

#[test]
fn a_torn_last_record_is_truncated_at_every_byte_offset() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.log");
    let records = payloads();
    write_all(&path, &records);
    let full = std::fs::read(&path).unwrap();
    let last_start = full.len() - HEADER_LEN - records.last().unwrap().len();
    for cut in last_start..full.len() {
        std::fs::write(&path, &full[..cut]).unwrap();
        let (mut journal, replayed, repair) = Journal::open(&path, SyncPolicy::Fsync).unwrap();
        assert_eq!(replayed, records[..records.len() - 1], "cut at {cut}");
        assert_eq!(
            repair.truncated_bytes,
            (cut - last_start) as u64,
            "cut at {cut}"
        );
        assert_eq!(std::fs::metadata(&path).unwrap().len(), last_start as u64);
        // The journal goes on cleanly after the repair.
        journal.append_batch([b"after repair".as_slice()]).unwrap();
        drop(journal);
        let (_, replayed, repair) = Journal::open(&path, SyncPolicy::Fsync).unwrap();
        assert_eq!(replayed.last().unwrap(), b"after repair");
        assert_eq!(repair.truncated_bytes, 0);
    }
}

#[test]
fn a_bad_checksum_on_the_last_record_is_a_torn_tail() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.log");
    write_all(&path, &payloads());
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xFF;
    std::fs::write(&path, &bytes).unwrap();
    let (_, replayed, repair) = Journal::open(&path, SyncPolicy::Fsync).unwrap();
    assert_eq!(replayed.len(), 3);
    assert_eq!(
        repair.truncated_bytes,
        (HEADER_LEN + b"the last one".len()) as u64
    );
}

#[test]
fn a_zero_filled_tail_is_unused_space_and_is_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.log");
    write_all(&path, &payloads());
    let mut bytes = std::fs::read(&path).unwrap();
    let clean_len = bytes.len();
    bytes.extend_from_slice(&[0u8; 4096]);
    std::fs::write(&path, &bytes).unwrap();
    let (_, replayed, repair) = Journal::open(&path, SyncPolicy::OsBuffer).unwrap();
    assert_eq!(replayed, payloads());
    assert_eq!(repair.truncated_bytes, 0, "zeros are not a torn record");
    assert_eq!(std::fs::metadata(&path).unwrap().len(), clean_len as u64);
}

#[test]
fn a_record_torn_inside_preallocated_zeros_is_a_torn_tail_at_every_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.log");
    let records = payloads();
    write_all(&path, &records);
    let full = std::fs::read(&path).unwrap();
    let last_start = full.len() - HEADER_LEN - records.last().unwrap().len();
    for cut in last_start + 1..full.len() {
        // A crash mid-write into zeroed space: the record's first `cut` bytes landed, zeros after them.
        let mut bytes = full[..cut].to_vec();
        bytes.resize(full.len() + 8192, 0);
        std::fs::write(&path, &bytes).unwrap();
        let (_, replayed, repair) = Journal::open(&path, SyncPolicy::Fsync).unwrap();
        assert_eq!(replayed, records[..records.len() - 1], "cut at {cut}");
        assert_eq!(
            repair.truncated_bytes,
            (bytes.len() - last_start) as u64,
            "cut at {cut}"
        );
        assert_eq!(std::fs::metadata(&path).unwrap().len(), last_start as u64);
    }
    // Damage followed by a record is still corruption, zeros or not.
    let mut bytes = full.clone();
    bytes[last_start - 1] ^= 0xFF; // the third record's last payload byte
    bytes.resize(full.len() + 8192, 0);
    std::fs::write(&path, &bytes).unwrap();
    let err = Journal::open(&path, SyncPolicy::Fsync).unwrap_err();
    assert!(matches!(err, JournalError::Corrupt { .. }), "{err}");
}

#[test]
fn an_fsync_journal_keeps_zeroed_space_ahead_and_cuts_it_off_when_closed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.log");
    let (mut journal, _, _) = Journal::open(&path, SyncPolicy::Fsync).unwrap();
    let record = vec![5u8; 1000];
    let mut committed = 0;
    // Enough records to need several extensions; the extender runs beside the commits.
    for _ in 0..400 {
        committed += journal.append_batch([record.as_slice()]).unwrap();
    }
    assert_eq!(committed, 400);
    let expected_len = 400 * (HEADER_LEN as u64 + 1000);
    assert_eq!(journal.committed_len(), expected_len);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::fs::metadata(&path).unwrap().len() <= expected_len {
        assert!(
            std::time::Instant::now() < deadline,
            "no zeroed space appeared ahead of the records"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let bytes = std::fs::read(&path).unwrap();
    assert!(
        bytes[expected_len as usize..].iter().all(|&b| b == 0),
        "only zeros after the records"
    );
    assert_eq!(read_records(&path).unwrap().len(), 400);
    drop(journal);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), expected_len);
    let (_, replayed, repair) = Journal::open(&path, SyncPolicy::Fsync).unwrap();
    assert_eq!(replayed.len(), 400);
    assert_eq!(repair, TailRepair::default());
}

#[test]
fn damage_in_the_middle_is_an_error_naming_the_offset_and_nothing_is_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.log");
    write_all(&path, &payloads());
    let original = std::fs::read(&path).unwrap();
    let second_start = HEADER_LEN + b"first record".len();

    let mut flipped = original.clone();
    flipped[second_start + HEADER_LEN] ^= 0x01; // a payload byte of the second record
    std::fs::write(&path, &flipped).unwrap();
    let err = Journal::open(&path, SyncPolicy::Fsync).unwrap_err();
    assert!(
        matches!(err, JournalError::Corrupt { offset, .. } if offset == second_start as u64),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains(&format!("corrupt record at byte offset {second_start}")),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        flipped,
        "a corrupt journal is left as it is"
    );

    let mut bad_len = original.clone();
    bad_len[second_start..second_start + 4].copy_from_slice(&0u32.to_le_bytes());
    std::fs::write(&path, &bad_len).unwrap();
    let err = Journal::open(&path, SyncPolicy::Fsync).unwrap_err();
    assert!(err.to_string().contains("invalid record length 0"), "{err}");
}

#[test]
fn empty_and_oversized_payloads_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (mut journal, _, _) =
        Journal::open(&dir.path().join("j.log"), SyncPolicy::OsBuffer).unwrap();
    assert!(matches!(
        journal.append(b""),
        Err(JournalError::InvalidRecordLength { len: 0, .. })
    ));
    assert!(journal.append(&vec![1u8; MAX_RECORD_LEN + 1]).is_err());
    assert_eq!(journal.pending_records(), 0);
}

#[test]
fn an_unopenable_path_is_an_io_error_naming_the_path() {
    let err = Journal::open(Path::new("/nonexistent-dir/j.log"), SyncPolicy::Fsync).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("journal /nonexistent-dir/j.log: open:"),
        "{err}"
    );
}

#[test]
fn in_process_journals_write_in_chunks_and_on_flush() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.log");
    let (mut journal, _, _) = Journal::open(&path, SyncPolicy::InProcess).unwrap();
    journal.append(b"small").unwrap();
    assert_eq!(journal.commit().unwrap(), 0, "below a chunk: held back");
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
    assert_eq!(journal.flush().unwrap(), 1);
    let big = vec![3u8; IN_PROCESS_CHUNK];
    journal.append(&big).unwrap();
    assert_eq!(
        journal.commit().unwrap(),
        1,
        "a full chunk goes out on commit"
    );
    drop(journal);
    let (_, replayed, _) = Journal::open(&path, SyncPolicy::InProcess).unwrap();
    assert_eq!(replayed, vec![b"small".to_vec(), big]);
}

#[test]
fn a_journal_has_one_writer_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.log");
    let (first, _, _) = Journal::open(&path, SyncPolicy::OsBuffer).unwrap();
    let err = Journal::open(&path, SyncPolicy::OsBuffer).unwrap_err();
    assert!(matches!(err, JournalError::Locked { .. }), "{err}");
    drop(first);
    Journal::open(&path, SyncPolicy::OsBuffer).unwrap();
}

#[test]
fn reading_for_inspection_neither_locks_nor_repairs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.log");
    write_all(&path, &payloads());
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.truncate(bytes.len() - 2);
    std::fs::write(&path, &bytes).unwrap();
    let (_open, _, _) = Journal::open(&path, SyncPolicy::OsBuffer).unwrap();
    std::fs::write(&path, &bytes).unwrap(); // put the torn tail back behind the open journal's back
    assert_eq!(read_records(&path).unwrap(), payloads()[..3]);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the file is left as it was"
    );
}

#[test]
fn records_encoded_in_place_are_framed_like_appended_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.log");
    let (mut journal, _, _) = Journal::open(&path, SyncPolicy::Fsync).unwrap();
    for payload in payloads() {
        journal
            .append_with(|out| out.extend_from_slice(&payload))
            .unwrap();
    }
    let err = journal.append_with(|_| {}).unwrap_err();
    assert!(
        matches!(err, JournalError::InvalidRecordLength { len: 0, .. }),
        "{err}"
    );
    assert_eq!(
        journal.commit().unwrap(),
        payloads().len(),
        "the empty one was dropped"
    );
    let framed: Vec<u8> = payloads().iter().flat_map(|p| encode_record(p)).collect();
    drop(journal);
    assert_eq!(std::fs::read(&path).unwrap(), framed);
    assert_eq!(
        Journal::open(&path, SyncPolicy::Fsync).unwrap().1,
        payloads()
    );
}
