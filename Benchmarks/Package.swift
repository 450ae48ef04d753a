// swift-tools-version: 6.1
// Benchmarks of scengine against numpy peers; see README.md. A separate package so that the
// benchmark dependencies never reach scengine's own build.
import PackageDescription

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
    // What every suite shares: the comparison configuration and the benchmark correlation.
    .target(
      name: "BenchmarkSupport",
      dependencies: [.product(name: "Benchmark", package: "benchmark")]
    ),
    // One executable per suite, in Benchmarks/<Suite>, each with a peer in peers/.
    .executableTarget(
      name: "ShockBenchmarks",
      dependencies: [
        "BenchmarkSupport",
        .product(name: "Benchmark", package: "benchmark"),
        .product(name: "Randomness", package: "scengine"),
        .product(name: "Shocks", package: "scengine"),
        .product(name: "LinearAlgebra", package: "scengine"),
      ],
      path: "Benchmarks/ShockBenchmarks",
      plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    ),
  ],
  swiftLanguageModes: [.v6]
)
