//! Sessions: the append-only event log and the journal projected from it.
