//! Compiles proto/trader/v1/gateway.proto with protox (pure Rust, no system protoc) and generates tonic code.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_dir = "../../proto";
    let proto = "../../proto/trader/v1/gateway.proto";
    println!("cargo:rerun-if-changed={proto}");
    let descriptors = protox::compile([proto], [proto_dir])?;
    tonic_prost_build::configure()
        // The REST layer speaks the same messages as JSON; every field may be left out (proto3 defaults).
        .type_attribute(
            ".trader.v1",
            "#[derive(serde::Serialize, serde::Deserialize)] #[serde(default)]",
        )
        .compile_fds(descriptors)?;
    Ok(())
}
