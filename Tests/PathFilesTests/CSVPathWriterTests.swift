import Foundation
import Testing

@testable import PathFiles

@Suite("CSV path writer")
struct CSVPathWriterTests {
  /// Prices of `paths` paths × (steps + 1) steps × `assets` assets (named A, B, …), distinct and
  /// not round, written in blocks of `blockSize` paths.
  struct Sample {
    let paths: Int
    let steps: Int
    let assets: Int
    let blockSize: Int
    let prices: [Double]

    init(paths: Int, steps: Int, assets: Int, blockSize: Int) {
      (self.paths, self.steps, self.assets, self.blockSize) = (paths, steps, assets, blockSize)
      prices = (0..<(paths * (steps + 1) * assets)).map { 100 + Double($0) / 7 }
    }

    var blockCount: Int { (paths + blockSize - 1) / blockSize }

    func makeWriter(_ path: String) throws -> CSVPathWriter {
      let names = (0..<assets).map { String(UnicodeScalar(UInt8(ascii: "A") + UInt8($0))) }
      return try CSVPathWriter(
        path: path, relativePath: "prices.csv", variant: "v", assets: names, dates: nil,
        steps: steps)
    }

    /// Writes the blocks whose numbers `order` lists, in that order.
    func write(to writer: CSVPathWriter, order: [Int]) throws {
      let perPath = (steps + 1) * assets
      for block in order {
        let first = block * blockSize
        let count = min(blockSize, paths - first)
        try prices[(first * perPath)..<((first + count) * perPath)].withUnsafeBufferPointer {
          try writer.write(prices: $0, firstPath: first, pathCount: count)
        }
      }
    }
  }

  @Test func rowsAreLongFormatWithDates() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let writer = try CSVPathWriter(
      path: directory.file("prices.csv"), relativePath: "base/prices.csv", variant: "base",
      assets: ["SPX", "Gold, spot"], dates: ["2025-01-02", "2025-01-03"], steps: 1)
    let prices = [100.0, 50.0, 101.25, 0.1 + 0.2, 99.5, 50.0, 1e-7, .infinity]
    try prices.withUnsafeBufferPointer { try writer.write(prices: $0, firstPath: 0, pathCount: 2) }
    let record = try writer.finish()
    let text = String(decoding: try contents(of: directory.file("prices.csv")), as: UTF8.self)
    #expect(
      text == """
        variant,path,step,date,asset,price
        base,0,0,2025-01-02,SPX,100.0
        base,0,0,2025-01-02,"Gold, spot",50.0
        base,0,1,2025-01-03,SPX,101.25
        base,0,1,2025-01-03,"Gold, spot",0.30000000000000004
        base,1,0,2025-01-02,SPX,99.5
        base,1,0,2025-01-02,"Gold, spot",50.0
        base,1,1,2025-01-03,SPX,1e-07
        base,1,1,2025-01-03,"Gold, spot",inf

        """)
    #expect(record.dtype == nil && record.shape == nil && record.path == "base/prices.csv")
    #expect(record.bytes == text.utf8.count)
  }

  @Test func runWithoutDatesLeavesTheDateEmpty() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let writer = try CSVPathWriter(
      path: directory.file("p.csv"), relativePath: "p.csv", variant: "say \"hi\"", assets: ["A"],
      dates: nil, steps: 0, firstPath: 500)
    try [42.0].withUnsafeBufferPointer {
      try writer.write(prices: $0, firstPath: 500, pathCount: 1)
    }
    _ = try writer.finish()
    let text = String(decoding: try contents(of: directory.file("p.csv")), as: UTF8.self)
    #expect(text == "variant,path,step,date,asset,price\n\"say \"\"hi\"\"\",500,0,,A,42.0\n")
  }

  @Test func blocksInReverseOrderGiveTheSameFile() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let sample = Sample(paths: 23, steps: 4, assets: 2, blockSize: 5)
    var records: [FileRecord] = []
    for (name, order) in [
      ("forward", Array(0..<sample.blockCount)),
      ("reverse", Array((0..<sample.blockCount).reversed())),
    ] {
      let writer = try sample.makeWriter(directory.file("\(name).csv"))
      try sample.write(to: writer, order: order)
      #expect(writer.pathsWritten == sample.paths)
      records.append(try writer.finish())
    }
    #expect(records[0] == records[1])
    #expect(
      try contents(of: directory.file("forward.csv")) == contents(of: directory.file("reverse.csv"))
    )
  }

  @Test func concurrentShuffledBlocksGiveTheSameFile() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let sample = Sample(paths: 200, steps: 3, assets: 3, blockSize: 3)
    let sequential = try sample.makeWriter(directory.file("sequential.csv"))
    try sample.write(to: sequential, order: Array(0..<sample.blockCount))
    _ = try sequential.finish()

    let concurrent = try sample.makeWriter(directory.file("concurrent.csv"))
    let order = shuffledIndices(sample.blockCount, seed: 7)
    let failures = FailureLog()
    concurrently(workers: 2) { worker in
      let mine = order.enumerated().filter { $0.offset % 2 == worker }.map(\.element)
      do { try sample.write(to: concurrent, order: mine) } catch { failures.record(error) }
    }
    #expect(failures.errors.isEmpty)
    _ = try concurrent.finish()
    #expect(
      try contents(of: directory.file("sequential.csv"))
        == contents(of: directory.file("concurrent.csv")))
  }

  @Test func finishWithAMissingBlockThrowsAndAbandonCleansUp() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let path = directory.file("gap.csv")
    let writer = try CSVPathWriter(
      path: path, relativePath: "gap.csv", variant: "v", assets: ["A"], dates: nil, steps: 0)
    try [1.0, 2.0].withUnsafeBufferPointer {
      try writer.write(prices: $0, firstPath: 2, pathCount: 2)
    }
    #expect(writer.pathsWritten == 0)
    #expect(throws: PathFilesError.incomplete(path: path, firstMissingPath: 0)) {
      try writer.finish()
    }
    #expect(exists(writer.partialPath) && !exists(path))
    writer.abandon()
    #expect(!exists(writer.partialPath) && !exists(path))
  }

  @Test(.enabled(if: numpyIsAvailable, "needs python3 with numpy"))
  func pricesRoundTripThroughPython() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let prices = Sample(paths: 3, steps: 2, assets: 2, blockSize: 3).prices.map { $0 * 1.000_000_1 }
    let writer = try CSVPathWriter(
      path: directory.file("p.csv"), relativePath: "p.csv", variant: "v", assets: ["A", "B"],
      dates: nil, steps: 2)
    try prices.withUnsafeBufferPointer { try writer.write(prices: $0, firstPath: 0, pathCount: 3) }
    _ = try writer.finish()
    let script = """
      import csv, sys
      rows = list(csv.DictReader(open(sys.argv[1])))
      print(' '.join(float(r['price']).hex() for r in rows))
      """
    let output = try #require(run("python3", ["-c", script, directory.file("p.csv")]))
    let parsed = output.split(separator: " ").map {
      Double(String($0).trimmingCharacters(in: .whitespacesAndNewlines))
    }
    // float.hex() output parses with Swift's Double(String) (hexadecimal float literal syntax).
    #expect(parsed.map { $0?.bitPattern } == prices.map(\.bitPattern))
  }
}
