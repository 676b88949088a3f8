# Sourced by the scripts: how to drive Debian's Rust for wasm32 while the
# rustup toolchain stays the default for host builds (../shared/TOOLCHAIN.md).
WASM_CARGO=(env RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1
  CARGO_TARGET_DIR="$PWD/target/wasm" /usr/bin/cargo)
WASM_TARGET=(--target wasm32-unknown-unknown -Zbuild-std=std,panic_abort)
# The package build (scripts/build.sh), for size (bench/RESULTS.md): JS
# values cross as indices into wasm-bindgen's JS-side heap instead of
# externref (no reference-types/multivalue: ~1 KB gzipped less). Its own target dir,
# so that it and the wasm tests (which keep panic messages) do not rebuild
# each other's std.
WASM_PKG_CARGO=(env RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1
  RUSTFLAGS="-Ctarget-feature=-reference-types,-multivalue"
  CARGO_TARGET_DIR="$PWD/target/wasm-pkg" /usr/bin/cargo)
WASM_PKG_TARGET=("${WASM_TARGET[@]}")
