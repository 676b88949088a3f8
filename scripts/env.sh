# Sourced by the scripts: how to drive Debian's Rust for wasm32 while the
# rustup toolchain stays the default for host builds (docs/toolchain.md).
# Used by the package build (scripts/build.sh) and the wasm tests alike.
WASM_CARGO=(env RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1
  CARGO_TARGET_DIR="$PWD/target/wasm" /usr/bin/cargo)
WASM_TARGET=(--target wasm32-unknown-unknown -Zbuild-std=std,panic_abort)
# The wasm tests as contributors run them (docs/toolchain.md): wasm-pack with
# Debian's cargo and rustc first on PATH, its downloads off (no-install).
WASM_PACK_TEST=(env PATH="/usr/bin:$PATH" RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$PWD/target/wasm"
  CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=60
  wasm-pack test --release --mode no-install)
WASM_PACK_TEST_ARGS=(-- -Zbuild-std=std,panic_abort -Zpanic-abort-tests)
