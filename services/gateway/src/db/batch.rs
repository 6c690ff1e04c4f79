//! Many requests' small statements run as one: each webhook asks its
//! question (are these keys in the ledger? take these shoppers' tokens) of a
//! [`Batcher`], which runs the questions waiting at that moment as one
//! statement and hands each its answers.
//!
//! No timer: an ask is sent at once when a statement slot is free; while
//! every slot is busy, the asks that arrive wait and go together in the
//! next statement (smart batching, as a group commit does). So one webhook
//! alone costs one round trip as before, and under load PostgreSQL runs one
//! statement per batch instead of one per webhook — the difference between
//! half of the machine's CPU spent in PostgreSQL and a few per cent.
//!
//! Asks that must not share a statement (two takes from one bucket: an
//! upsert may touch a row once) name a conflict key; the second waits for
//! the next statement.

use std::{
    collections::{HashSet, VecDeque},
    future::Future,
    sync::Arc,
};

use tokio::sync::{Semaphore, mpsc, oneshot};

/// Most items in one statement.
const MAX_ITEMS: usize = 500;

/// Asks waiting for a statement, beyond which an ask waits to be queued.
const BACKLOG: usize = 10_000;

/// A batch's statement failed (or the batcher has stopped); every ask in it
/// gets this.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct BatchError(Arc<sqlx::Error>);

impl BatchError {
    /// The database error behind it, for the caller's error type.
    pub fn into_sqlx(self) -> sqlx::Error {
        match Arc::try_unwrap(self.0) {
            Ok(error) => error,
            Err(shared) => sqlx::Error::Protocol(shared.to_string()),
        }
    }
}

/// Runs asks of items `I` with answers `O` in batches. Cheap to clone.
pub struct Batcher<I, O> {
    asks: mpsc::Sender<Ask<I, O>>,
}

impl<I, O> Clone for Batcher<I, O> {
    fn clone(&self) -> Self {
        Self {
            asks: self.asks.clone(),
        }
    }
}

struct Ask<I, O> {
    items: Vec<I>,
    reply: oneshot::Sender<Result<Vec<O>, BatchError>>,
}

/// How a batch is run: the statement, and which items may not share one.
pub trait Statement<I, O>: Send + Sync + 'static {
    /// Answers `items`, one answer per item, in order.
    fn run(&self, items: Vec<I>) -> impl Future<Output = Result<Vec<O>, sqlx::Error>> + Send;

    /// A key two items of one statement may not share (`None`: any may).
    fn conflict_key(&self, _item: &I) -> Option<String> {
        None
    }
}

impl<I: Send + 'static, O: Send + 'static> Batcher<I, O> {
    /// Starts the dispatcher, running at most `in_flight` statements at a
    /// time. It stops once every clone of the batcher is dropped.
    pub fn start(statement: impl Statement<I, O>, in_flight: usize) -> Self {
        let (asks, rx) = mpsc::channel(BACKLOG);
        tokio::spawn(dispatch(Arc::new(statement), rx, in_flight.max(1)));
        Self { asks }
    }

    /// The answers for `items`, in order, from the next statement run.
    pub async fn ask(&self, items: Vec<I>) -> Result<Vec<O>, BatchError> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, answer) = oneshot::channel();
        self.asks
            .send(Ask { items, reply })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> BatchError {
    BatchError(Arc::new(sqlx::Error::PoolClosed))
}

async fn dispatch<I: Send + 'static, O: Send + 'static, S: Statement<I, O>>(
    statement: Arc<S>,
    mut rx: mpsc::Receiver<Ask<I, O>>,
    in_flight: usize,
) {
    let slots = Arc::new(Semaphore::new(in_flight));
    // Asks put off for a conflict, taken first next time.
    let mut held: VecDeque<Ask<I, O>> = VecDeque::new();
    loop {
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        let first = match held.pop_front() {
            Some(ask) => ask,
            None => match rx.recv().await {
                Some(ask) => ask,
                None => return,
            },
        };
        let mut batch = Vec::new();
        let mut keys = HashSet::new();
        let mut items = 0;
        let mut put_off = VecDeque::new();
        let mut next = Some(first);
        while let Some(ask) = next {
            let conflicts: Vec<String> = ask
                .items
                .iter()
                .filter_map(|i| statement.conflict_key(i))
                .collect();
            if conflicts.iter().any(|k| keys.contains(k)) {
                put_off.push_back(ask);
            } else {
                keys.extend(conflicts);
                items += ask.items.len();
                batch.push(ask);
            }
            if items >= MAX_ITEMS {
                break;
            }
            next = held.pop_front().or_else(|| rx.try_recv().ok());
        }
        put_off.append(&mut held);
        held = put_off;
        let statement = Arc::clone(&statement);
        tokio::spawn(async move {
            run(&*statement, batch).await;
            drop(slot);
        });
    }
}

