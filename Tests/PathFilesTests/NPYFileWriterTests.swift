import Foundation
import Testing

@testable import PathFiles

@Suite("NPY file writer")
struct NPYFileWriterTests {
  /// Values 0, 1, … as doubles with a fractional part, for a `[paths, steps + 1, assets]` array.
  static func ramp(_ count: Int) -> [Double] { (0..<count).map { Double($0) * 1.25 + 0.1 } }

  @Test func writesHeaderThenRawLittleEndianDoubles() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let shape = [4, 3, 2]
    let values = Self.ramp(24)
    let writer = try NPYFileWriter(
      path: directory.file("prices.npy"), relativePath: "base/prices.npy", dtype: .float64,
      shape: shape)
    try values.withUnsafeBufferPointer { try writer.write($0, atElement: 0) }
    let record = try writer.finish()

    let bytes = try contents(of: directory.file("prices.npy"))
    let header = NPYHeader.encode(dtype: .float64, shape: shape)
    #expect(Array(bytes.prefix(header.count)) == header)
    #expect(writer.dataOffset == header.count && header.count % 64 == 0)
    let data = bytes.dropFirst(header.count)
    let expected = values.flatMap { value in
      (0..<8).map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * $0)) }
    }
    #expect(Array(data) == expected)
    #expect(
      record
        == FileRecord(
          path: "base/prices.npy", sha256: sha256Hex(of: bytes), bytes: header.count + 24 * 8,
          dtype: "<f8", shape: shape))
  }

  @Test func float32RoundsEachValueToNearestEven() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let halfway = 1 + 0x1p-24  // between 1 and 1 + 2⁻²³: ties to the even 1
    let aboveHalfway = 1 + 0x1p-24 + 0x1p-40  // nearer 1 + 2⁻²³
    let oddHalfway = 1 + 3 * 0x1p-24  // between 1 + 2⁻²³ and 1 + 2⁻²²: ties to the even 1 + 2⁻²²
    let values = [0.1, 1.0 / 3, -0.0, halfway, aboveHalfway, oddHalfway, 1e39, -1e39, 1e-50, .nan]
    let expectedBits: [UInt32] = [
      0x3DCC_CCCD, 0x3EAA_AAAB, 0x8000_0000, 0x3F80_0000, 0x3F80_0001, 0x3F80_0002,
      0x7F80_0000, 0xFF80_0000, 0x0000_0000, Float.nan.bitPattern,
    ]
    let writer = try NPYFileWriter(
      path: directory.file("p.npy"), relativePath: "p.npy", dtype: .float32,
      shape: [values.count])
    try values.withUnsafeBufferPointer { try writer.write($0, atElement: 0) }
    let record = try writer.finish()
    let bytes = try contents(of: directory.file("p.npy"))
    let data = Array(bytes.dropFirst(writer.dataOffset))
    let stored = (0..<values.count).map { index in
      (0..<4).reduce(UInt32(0)) { $0 | UInt32(data[4 * index + $1]) << (8 * $1) }
    }
    #expect(
      stored.map { String($0, radix: 16) } == expectedBits.map { String($0, radix: 16) })
    #expect(record.dtype == "<f4" && record.bytes == writer.dataOffset + 4 * values.count)
  }

  @Test func concurrentShuffledBlocksEqualSequentialWrite() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let (paths, steps, assets) = (101, 9, 3)
    let perPath = (steps + 1) * assets
    let values = Self.ramp(paths * perPath)
    let shape = [paths, steps + 1, assets]

    let sequential = try NPYFileWriter(
      path: directory.file("sequential.npy"), relativePath: "s.npy", dtype: .float64, shape: shape)
    try values.withUnsafeBufferPointer { try sequential.write($0, atElement: 0) }
    let sequentialRecord = try sequential.finish()

    let blockSize = 7
    let blocks = stride(from: 0, to: paths, by: blockSize).map { $0..<min($0 + blockSize, paths) }
    let order = shuffledIndices(blocks.count, seed: 42)
    let concurrent = try NPYFileWriter(
      path: directory.file("concurrent.npy"), relativePath: "c.npy", dtype: .float64, shape: shape)
    let failures = FailureLog()
    concurrently(workers: 2) { worker in
      for (position, index) in order.enumerated() where position % 2 == worker {
        let block = blocks[index]
        values[(block.lowerBound * perPath)..<(block.upperBound * perPath)]
          .withUnsafeBufferPointer { buffer in
            do { try concurrent.write(buffer, atElement: block.lowerBound * perPath) } catch {
              failures.record(error)
            }
          }
      }
    }
    #expect(failures.errors.isEmpty)
    let concurrentRecord = try concurrent.finish()

    #expect(
      try contents(of: directory.file("sequential.npy"))
        == contents(of: directory.file("concurrent.npy")))
    #expect(sequentialRecord.sha256 == concurrentRecord.sha256)
  }

  @Test func partialFileExistsOnlyUntilFinish() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let path = directory.file("regimes.npy")
    let writer = try NPYFileWriter(
      path: path, relativePath: "regimes.npy", dtype: .uint8, shape: [2, 5])
    #expect(
      writer.partialPath.hasPrefix(path + ".")
        && isPartialName(
          String(writer.partialPath.dropFirst(directory.path.count + 1)), of: "regimes.npy"),
      "temporary name \(writer.partialPath), expected regimes.npy.<pid>-<hex>.partial")
    #expect(exists(writer.partialPath) && !exists(path))
    let labels: [UInt8] = [0, 1, 1, 2, 0, 0, 0, 1, 1, 1]
    try labels.withUnsafeBufferPointer { try writer.write($0, atElement: 0) }
    #expect(exists(writer.partialPath) && !exists(path))
    let record = try writer.finish()
    #expect(!exists(writer.partialPath) && exists(path))
    #expect(try Array(contents(of: path).suffix(10)) == labels)
    #expect(record.bytes == 128 + 10)
    writer.abandon()  // after finish: leaves the finished file alone
    #expect(exists(path))
  }

  @Test func abandonRemovesThePartialFileAndIsIdempotent() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let writer = try NPYFileWriter(
      path: directory.file("jumps.npy"), relativePath: "jumps.npy", dtype: .int32, shape: [3])
    let counts: [Int32] = [0, 2, -1]
    try counts.withUnsafeBufferPointer { try writer.write($0, atElement: 0) }
    writer.abandon()
    writer.abandon()
    #expect(!exists(writer.partialPath) && !exists(directory.file("jumps.npy")))
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
  }

  @Test func releasedWriterLeavesNothingBehind() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    do {
      _ = try NPYFileWriter(
        path: directory.file("x.npy"), relativePath: "x.npy", dtype: .float64, shape: [10])
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
  }

  @Test func unwritableDirectoryErrorNamesThePath() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let missing = directory.file("no-such-dir/crash/prices.npy")
    #expect(throws: PathFilesError.cannotCreate(path: missing + ".partial", errno: ENOENT)) {
      try NPYFileWriter(
        path: missing, relativePath: "crash/prices.npy", dtype: .float64, shape: [1])
    }
    let description = PathFilesError.cannotCreate(path: missing + ".partial", errno: ENOENT)
      .description
    #expect(description == "cannot create \(missing).partial: No such file or directory")

    // A regular file where a directory should be.
    let blocker = directory.file("blocker")
    _ = try writeFileAtomically([1], path: blocker, relativePath: "blocker")
    let notADirectory = PathFilesError.cannotCreate(
      path: blocker + "/a.npy.partial", errno: ENOTDIR)
    #expect(throws: notADirectory) {
      try NPYFileWriter(
        path: blocker + "/a.npy", relativePath: "a.npy", dtype: .float64, shape: [1])
    }
  }

  @Test func diskFullErrorNamesTheFileAndTheReason() throws {
    let descriptor = open("/dev/full", O_WRONLY)
    try #require(descriptor >= 0, "/dev/full is not available")
    defer { close(descriptor) }
    let bytes: [UInt8] = Array(repeating: 7, count: 4096)
    let error = #expect(throws: PathFilesError.self) {
      try bytes.withUnsafeBytes { try writeFully(descriptor, $0, at: 0, path: "/dev/full") }
    }
    #expect(error == .cannotWrite(path: "/dev/full", errno: ENOSPC))
    #expect(error?.description == "cannot write /dev/full: No space left on device")
  }

  @Test(.enabled(if: numpyIsAvailable, "needs python3 with numpy"))
  func numpyMemoryMapsTheFiles() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let shape = [5, 4, 3]
    let values = Self.ramp(60)
    for dtype in [NPYDType.float64, .float32] {
      let writer = try NPYFileWriter(
        path: directory.file("\(dtype).npy"), relativePath: "\(dtype).npy", dtype: dtype,
        shape: shape)
      // Second half first, to exercise offsets.
      try values.withUnsafeBufferPointer { buffer in
        try writer.write(UnsafeBufferPointer(rebasing: buffer[24...]), atElement: 24)
        try writer.write(UnsafeBufferPointer(rebasing: buffer[..<24]), atElement: 0)
      }
      _ = try writer.finish()
    }
    let jumps = try NPYFileWriter(
      path: directory.file("jumps.npy"), relativePath: "jumps.npy", dtype: .int32, shape: [2, 2])
    try [Int32(3), -4, 0, Int32.max].withUnsafeBufferPointer { try jumps.write($0, atElement: 0) }
    _ = try jumps.finish()

    let script = """
      import sys, numpy as np
      d = sys.argv[1]
      expected = (np.arange(60) * 1.25 + 0.1).reshape(5, 4, 3)
      a = np.load(d + '/float64.npy', mmap_mode='r')
      assert a.dtype == np.float64 and a.shape == (5, 4, 3) and (a == expected).all()
      b = np.load(d + '/float32.npy', mmap_mode='r')
      assert b.dtype == np.float32 and (b == expected.astype(np.float32)).all()
      j = np.load(d + '/jumps.npy')
      assert j.dtype == np.int32 and j.tolist() == [[3, -4], [0, 2147483647]]
      print('ok')
      """
    #expect(run("python3", ["-c", script, directory.path]) == "ok\n")
  }
}
