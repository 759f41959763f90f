fn main() -> std::process::ExitCode {
    planmap::cli::main()
}
