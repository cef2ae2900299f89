//! Choosing what to explore next, and the likelihood × impact map.
//!
//! The three selection rules all consider only candidates: cards still in
//! `backlog` status and not declared `acceptable`. Each returns every
//! candidate, best first, so a screen can show the ranking and not only
//! the winner; ties are broken by id so the order is stable.
use super::{Card, Status};
use std::cmp::Reverse;

fn candidates(cards: &[Card]) -> Vec<&Card> {
    cards.iter().filter(|c| !c.acceptable && c.status == Status::Backlog).collect()
}

/// High impact and high likelihood on the -ilities that matter most:
/// candidates touching at least one of `key_ilities` (all candidates when it
/// is empty), ranked by likelihood × impact, then by how many key -ilities
/// they touch, then by impact.
pub fn high_impact_likelihood<'a>(cards: &'a [Card], key_ilities: &[String]) -> Vec<&'a Card> {
    let mut out: Vec<&Card> =
        candidates(cards).into_iter().filter(|c| key_ilities.is_empty() || c.key_ilities(key_ilities) > 0).collect();
    out.sort_by_key(|c| {
        (
            Reverse(u16::from(c.likelihood) * u16::from(c.impact)),
            Reverse(c.key_ilities(key_ilities)),
            Reverse(c.impact),
            c.id.clone(),
        )
    });
    out
}

/// The safest start: lowest impact first; among equal impact, the more
/// likely failure first (it teaches more).
pub fn safe_start(cards: &[Card]) -> Vec<&Card> {
    let mut out = candidates(cards);
    out.sort_by_key(|c| (c.impact, Reverse(c.likelihood), c.id.clone()));
    out
}

/// The most -ilities (perhaps the most value) first; then likelihood × impact.
pub fn most_ilities(cards: &[Card]) -> Vec<&Card> {
    let mut out = candidates(cards);
    out.sort_by_key(|c| {
        (Reverse(c.ilities.len()), Reverse(u16::from(c.likelihood) * u16::from(c.impact)), c.id.clone())
    });
    out
}

/// Cards placed on the 5 × 5 map; a cell holds any number of cards (in
/// backlog order). Every card is placed, acceptable ones included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid<'a> {
    /// `cells[likelihood - 1][impact - 1]`
    cells: [[Vec<&'a Card>; 5]; 5],
}

impl<'a> Grid<'a> {
    /// The cards at (likelihood, impact), both 1–5; empty outside the map.
    pub fn cell(&self, likelihood: u8, impact: u8) -> &[&'a Card] {
        let (l, i) = (usize::from(likelihood), usize::from(impact));
        if !(1..=5).contains(&l) || !(1..=5).contains(&i) {
            return &[];
        }
        &self.cells[l - 1][i - 1]
    }

    /// The most cards in any one cell (to size the drawing).
    pub fn max_in_cell(&self) -> usize {
        self.cells.iter().flatten().map(Vec::len).max().unwrap_or(0)
    }
}

/// Place the cards on the map.
pub fn grid(cards: &[Card]) -> Grid<'_> {
    let mut g = Grid { cells: Default::default() };
    for c in cards {
        let (l, i) = (usize::from(c.likelihood.clamp(1, 5)), usize::from(c.impact.clamp(1, 5)));
        g.cells[l - 1][i - 1].push(c);
    }
    g
}
