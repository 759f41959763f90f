// jemalloc, not glibc's malloc: after a burst of checks glibc kept the pages
// it had freed resident, scattered between live allocations (+47 % after the
// 10-minute load run). jemalloc gives them back as they decay and when asked
// (`memory::give_back_freed_memory`). Its per-thread caches are off: what
// they held on idle threads was most of what stayed resident after a run
// (+12 % with them, +3 to +6 % without; heavy checks about as fast).
// benches/README.md, "Held under load".
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[allow(non_upper_case_globals)]
#[unsafe(export_name = "_rjem_malloc_conf")]
static malloc_conf: &[u8] = b"tcache:false\0";

fn main() -> std::process::ExitCode {
    planmap::cli::main()
}
