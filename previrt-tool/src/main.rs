//! previrt: pre-virtualization of linked PPC405 guest ELFs (the logic is in the library).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    let code = previrt_tool::cli::run(std::env::args_os(), &mut std::io::stdout(), &mut std::io::stderr());
    std::process::ExitCode::from(code)
}
