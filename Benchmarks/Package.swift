// swift-tools-version: 6.1
// Benchmarks of scengine against numpy peers; see README.md. A separate package so that the
// benchmark dependencies never reach scengine's own build.
import PackageDescription

/// A suite: an ordo-one benchmark executable in Benchmarks/<name>, with a peer in peers/, that
/// uses the scengine libraries `products`.
func suite(_ name: String, scengine products: [String] = []) -> Target {
  .executableTarget(
    name: name,
    dependencies: ["BenchmarkSupport", .product(name: "Benchmark", package: "benchmark")]
      + products.map { .product(name: $0, package: "scengine") },
    path: "Benchmarks/\(name)",
    plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
  )
}

let package = Package(
  name: "scengine-benchmarks",
  platforms: [.macOS(.v13)],
  dependencies: [
    .package(name: "scengine", path: ".."),
    // Only the MallocInterposer trait: the default RuntimeInterposer trait needs
    // ordo-one/swift-runtime-interposer on Linux with Swift 6.3, which is not needed for
    // wall-clock figures (and is not mirrored on every machine).
    .package(
      url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
  ],
  targets: [
    // What every suite shares: the comparison configuration, the benchmark correlation, the
    // GBM parameters and the block sizes.
    .target(
      name: "BenchmarkSupport",
      dependencies: [.product(name: "Benchmark", package: "benchmark")]
    ),
    suite("ShockBenchmarks", scengine: ["Randomness", "Shocks", "LinearAlgebra"]),
    suite("ProcessBenchmarks", scengine: ["Processes", "Shocks", "LinearAlgebra"]),
    // Launches the `scengine` executable, which `swift build --product scengine` builds into
    // the same directory (a target cannot depend on an executable product).
    suite("EndToEndBenchmarks"),
  ],
  swiftLanguageModes: [.v6]
)
