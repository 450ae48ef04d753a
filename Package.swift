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
    .library(name: "PathFiles", targets: ["PathFiles"]),
    .library(name: "Risk", targets: ["Risk"]),
    .library(name: "Planner", targets: ["Planner"]),
    .library(name: "Calibration", targets: ["Calibration"]),
    .library(name: "Validation", targets: ["Validation"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
  ],
  targets: [
    // OpenBLAS (CBLAS) and LAPACKE, from Debian's libopenblas-dev and liblapacke-dev: the
    // reference of the tests (BLASReference). The engine links no BLAS: its products,
    // Cholesky factor and eigensolver are its own, for the same bits on every CPU.
    .systemLibrary(
      name: "CLapack",
      providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
    ),
    // The instruction set the Swift code is compiled for (a header read with its -target-cpu).
    .target(name: "CBuildTarget"),
    .target(name: "LinearAlgebra", dependencies: ["CBuildTarget"]),
    // The kernels whose vector code is chosen at run time (AVX-512 where the processor has it,
    // which a Swift function compiled for x86-64-v3 cannot use): Philox4x32-10 blocks, the
    // exponential of the price paths and the Student-t mixing scales; and the four-lane square
    // root that Swift's SIMD4 lacks as one instruction.
    .target(name: "CKernels"),
    .target(name: "Randomness", dependencies: ["CKernels"]),
    .target(name: "Shocks", dependencies: ["Randomness", "LinearAlgebra"]),
    .target(
      name: "Processes", dependencies: ["Shocks", "Randomness", "LinearAlgebra", "CKernels"]),
    // The C library's GNU extensions that Swift's view of it leaves out: sync_file_range(2),
    // sched_getaffinity(2).
    .target(name: "CSystemCalls"),
    // Zstandard, from Debian's libzstd-dev: compressed Parquet pages.
    .systemLibrary(name: "CZstd", providers: [.apt(["libzstd-dev"])]),
    .target(
      name: "PathFiles",
      dependencies: [
        "CSystemCalls", "CZstd", .product(name: "Crypto", package: "swift-crypto"),
      ]),
    .target(name: "Risk"),
    .target(
      name: "Planner",
      dependencies: [
        "Processes", "Shocks", "Randomness", "LinearAlgebra", "PathFiles", "Risk",
        "CSystemCalls",
        .product(name: "Yams", package: "Yams"),
      ]),
    // Maximum-likelihood fits of the models to price histories (`scengine calibrate`).
    .target(
      name: "Calibration",
      dependencies: ["Planner", "Processes", "Shocks", "LinearAlgebra"]),
    // Synthetic paths against a real history: statistics and the report (`scengine validate`).
    .target(name: "Validation", dependencies: ["Planner", "PathFiles", "Risk"]),
    .executableTarget(
      name: "scengine",
      dependencies: [
        "Randomness", "Shocks", "Processes", "Planner", "PathFiles", "Calibration", "Validation",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(name: "RandomnessTests", dependencies: ["Randomness", "CKernels"]),
    // CLapack only to compare the own eigensolver with LAPACK's.
    .testTarget(
      name: "LinearAlgebraTests", dependencies: ["LinearAlgebra", "CLapack", "BLASReference"]),
    .testTarget(
      name: "ShocksTests", dependencies: ["Shocks", "Randomness", "LinearAlgebra", "BLASReference"]),
    // Matrix.product by OpenBLAS dgemm, the reference products of the tests.
    .target(
      name: "BLASReference", dependencies: ["LinearAlgebra", "CLapack"],
      path: "Tests/BLASReference"),
    .testTarget(
      name: "ProcessesTests",
      dependencies: ["Processes", "Shocks", "Randomness", "LinearAlgebra", "CKernels"]),
    .testTarget(name: "PathFilesTests", dependencies: ["PathFiles", "ScengineTestSupport"]),
    .testTarget(name: "RiskTests", dependencies: ["Risk"]),
    .testTarget(
      name: "PlannerTests",
      dependencies: [
        "Planner", "Processes", "Shocks", "Randomness", "PathFiles", "ScengineTestSupport",
        .product(name: "Yams", package: "Yams"),
      ]),
    .testTarget(
      name: "CalibrationTests",
      dependencies: ["Calibration", "Planner", "Processes", "Shocks", "ScengineTestSupport"]),
    .testTarget(
      name: "ValidationTests", dependencies: ["Validation", "Planner", "ScengineTestSupport"]),
    .target(name: "ScengineTestSupport", path: "Tests/ScengineTestSupport"),
    // Measures a command's peak resident memory for the memory-bound tests.
    .executableTarget(name: "peak-rss", path: "Tests/PeakRSS"),
    .testTarget(name: "CLITests", dependencies: ["scengine", "ScengineTestSupport"]),
    // Hostile and careless inputs through the binary, one file per class (see HostileCase).
    .testTarget(
      name: "HostileInputTests", dependencies: ["scengine", "peak-rss", "ScengineTestSupport"]),
  ],
  swiftLanguageModes: [.v6]
)
