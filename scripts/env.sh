# Sourced by the scripts: how to drive Debian's Rust for wasm32 while the
# rustup toolchain stays the default for host builds (../shared/TOOLCHAIN.md).
WASM_CARGO=(env RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1
  CARGO_TARGET_DIR="$PWD/target/wasm" /usr/bin/cargo)
WASM_TARGET=(--target wasm32-unknown-unknown -Zbuild-std=std,panic_abort)
# The package build (scripts/build.sh), for size (bench/RESULTS.md): panics
# abort at once without formatting a message (-Cpanic=immediate-abort,
# ~20 KB less wasm); JS values cross as indices into wasm-bindgen's JS-side
# heap instead of externref (no reference-types/multivalue: ~1 KB gzipped
# less); std built with its optimize_for_size feature. Its own target dir,
# so that it and the wasm tests (which keep panic messages) do not rebuild
# each other's std.
WASM_PKG_CARGO=(env RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1
  RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Ctarget-feature=-reference-types,-multivalue"
  CARGO_TARGET_DIR="$PWD/target/wasm-pkg" /usr/bin/cargo)
WASM_PKG_TARGET=("${WASM_TARGET[@]}" -Zbuild-std-features=optimize_for_size)
# The wasm tests as contributors run them (docs/toolchain.md): wasm-pack with
# Debian's cargo and rustc first on PATH, its downloads off (no-install).
WASM_PACK_TEST=(env PATH="/usr/bin:$PATH" RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$PWD/target/wasm"
  CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=60
  wasm-pack test --release --mode no-install)
WASM_PACK_TEST_ARGS=(-- -Zbuild-std=std,panic_abort -Zpanic-abort-tests)
