# Sourced by the scripts: how to drive Debian's Rust for wasm32 while the
# rustup toolchain stays the default for host builds (../shared/TOOLCHAIN.md).
WASM_CARGO=(env RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1
  CARGO_TARGET_DIR="$PWD/target/wasm" /usr/bin/cargo)
WASM_TARGET=(--target wasm32-unknown-unknown -Zbuild-std=std,panic_abort)
# The package build (scripts/build.sh): panics abort at once without
# formatting a message (-Cpanic=immediate-abort, ~20 KB less wasm). Its own
# target dir, so that it and the wasm tests (which keep panic messages) do
# not rebuild each other's std.
WASM_PKG_CARGO=(env RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1
  RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort"
  CARGO_TARGET_DIR="$PWD/target/wasm-pkg" /usr/bin/cargo)
