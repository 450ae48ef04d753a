// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "scengine",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "scengine", targets: ["scengine"]),
    .library(name: "Randomness", targets: ["Randomness"]),
    .library(name: "LinearAlgebra", targets: ["LinearAlgebra"]),
    .library(name: "Shocks", targets: ["Shocks"]),
    .library(name: "Processes", targets: ["Processes"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2")
  ],
  targets: [
    // OpenBLAS (CBLAS) and LAPACKE, from Debian's libopenblas-dev and liblapacke-dev.
    .systemLibrary(
      name: "CLapack",
      providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
    ),
    .target(name: "LinearAlgebra", dependencies: ["CLapack"]),
    .target(name: "Randomness"),
    .target(name: "Shocks", dependencies: ["Randomness", "LinearAlgebra"]),
    .target(name: "Processes", dependencies: ["Shocks", "Randomness", "LinearAlgebra"]),
    .executableTarget(
      name: "scengine",
      dependencies: [
        "Randomness", "Shocks",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(name: "RandomnessTests", dependencies: ["Randomness"]),
    .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra"]),
    .testTarget(name: "ShocksTests", dependencies: ["Shocks", "Randomness", "LinearAlgebra"]),
    .testTarget(
      name: "ProcessesTests", dependencies: ["Processes", "Shocks", "Randomness", "LinearAlgebra"]),
    .testTarget(name: "CLITests", dependencies: ["scengine"]),
  ],
  swiftLanguageModes: [.v6]
)
