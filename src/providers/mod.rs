//! Providers: what actually performs an activity (http, process, python).
