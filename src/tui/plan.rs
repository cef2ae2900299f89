//! The Plan screen (`gameday plan FILE`): a playbook's seven planning steps
//! (hypothesis, style, who, where, when, the experiment, approval) as a
//! checklist of what is complete and what is missing, and the few things a
//! facilitator fills in on the day (approvals, invitees, preflight ticks,
//! notes), saved to a day file next to the playbook so that the playbook and
//! its comments are never rewritten (see [`day`]).
//!
//! Submodules: [`day`] (the sidecar file), [`checklist`] (the seven steps and
//! their gaps), [`detail`] (one step's rows), [`form`] (small dialogs),
//! [`screen`] (state and keys), [`draw`].
pub mod checklist;
pub mod day;
pub mod detail;
pub mod draw;
pub mod form;
pub mod screen;

pub use screen::{Outcome, PlanScreen};

use futures::StreamExt;
use ratatui::crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};

/// Show the Plan screen until the person quits. The terminal must be entered.
pub async fn run_plan(mut screen: PlanScreen) -> std::io::Result<()> {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(std::io::stdout()))?;
    // A full first paint. Not `clear()`: in ratatui 0.30 it asks the
    // terminal where its cursor is, and a terminal (or pty) that never
    // answers would hang the screen before its first frame.
    let area = terminal.size()?;
    terminal.resize(ratatui::layout::Rect::new(0, 0, area.width, area.height))?;
    let mut events = EventStream::new();
    loop {
        terminal.draw(|f| draw::draw(f, &screen))?;
        match events.next().await {
            Some(Ok(TermEvent::Key(k))) if k.kind == KeyEventKind::Press => {
                if screen.on_key(k) == Outcome::Quit {
                    return Ok(());
                }
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e),
            None => return Ok(()),
        }
    }
}
