//! What every HTTP client of gameday shares (the http and prometheus
//! providers, loading from a URL, Vault, notifications): one way to build
//! a client and one way to describe a transport error.
//!
//! The TLS set-up, built once per process and loading
//! the system's root certificates only when a TLS handshake first needs
//! them. reqwest's default builds a platform verifier per client, which
//! reads and parses every file of the system's certificate store (about 150
//! on Debian) for each http activity, even a plain `http://` one: that was
//! most of the time and memory an http probe cost a headless run.
//!
//! The configuration is the one reqwest builds by default (rustls with the
//! ring provider unless another is installed, every TLS version rustls
//! supports, SNI on, ALPN h2 then http/1.1, the platform verifier); only
//! when the verifier loads its roots changes. Roots are then read once per
//! process, not once per call.
use reqwest::ClientBuilder;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::sync::{Arc, OnceLock};

/// A platform verifier created on first use.
#[derive(Debug)]
struct LazyVerifier {
    provider: Arc<CryptoProvider>,
    inner: OnceLock<Result<rustls_platform_verifier::Verifier, rustls::Error>>,
}

impl LazyVerifier {
    fn get(&self) -> Result<&rustls_platform_verifier::Verifier, rustls::Error> {
        self.inner
            .get_or_init(|| rustls_platform_verifier::Verifier::new(Arc::clone(&self.provider)))
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl ServerCertVerifier for LazyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.get()?.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.get()?.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.get()?.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        // What the platform verifier answers too, without loading the roots
        // (it is asked while the ClientHello is written).
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// The shared configuration for verified connections (None if rustls
/// refused to build one; reqwest's own set-up then runs and reports why).
fn verified_config() -> Option<rustls::ClientConfig> {
    static CONFIG: OnceLock<Option<rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            install_provider();
            let provider = CryptoProvider::get_default()
                .cloned()
                .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
            let verifier = LazyVerifier { provider: Arc::clone(&provider), inner: OnceLock::new() };
            let mut config = rustls::ClientConfig::builder_with_provider(provider)
                .with_protocol_versions(rustls::ALL_VERSIONS)
                .ok()?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth();
            config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
            Some(config)
        })
        .clone()
}

/// Make ring the process's TLS provider unless one is installed already
/// (reqwest, built without a provider of its own, uses that one).
fn install_provider() {
    if CryptoProvider::get_default().is_none() {
        // Err means another thread installed one first: that one is used.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// Where every HTTP client of gameday starts (providers, loading from a
/// URL, notifications): reqwest's builder, with the TLS provider in place.
pub fn client_builder() -> ClientBuilder {
    install_provider();
    reqwest::Client::builder()
}

/// `builder` with the TLS set-up for `verify` (certificates checked or not).
pub fn configure(builder: ClientBuilder, verify: bool) -> ClientBuilder {
    if !verify {
        // reqwest's verifier that accepts anything loads no roots either.
        return builder.danger_accept_invalid_certs(true);
    }
    match verified_config() {
        Some(config) => builder.tls_backend_preconfigured(config),
        None => builder,
    }
}

/// A transport error with its causes, which reqwest keeps in the source
/// chain ("error sending request" alone does not say why).
pub fn describe_error(e: &reqwest::Error) -> String {
    use std::error::Error;
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}
