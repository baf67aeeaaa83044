//! wasm-bindgen bindings (see the bindings module files). Thin: no crypto or format logic here.
