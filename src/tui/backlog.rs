//! The Backlog screen (`gameday backlog FILE`): the hypothesis backlog on
//! its likelihood × impact map (a 5 × 5 grid, high/high top right), the
//! selected card, the three selection rules as filters with their ranked
//! lists, and the few edits a team makes while choosing what to explore:
//! advance a card's status, mark it acceptable, turn it into a playbook.
//!
//! Submodules: [`screen`] (state and keys), [`draw`].
pub mod draw;
pub mod screen;

pub use screen::{BacklogScreen, Filter, Outcome};

use futures::StreamExt;
use ratatui::crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};

/// Show the Backlog screen until the person quits. The terminal must be entered.
pub async fn run_backlog(mut screen: BacklogScreen) -> std::io::Result<()> {
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
