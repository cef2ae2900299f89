//! How a run is carried out: Chaos Toolkit's strategies and dry modes, and
//! which steps wait for a human decision.
use serde::{Deserialize, Serialize};

/// `--dry`: what is not executed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Dry {
    Probes,
    Actions,
    Activities,
    Pause,
}

impl Dry {
    pub fn as_str(self) -> &'static str {
        match self {
            Dry::Probes => "probes",
            Dry::Actions => "actions",
            Dry::Activities => "activities",
            Dry::Pause => "pause",
        }
    }
}

/// When rollbacks are played.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum RollbackStrategy {
    Default,
    Always,
    Never,
    Deviated,
}

impl RollbackStrategy {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "default" => Some(Self::Default),
            "always" => Some(Self::Always),
            "never" => Some(Self::Never),
            "deviated" => Some(Self::Deviated),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::Always => "always",
            Self::Never => "never",
            Self::Deviated => "deviated",
        }
    }
}

/// When the steady-state hypothesis is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum HypothesisStrategy {
    Default,
    BeforeMethodOnly,
    AfterMethodOnly,
    DuringMethodOnly,
    Continuously,
    /// Chaos Toolkit's misspelled alias, accepted with a warning.
    #[value(hide = true)]
    Continously,
}

impl HypothesisStrategy {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "default" => Some(Self::Default),
            "before-method-only" => Some(Self::BeforeMethodOnly),
            "after-method-only" => Some(Self::AfterMethodOnly),
            "during-method-only" => Some(Self::DuringMethodOnly),
            "continuously" => Some(Self::Continuously),
            "continously" => Some(Self::Continously),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::BeforeMethodOnly => "before-method-only",
            Self::AfterMethodOnly => "after-method-only",
            Self::DuringMethodOnly => "during-method-only",
            Self::Continuously | Self::Continously => "continuously",
        }
    }

    pub fn before(self) -> bool {
        matches!(self, Self::Default | Self::BeforeMethodOnly | Self::Continuously | Self::Continously)
    }

    pub fn during(self) -> bool {
        matches!(self, Self::DuringMethodOnly | Self::Continuously | Self::Continously)
    }

    pub fn after(self) -> bool {
        matches!(self, Self::Default | Self::AfterMethodOnly | Self::Continuously | Self::Continously)
    }
}

/// Which steps wait for a human decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Gate {
    /// Every step (the console's default).
    Every,
    /// Actions and manual steps only; probes run on their own.
    Actions,
    /// Only steps marked `dangerous: true` (and manual steps).
    Dangerous,
    /// Nothing waits (headless runs).
    None,
}

/// Everything that shapes a run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub dry: Option<Dry>,
    pub rollback_strategy: RollbackStrategy,
    pub hypothesis_strategy: HypothesisStrategy,
    /// Seconds between continuous hypothesis checks.
    pub hypothesis_frequency: f64,
    pub fail_fast: bool,
    pub gate: Gate,
    /// Python interpreter for python providers.
    pub python: String,
    /// Who decisions are attributed to when the approver does not say.
    pub operator: String,
    /// Headless: manual steps cannot be performed and are skipped.
    pub headless: bool,
    /// Inline secrets (scope, key) a resumed session no longer has: an
    /// activity that needs one fails without running, rather than running
    /// with the mask in its place.
    pub lost_secrets: Vec<(String, String)>,
    /// Controls from the settings file and `--control-file`, and the settings.
    pub globals: super::controls::Globals,
    /// A blackout window in force when the run started, in words: the
    /// readiness gate lists it as missing, so starting needs an override.
    pub blackout: Option<String>,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            dry: None,
            rollback_strategy: RollbackStrategy::Default,
            hypothesis_strategy: HypothesisStrategy::Default,
            hypothesis_frequency: 1.0,
            fail_fast: false,
            gate: Gate::None,
            python: "python3".into(),
            operator: "gameday".into(),
            headless: true,
            lost_secrets: Vec::new(),
            globals: Default::default(),
            blackout: None,
        }
    }
}
