//! Reading a response body whole, but never more than [`OUTPUT_CAP`]: a
//! server that sends 100 MB (or never stops) must not fill gameday's memory.
use crate::providers::OUTPUT_CAP;

/// Why a body could not be read.
#[derive(Debug)]
pub enum BodyError {
    /// Longer than [`OUTPUT_CAP`]; reading stopped there.
    TooLarge,
    /// The client's deadline passed while reading.
    Timeout,
    /// The connection broke.
    Broken(reqwest::Error),
}

/// The body of `resp`, up to [`OUTPUT_CAP`] bytes.
pub async fn read_capped(resp: &mut reqwest::Response) -> Result<Vec<u8>, BodyError> {
    let mut bytes = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() + chunk.len() > OUTPUT_CAP {
                    return Err(BodyError::TooLarge);
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(bytes),
            Err(e) if e.is_timeout() => return Err(BodyError::Timeout),
            Err(e) => return Err(BodyError::Broken(e)),
        }
    }
}

/// The cap in MiB, for messages.
pub fn cap_mib() -> usize {
    OUTPUT_CAP / (1024 * 1024)
}
