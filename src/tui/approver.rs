//! The console as an approver: proposals go to the app, the person's answer
//! comes back. After the terminal is lost (SIGHUP) or the process is told to
//! end (SIGTERM), nobody can answer, so remaining decisions are taken
//! automatically (rollbacks confirmed) and recorded as such.
use crate::engine::approver::DecisionFuture;
use crate::engine::{Approver, Decision, Proposal};
use crate::session::event::DecisionKind;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::{mpsc, oneshot};

/// A proposal and where to send its answer.
pub type Ask = (Proposal, oneshot::Sender<Decision>);

pub struct ConsoleApprover {
    tx: mpsc::UnboundedSender<Ask>,
    /// Answer by ourselves from now on.
    pub unattended: Arc<AtomicBool>,
}

impl ConsoleApprover {
    pub fn new() -> (Self, mpsc::UnboundedReceiver<Ask>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Self { tx, unattended: Arc::new(AtomicBool::new(false)) }, rx)
    }
}

impl Approver for ConsoleApprover {
    fn decide<'a>(&'a self, p: &'a Proposal) -> DecisionFuture<'a> {
        Box::pin(async move {
            let auto = |why: &str| {
                let kind = if p.manual { DecisionKind::Skip } else { DecisionKind::Confirm };
                Decision::new(kind, "auto", Some(why))
            };
            if self.unattended.load(Ordering::SeqCst) {
                return auto("nobody at the console (terminal lost or process terminated)");
            }
            let (reply, answer) = oneshot::channel();
            if self.tx.send((p.clone(), reply)).is_err() {
                return Decision::new(DecisionKind::Abort, "gameday", Some("the console closed"));
            }
            match answer.await {
                Ok(d) => d,
                // The app dropped the question: a STOP is under way, or the
                // terminal went away. The engine notices the STOP itself.
                Err(_) if self.unattended.load(Ordering::SeqCst) => {
                    auto("nobody at the console (terminal lost or process terminated)")
                }
                Err(_) => Decision::new(DecisionKind::Abort, "gameday", Some("the question was withdrawn")),
            }
        })
    }
}
