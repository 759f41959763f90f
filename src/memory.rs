//! Memory the allocator holds and the system could have back.

/// Returns the heap pages freed (while reading a layer, or by a burst of
/// checks) to the operating system.
///
/// Why: reading a layer allocates and frees a few small buffers per feature
/// on every thread, and a burst of checks frees what it built on a dozen
/// threads; an allocator keeps such pages for the next allocation. The
/// server's own allocations go through jemalloc (the binary's global
/// allocator), whose dirty pages would otherwise go back only as they decay
/// (10 s); PROJ and SQLite allocate through the C library's malloc, which
/// keeps them until asked to trim.
pub fn give_back_freed_memory() {
    // "arena.<MALLCTL_ARENAS_ALL>.purge": every arena's unused dirty pages.
    const PURGE_ALL_ARENAS: &[u8] = b"arena.4096.purge\0";
    // SAFETY: a void mallctl, called with no old or new value as jemalloc
    // requires; it only releases unused pages and is thread-safe. Where the
    // binary's global allocator is not jemalloc it purges nothing.
    unsafe {
        tikv_jemalloc_sys::mallctl(
            PURGE_ALL_ARENAS.as_ptr().cast(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        );
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; it is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Makes the threads of a server share as many of the C library's allocator
/// arenas as there are cores, not eight per core (PROJ and SQLite allocate
/// there; the server's own allocations go through jemalloc).
///
/// Why: glibc gives each thread that meets contention an arena of its own;
/// a server's dozens of short-lived blocking threads then leave a dozen
/// arenas whose free pages, scattered between live allocations, stay
/// resident after a burst of checks (58 MiB at the peak of a 20 s load run,
/// 29 MiB after it, against 38 and 20 MiB with two arenas on two cores).
pub fn few_allocator_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let arenas = std::thread::available_parallelism().map_or(2, |n| n.get().max(2));
        // SAFETY: mallopt only sets a tunable of the allocator; it is called
        // before the server's threads start.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas as libc::c_int);
        }
    }
}
