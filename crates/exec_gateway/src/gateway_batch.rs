//! Group submits: many orders share the journal's fsyncs, in one call or split in halves for callers (the server)
//! that pipeline group commits, making one group's acknowledgements durable together with the next group's intents.

use crate::error::GatewayError;
use crate::gateway::{Gateway, Submitted};
use crate::order::OrderIntent;
use crate::venue::Venue;

/// Intents checked and journaled (not yet committed) by [`Gateway::admit_batch`], waiting to be sent.
#[derive(Debug)]
pub struct AdmittedBatch {
    intents: Vec<OrderIntent>,
    /// Answers known already (repeats, refusals); `None` for the intents to send.
    results: Vec<Option<Result<Submitted, GatewayError>>>,
    to_send: Vec<usize>,
}

impl<V: Venue> Gateway<V> {
    /// Submits many orders with one journal sync for all intents and one for all acknowledgements (group commit).
    /// Each intent gets its own result, in order.
    pub fn submit_batch(
        &mut self,
        intents: Vec<OrderIntent>,
    ) -> Vec<Result<Submitted, GatewayError>> {
        let batch = self.admit_batch(intents);
        if let Err(error) = self.commit() {
            return self.abandon_batch(batch, &error);
        }
        let results = self.send_batch(batch);
        let committed = self.commit();
        results
            .into_iter()
            .map(|result| match &committed {
                Ok(()) => result,
                Err(error) => Err(GatewayError::Halted(format!(
                    "journal commit failed: {error}"
                ))),
            })
            .collect()
    }

    /// The first half of a group submit, for callers that pipeline group commits: checks every intent and queues
    /// the write-ahead record of each new one. Nothing is committed or sent. Next: [`Gateway::commit_journal`],
    /// then [`Gateway::send_batch`] (or [`Gateway::abandon_batch`] if the commit failed).
    pub fn admit_batch(&mut self, intents: Vec<OrderIntent>) -> AdmittedBatch {
        let mut results: Vec<Option<Result<Submitted, GatewayError>>> =
            Vec::with_capacity(intents.len());
        let mut to_send = Vec::new();
        let mut admitted_ids = foldhash::HashSet::default();
        for (index, intent) in intents.iter().enumerate() {
            // A repeat of an intent admitted earlier in this batch is not on disk yet: answer without resolving.
            let resolve = !admitted_ids.contains(&intent.client_order_id);
            let admitted =
                self.check_repeat(intent, None, resolve)
                    .and_then(|repeat| match repeat {
                        Some(repeat) => Ok(Some(repeat)),
                        None => self
                            .admit_new(intent, 0)
                            .and_then(|()| self.write_ahead(intent, None))
                            .map(|()| None),
                    });
            match admitted {
                Ok(None) => {
                    to_send.push(index);
                    admitted_ids.insert(intent.client_order_id.clone());
                    results.push(None);
                }
                other => results.push(Some(other.map(|repeat| repeat.expect("repeat")))),
            }
        }
        AdmittedBatch {
            intents,
            results,
            to_send,
        }
    }

    /// The second half: sends the admitted intents, whose records a commit has made durable, and queues the
    /// venue's answers. The results must not be answered before the next successful commit.
    pub fn send_batch(&mut self, batch: AdmittedBatch) -> Vec<Result<Submitted, GatewayError>> {
        let AdmittedBatch {
            intents,
            mut results,
            to_send,
        } = batch;
        for &index in &to_send {
            let intent = &intents[index];
            let result = self.call_venue(|venue| venue.submit(intent));
            results[index] = Some(self.settle_send_deferred(&intent.client_order_id, result));
        }
        results
            .into_iter()
            .map(|r| r.expect("every intent has a result"))
            .collect()
    }

    /// The commit after [`Gateway::admit_batch`] failed: nothing was sent, and the queued intents are lost with the
    /// failed write, so they are forgotten; each answers with the failure.
    pub fn abandon_batch(
        &mut self,
        batch: AdmittedBatch,
        error: &GatewayError,
    ) -> Vec<Result<Submitted, GatewayError>> {
        let message = error.to_string();
        for &index in &batch.to_send {
            self.forget(&batch.intents[index].client_order_id);
        }
        batch
            .results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(GatewayError::Halted(format!(
                        "journal commit failed: {message}"
                    )))
                })
            })
            .collect()
    }

    /// Commits every queued journal record; a failure halts the gateway (see [`Gateway::submit_batch`]'s halves).
    pub fn commit_journal(&mut self) -> Result<(), GatewayError> {
        self.commit()
    }
}

#[cfg(test)]
mod tests {
    //! The halves, pipelined as the server runs them (one commit holding a group's acks and the next group's
    //! intents), leave the same orders and the same journal as whole group submits.

    use crate::gateway::tests::{id, intent, journal_records, limit, open};
    use crate::order::OrderStatus;
    use crate::sim::{SimConfig, SimVenue};

    #[test]
    fn pipelined_halves_equal_whole_group_submits() {
        let groups = [
            vec![intent("a", 1, limit(100)), intent("b", 2, limit(100))],
            // A repeat of a previous group's order, a repeat within the group, and new ones.
            vec![
                intent("a", 1, limit(100)),
                intent("c", 3, limit(100)),
                intent("c", 3, limit(100)),
            ],
            vec![intent("d", 4, limit(100))],
        ];
        let dir = tempfile::tempdir().unwrap();
        let (whole_path, piped_path) = (dir.path().join("whole"), dir.path().join("piped"));
        let (mut whole, _) = open(&whole_path, SimVenue::new(SimConfig::default()));
        let whole_results: Vec<_> = groups
            .iter()
            .flat_map(|group| whole.submit_batch(group.clone()))
            .collect();

        let (mut piped, _) = open(&piped_path, SimVenue::new(SimConfig::default()));
        let mut piped_results = Vec::new();
        let mut waiting = Vec::new();
        for group in &groups {
            let admitted = piped.admit_batch(group.clone());
            piped.commit_journal().unwrap();
            piped_results.append(&mut waiting); // answered: this commit held their acknowledgements
            waiting = piped.send_batch(admitted);
        }
        piped.commit_journal().unwrap();
        piped_results.append(&mut waiting);

        let answers = |results: &[Result<crate::gateway::Submitted, _>]| -> Vec<_> {
            results
                .iter()
                .map(|r| r.as_ref().unwrap().clone())
                .collect()
        };
        assert_eq!(answers(&piped_results), answers(&whole_results));
        let duplicates: Vec<bool> = piped_results
            .iter()
            .map(|r| r.as_ref().unwrap().duplicate)
            .collect();
        assert_eq!(duplicates, [false, false, true, false, true, false]);
        for name in ["a", "b", "c", "d"] {
            assert_eq!(
                piped.order(&id(name)).unwrap().status(),
                OrderStatus::Accepted
            );
        }
        drop((whole, piped));
        assert_eq!(journal_records(&piped_path), journal_records(&whole_path));
    }
}