async fn run<I, O>(statement: &impl Statement<I, O>, batch: Vec<Ask<I, O>>) {
    let mut sizes = Vec::with_capacity(batch.len());
    let mut replies = Vec::with_capacity(batch.len());
    let mut items = Vec::new();
    for ask in batch {
        sizes.push(ask.items.len());
        replies.push(ask.reply);
        items.extend(ask.items);
    }
    let expected = items.len();
    let answers = match statement.run(items).await {
        Ok(answers) if answers.len() == expected => answers,
        Ok(answers) => {
            let error = BatchError(Arc::new(sqlx::Error::Protocol(format!(
                "a batch of {expected} items got {} answers",
                answers.len()
            ))));
            for reply in replies {
                let _ = reply.send(Err(error.clone()));
            }
            return;
        }
        Err(error) => {
            let error = BatchError(Arc::new(error));
            for reply in replies {
                let _ = reply.send(Err(error.clone()));
            }
            return;
        }
    };
    let mut answers = answers.into_iter();
    for (size, reply) in sizes.into_iter().zip(replies) {
        let _ = reply.send(Ok(answers.by_ref().take(size).collect()));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Doubles each number; remembers the batches it ran; refuses 13.
    #[derive(Clone, Default)]
    struct Double(Arc<Mutex<Vec<Vec<u32>>>>);

    impl Statement<u32, u32> for Double {
        async fn run(&self, items: Vec<u32>) -> Result<Vec<u32>, sqlx::Error> {
            self.0.lock().unwrap().push(items.clone());
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            if items.contains(&13) {
                return Err(sqlx::Error::PoolTimedOut);
            }
            Ok(items.into_iter().map(|n| n * 2).collect())
        }

        fn conflict_key(&self, item: &u32) -> Option<String> {
            Some((item % 10).to_string())
        }
    }

    #[tokio::test]
    async fn asks_waiting_together_share_a_statement_and_get_their_own_answers() {
        let statement = Double::default();
        let batcher = Batcher::start(statement.clone(), 1);
        let asks = (0..9u32).map(|n| {
            let batcher = batcher.clone();
            async move { batcher.ask(vec![n, n + 20]).await }
        });
        let answers = futures::future::join_all(asks).await;
        for (n, answer) in (0..9u32).zip(answers) {
            assert_eq!(answer.unwrap(), vec![n * 2, (n + 20) * 2]);
        }
        let batches = statement.0.lock().unwrap().clone();
        assert!(
            batches.len() < 9,
            "nine asks at once ran as {} statements",
            batches.len()
        );
    }

    #[tokio::test]
    async fn asks_with_a_shared_conflict_key_run_in_different_statements() {
        let statement = Double::default();
        let batcher = Batcher::start(statement.clone(), 1);
        // Holds the only slot so the next three queue together.
        let first = tokio::spawn({
            let b = batcher.clone();
            async move { b.ask(vec![5]).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let rest = futures::future::join_all(
            [1u32, 11, 2]
                .into_iter()
                .map(|n| batcher.ask(vec![n]))
                .collect::<Vec<_>>(),
        )
        .await;
        assert_eq!(first.await.unwrap().unwrap(), vec![10]);
        let rest: Vec<Vec<u32>> = rest.into_iter().map(Result::unwrap).collect();
        assert_eq!(rest, vec![vec![2], vec![22], vec![4]]);
        let batches = statement.0.lock().unwrap().clone();
        for batch in &batches {
            assert!(
                !(batch.contains(&1) && batch.contains(&11)),
                "1 and 11 share a key but ran together: {batches:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_failed_statement_fails_every_ask_in_it_and_only_those() {
        let statement = Double::default();
        let batcher = Batcher::start(statement, 1);
        let blocker = tokio::spawn({
            let b = batcher.clone();
            async move { b.ask(vec![9]).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let (bad, good) = tokio::join!(batcher.ask(vec![13]), batcher.ask(vec![4]));
        assert!(blocker.await.unwrap().is_ok());
        assert!(bad.is_err());
        assert!(good.is_err(), "4 shared the failed statement");
        // The next statement runs on.
        assert_eq!(batcher.ask(vec![6]).await.unwrap(), vec![12]);
    }
}
