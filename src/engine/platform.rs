//! `platform.platform()` and `platform.node()` as Python reports them, for the journal.

/// e.g. `Linux-6.1.0-x86_64-with-glibc2.36`.
pub fn platform() -> String {
    match nix::sys::utsname::uname() {
        Ok(u) => {
            let sys = u.sysname().to_string_lossy().into_owned();
            let rel = u.release().to_string_lossy().into_owned();
            let machine = u.machine().to_string_lossy().into_owned();
            format!("{sys}-{rel}-{machine}-with-{}", libc_version())
        }
        Err(_) => "unknown".into(),
    }
}

/// The host name.
pub fn node() -> String {
    nix::unistd::gethostname().ok().map(|h| h.to_string_lossy().into_owned()).unwrap_or_default()
}

fn libc_version() -> String {
    // SAFETY: gnu_get_libc_version returns a pointer to a static string.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    unsafe {
        let p = libc::gnu_get_libc_version();
        if !p.is_null() {
            return format!("glibc{}", std::ffi::CStr::from_ptr(p).to_string_lossy());
        }
    }
    "libc".into()
}
