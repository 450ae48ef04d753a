import Foundation
import Testing

import struct ScengineTestSupport.Tmpfs

@testable import PathFiles

#if canImport(Glibc)
  import Glibc
#endif

/// The writers' file sizes computed beforehand (`FileSize.swift`) against the files they write,
/// and their messages on a full disk.
@Suite("disk full: file sizes and write errors", .serialized)
struct DiskFullFileSizeTests {
  /// The size of the file at `path`.
  static func size(_ path: String) throws -> Int {
    try #require(
      (FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue)
  }

  @Test(
    "NPY: header and data, to the byte", arguments: [[3, 4], [0], [7, 253, 2], [1, 1, 1, 1]])
  func npy(_ shape: [Int]) throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    for dtype in [NPYDType.float64, .float32, .int32, .uint8] {
      let path = folder.file("a.npy")
      let writer = try NPYFileWriter(path: path, relativePath: "a.npy", dtype: dtype, shape: shape)
      _ = try writer.finish()
      let expected = NPYFileWriter.fileBytes(dtype: dtype, shape: shape)
      let observed = try Self.size(path)
      #expect(expected == observed, "\(dtype) \(shape): expected \(expected), observed \(observed)")
    }
    // numpy's version 2.0 header, and a size that overflows.
    let wide = Array(repeating: 1, count: 7000)
    #expect(
      NPYFileWriter.fileBytes(dtype: .uint8, shape: wide)
        == NPYHeader.encode(dtype: .uint8, shape: wide).count + 1)
    #expect(NPYFileWriter.fileBytes(dtype: .float64, shape: [1 << 40, 1 << 30]) == .max)
  }

  @Test("CSV: every field but the price to the byte, for any first path")
  func csv() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    let steps = 12
    let assets = ["EQ", "a,b", "q\"uote"]
    let dates = (0...steps).map { String(format: "2027-01-%02d", $0 + 1) }
    for (first, count, dated) in [(0, 1, true), (95, 10, true), (9_990, 25, false), (0, 0, true)] {
      let path = folder.file("p.csv")
      let writer = try CSVPathWriter(
        path: path, relativePath: "p.csv", variant: "va,r", assets: assets,
        dates: dated ? dates : nil, steps: steps, firstPath: first)
      // Every price is 100.5: 5 characters.
      let prices = [Double](repeating: 100.5, count: count * (steps + 1) * assets.count)
      try prices.withUnsafeBufferPointer {
        try writer.write(prices: $0, firstPath: first, pathCount: count)
      }
      _ = try writer.finish()
      let range = CSVPathWriter.fileBytes(
        variant: "va,r", assets: assets, dates: dated ? dates : nil, steps: steps,
        paths: first..<(first + count))
      let expected = range.lowerBound + prices.count * (5 - CSVPathWriter.priceTextBytes.lowerBound)
      let observed = try Self.size(path)
      #expect(
        expected == observed,
        "paths \(first)..<\(first + count): expected \(expected), observed \(observed)")
      #expect(range.upperBound - range.lowerBound == prices.count * 21)
    }
  }

  /// A Parquet file of `paths` paths written in one block, with every series.
  static func writeParquet(_ layout: ParquetPathLayout, to path: String) throws {
    let writer = try ParquetPathWriter(
      path: path, relativePath: "p.parquet", layout: layout, createdBy: "scengine version 0.1.0")
    let p = layout.paths
    let s = layout.steps
    let n = layout.assets.count
    let prices = (0..<(p * (s + 1) * n)).map { 100 + Double($0 % 97) / 7 }
    let values = (0..<(p * s * n)).map { Double($0 % 89) / 1000 }
    let jumps = (0..<(p * s * n)).map { Int32($0 % 3) }
    let regimes = (0..<(p * s)).map { UInt8($0 % 2) }
    try prices.withUnsafeBufferPointer { pr in
      try values.withUnsafeBufferPointer { v in
        try jumps.withUnsafeBufferPointer { j in
          try regimes.withUnsafeBufferPointer { g in
            try writer.write(
              firstPath: layout.firstPath, pathCount: p, prices: pr, returns: v, variance: v,
              jumps: j, regimes: g)
          }
        }
      }
    }
    _ = try writer.finish()
  }

  @Test("Parquet: every page and the footer, to the byte", arguments: [1, 3, 40])
  func parquet(_ pathsPerGroup: Int) throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    let steps = 9
    for (float32, series) in [(false, true), (true, true), (false, false)] {
      var layout = ParquetPathLayout(
        firstPath: 1_000_000, paths: 40, steps: steps, assets: ["EQ", "BOND"],
        dates: (0...Int32(steps)).map { 20_000 + $0 }, float32: float32, returns: series,
        variance: series, jumps: series, regimes: series)
      layout.rowGroupTargetBytes = pathsPerGroup * layout.rowBytes * (steps + 1)
      let path = folder.file("p.parquet")
      try Self.writeParquet(layout, to: path)
      let expected = ParquetPathWriter.fileBytes(
        layout: layout, createdBy: "scengine version 0.1.0")
      let observed = try Self.size(path)
      let groups = "\(layout.rowGroupCount) row groups, float32 \(float32), series \(series)"
      #expect(expected == observed, "\(groups): expected \(expected), observed \(observed)")
      try FileManager.default.removeItem(atPath: path)
    }
  }

  @Test("Parquet: beyond 4,096 row groups the footer is bounded from above, within 1%")
  func parquetManyRowGroups() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    var layout = ParquetPathLayout(paths: 5000, steps: 2, assets: ["EQ"], returns: true)
    layout.rowGroupTargetBytes = 1
    let path = folder.file("p.parquet")
    try Self.writeParquet(layout, to: path)
    let bound = ParquetPathWriter.fileBytes(layout: layout, createdBy: "scengine version 0.1.0")
    let observed = try Self.size(path)
    let expected = "\(observed) to \(observed + observed / 100)"
    #expect(
      observed <= bound && bound <= observed + observed / 100,
      "\(layout.rowGroupCount) row groups: expected \(expected), observed bound \(bound)")
  }

  @Test(
    "decimal digits of a range of integers",
    arguments: [0..<0, 0..<10, 0..<11, 95..<105, 998..<1003])
  func digits(_ range: Range<Int>) {
    let expected = range.reduce(0) { $0 + String($1).count }
    #expect(decimalDigits(in: range) == expected, "\(range): expected \(expected)")
  }

  // MARK: - A full disk

  /// Writes more than a 64 KiB tmpfs holds with one writer of each kind.
  static let writers: [(name: String, write: @Sendable (String) throws(PathFilesError) -> Void)] = [
    (
      "prices.npy",
      { path throws(PathFilesError) in
        let writer = try NPYFileWriter(
          path: path, relativePath: "prices.npy", dtype: .float64, shape: [100, 253])
        let values = [Double](repeating: 1, count: 100 * 253)
        try values.withUnsafeBufferPointer { p throws(PathFilesError) in
          try writer.write(p, atElement: 0)
        }
      }
    ),
    (
      "prices.csv",
      { path throws(PathFilesError) in
        let writer = try CSVPathWriter(
          path: path, relativePath: "prices.csv", variant: "base", assets: ["EQ"], dates: nil,
          steps: 252)
        let values = [Double](repeating: 1.5, count: 100 * 253)
        try values.withUnsafeBufferPointer { p throws(PathFilesError) in
          try writer.write(prices: p, firstPath: 0, pathCount: 100)
        }
      }
    ),
    (
      "paths.parquet",
      { path throws(PathFilesError) in
        let writer = try ParquetPathWriter(
          path: path, relativePath: "paths.parquet",
          layout: ParquetPathLayout(paths: 100, steps: 252, assets: ["EQ"]), createdBy: "test")
        let values = [Double](repeating: 1.5, count: 100 * 253)
        try values.withUnsafeBufferPointer { p throws(PathFilesError) in
          try writer.write(firstPath: 0, pathCount: 100, prices: p)
        }
      }
    ),
  ]

  @Test(
    "a write to a full disk names the final file and leaves nothing",
    .enabled(if: Tmpfs.isAvailable, "needs permission to mount a tmpfs (root)"),
    arguments: writers.map(\.name))
  func fullDisk(_ name: String) throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    let tmpfs = try #require(Tmpfs(at: folder.path, size: "64k"), "mount: \(errno)")
    defer { tmpfs.unmount() }
    let path = folder.file(name)
    let write = try #require(Self.writers.first { $0.name == name }).write
    #expect(throws: PathFilesError.cannotWrite(path: path, errno: ENOSPC)) { try write(path) }
    let left = try FileManager.default.contentsOfDirectory(atPath: folder.path)
    #expect(left.isEmpty, "\(name): expected an empty folder, observed \(left)")
  }
}
