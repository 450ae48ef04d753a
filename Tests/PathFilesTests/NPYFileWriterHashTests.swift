import Foundation
import Synchronization
import Testing

import struct ScengineTestSupport.Tmpfs

@testable import PathFiles

#if canImport(Glibc)
  import Glibc
#endif

/// Blocks written from arrays are written and hashed in file order on the writer's queue
/// (`OrderedWriter`): the recorded SHA-256 is that of the file's bytes, however the blocks
/// arrive, and a file written otherwise falls back to reading itself back. A write that fails
/// on the queue is thrown by the next write and by `finish`, and `abandon` never lets the
/// queue write to a closed file.
@Suite("NPY file writer: hashing while writing")
struct NPYFileWriterHashTests {
  /// Counts the `hashed` calls of the blocks.
  final class Releases: @unchecked Sendable {
    private let lock = NSLock()
    private var calls = 0
    func release() {
      lock.lock()
      calls += 1
      lock.unlock()
    }
    var count: Int {
      lock.lock()
      defer { lock.unlock() }
      return calls
    }
  }

  static let paths = 101
  static let perPath = 30
  static let blockSize = 7
  static let blocks = stride(from: 0, to: paths, by: blockSize).map {
    $0..<min($0 + blockSize, paths)
  }
  /// Values that differ in every byte position, for a `[101, 10, 3]` array.
  static let values = (0..<(paths * perPath)).map { Double($0) * 1.25 + 0.1 }

  /// Writes block `index` of `values` from an array of its own.
  static func writeBlock(_ index: Int, to writer: NPYFileWriter, releases: Releases) throws {
    let range = (blocks[index].lowerBound * perPath)..<(blocks[index].upperBound * perPath)
    let offset = range.lowerBound
    let hashed = { @Sendable in releases.release() }
    switch writer.dtype {
    case .float64, .float32:
      var scratch: [Float] = []
      try writer.write(
        Array(values[range]), count: range.count, atElement: offset, scratch: &scratch,
        then: hashed)
    case .uint8:
      try writer.write(
        values[range].map { UInt8(truncatingIfNeeded: Int($0)) }, count: range.count,
        atElement: offset, then: hashed)
    case .int32:
      try writer.write(
        values[range].map { Int32(-$0 * 1000) }, count: range.count, atElement: offset,
        then: hashed)
    }
  }

  /// The same array written in one piece from a buffer pointer (hashed by reading it back).
  static func reference(_ dtype: NPYDType, in directory: TemporaryDirectory) throws -> [UInt8] {
    let path = directory.file("reference.npy")
    let writer = try NPYFileWriter(
      path: path, relativePath: "r.npy", dtype: dtype, shape: [paths, 10, 3])
    switch dtype {
    case .float64, .float32:
      try values.withUnsafeBufferPointer { try writer.write($0, atElement: 0) }
    case .uint8:
      try values.map { UInt8(truncatingIfNeeded: Int($0)) }.withUnsafeBufferPointer {
        try writer.write($0, atElement: 0)
      }
    case .int32:
      try values.map { Int32(-$0 * 1000) }.withUnsafeBufferPointer {
        try writer.write($0, atElement: 0)
      }
    }
    let record = try writer.finish()
    let bytes = try contents(of: path)
    #expect(record.sha256 == sha256Hex(of: bytes))
    return bytes
  }

  @Test(
    "blocks arriving in any order from several threads, written by the queue or by the threads: the SHA-256 of the file, each block released once",
    arguments: [NPYDType.float64, .float32, .uint8, .int32],
    [(1, true), (2, true), (3, true), (1, false), (3, false)])
  func shuffledBlocks(dtype: NPYDType, layout: (workers: Int, writesBehind: Bool)) throws {
    let workers = layout.workers
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let expected = try Self.reference(dtype, in: directory)
    let path = directory.file("hashed.npy")
    let writer = try NPYFileWriter(
      path: path, relativePath: "h.npy", dtype: dtype, shape: [Self.paths, 10, 3],
      writesBehind: layout.writesBehind)
    let order = shuffledIndices(Self.blocks.count, seed: 7 + UInt64(workers))
    let releases = Releases()
    let failures = FailureLog()
    concurrently(workers: workers) { worker in
      for (position, index) in order.enumerated() where position % workers == worker {
        do { try Self.writeBlock(index, to: writer, releases: releases) } catch {
          failures.record(error)
        }
      }
    }
    #expect(failures.errors.isEmpty)
    let record = try writer.finish()
    let bytes = try contents(of: path)
    #expect(bytes == expected)
    #expect(
      record.sha256 == sha256Hex(of: bytes),
      "recorded \(record.sha256), file \(sha256Hex(of: bytes))")
    #expect(record.bytes == bytes.count)
    #expect(releases.count == Self.blocks.count)
  }

  @Test(
    "blocks handed over in order faster than the queue writes them: the caller copies every other one while the queue is busy; the same bytes and SHA-256"
  )
  func callerSharesTheCopies() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let (paths, perPath) = (256, 4_000)
    let blocks = (0..<paths).map { path in
      (0..<perPath).map { Double(path * perPath + $0) * 0.75 - 3 }
    }
    let path = directory.file("shared.npy")
    let writer = try NPYFileWriter(
      path: path, relativePath: "s.npy", dtype: .float64, shape: [paths, perPath],
      writesBehind: true)
    var scratch: [Float] = []
    let releases = Releases()
    for (index, block) in blocks.enumerated() {
      try writer.write(
        block, count: perPath, atElement: index * perPath, scratch: &scratch,
        then: { @Sendable in releases.release() })
    }
    let record = try writer.finish()
    let bytes = try contents(of: path)
    let stored = blocks.flatMap { $0 }.withUnsafeBytes { Array($0) }
    #expect(Array(bytes[writer.dataOffset...]) == stored)
    #expect(record.sha256 == sha256Hex(of: bytes))
    #expect(releases.count == paths)
    let copied = writer.blocksCopiedByCallers.load(ordering: .relaxed)
    #expect(
      copied > 0 && copied <= paths / 2,
      "expected between 1 and \(paths / 2) blocks copied by the caller, observed \(copied)")
  }

  @Test("a block never written (zeros) or written from a pointer: the file is read back")
  func incompleteOrMixed() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    // Block 3 never written: the blocks after it wait, and are released at finish.
    let gap = try NPYFileWriter(
      path: directory.file("gap.npy"), relativePath: "g.npy", dtype: .float64,
      shape: [Self.paths, 10, 3])
    let releases = Releases()
    for index in Self.blocks.indices where index != 3 {
      try Self.writeBlock(index, to: gap, releases: releases)
    }
    let gapRecord = try gap.finish()
    let gapBytes = try contents(of: directory.file("gap.npy"))
    #expect(gapRecord.sha256 == sha256Hex(of: gapBytes))
    #expect(releases.count == Self.blocks.count - 1)
    let hole = (gap.dataOffset + Self.blocks[3].lowerBound * Self.perPath * 8)
    #expect(gapBytes[hole..<(hole + Self.blockSize * Self.perPath * 8)].allSatisfy { $0 == 0 })
    // The blocks behind the gap, never reached by the queue, were written at finish.
    var expected = try Self.reference(.float64, in: directory)
    expected.replaceSubrange(
      hole..<(hole + Self.blockSize * Self.perPath * 8),
      with: repeatElement(0, count: Self.blockSize * Self.perPath * 8))
    #expect(gapBytes == expected)

    // Block 0 from a buffer pointer, the others from arrays.
    let mixed = try NPYFileWriter(
      path: directory.file("mixed.npy"), relativePath: "m.npy", dtype: .float64,
      shape: [Self.paths, 10, 3])
    try Self.values[..<(Self.blockSize * Self.perPath)].withUnsafeBufferPointer {
      try mixed.write($0, atElement: 0)
    }
    for index in Self.blocks.indices.dropFirst() {
      try Self.writeBlock(index, to: mixed, releases: releases)
    }
    let mixedRecord = try mixed.finish()
    let mixedBytes = try contents(of: directory.file("mixed.npy"))
    #expect(mixedBytes == (try Self.reference(.float64, in: directory)))
    #expect(mixedRecord.sha256 == sha256Hex(of: mixedBytes))
  }

  @Test("abandon releases the blocks waiting for a block that never comes, and removes the file")
  func abandonReleasesWaitingBlocks() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let writer = try NPYFileWriter(
      path: directory.file("a.npy"), relativePath: "a.npy", dtype: .float32,
      shape: [Self.paths, 10, 3])
    let releases = Releases()
    try Self.writeBlock(2, to: writer, releases: releases)
    try Self.writeBlock(1, to: writer, releases: releases)
    // Block 0 is missing: both wait, kept by the hash.
    #expect(releases.count == 0)
    writer.abandon()
    #expect(releases.count == 2)
    #expect(!exists(writer.partialPath) && !exists(directory.file("a.npy")))
  }
  @Test(
    "finish stops when asked while the hash is behind, and gives the digest once it has caught up")
  func finishObservesShouldStop() throws {
    let hash = OrderedWriter()
    let bytes: [UInt8] = Array("an NPY file in two pieces".utf8)
    // The second piece's `hashed` holds the queue until the test lets it go: the hash is
    // behind for as long as the test wants.
    let gate = DispatchSemaphore(value: 0)
    hash.add(bytes, count: 10, atByte: 0)
    hash.add(bytes, start: 10, count: bytes.count - 10, atByte: 10, then: { gate.wait() })
    var asked = 0
    #expect(throws: PathFilesError.interrupted(path: "p.partial")) {
      _ = try hash.finish(length: bytes.count, path: "p.partial") {
        asked += 1
        return asked == 3
      }
    }
    #expect(asked == 3)
    gate.signal()
    let digest = try hash.finish(length: bytes.count, path: "p.partial") { false }
    #expect(digest == sha256Hex(of: bytes))
    // A length the pieces do not reach: no digest (the file must be read back).
    let short = OrderedWriter()
    short.add(bytes, count: 10, atByte: 0)
    #expect(try short.finish(length: bytes.count, path: "p.partial") { false } == nil)
  }

  @Test(
    "hashed on the callers: the one that hands over a piece while no one hashes hashes every ready piece before it returns; one that hands over while another hashes returns at once"
  )
  func hashesOnCallers() throws {
    let bytes: [UInt8] = (0..<3_000).map { UInt8(truncatingIfNeeded: $0 &* 37) }
    let hash = OrderedWriter(hashesOnCallers: true)
    /// The threads on which each piece (by first byte) was hashed.
    let hashedOn = Mutex<[Int: pthread_t]>([:])
    let record = { @Sendable (offset: Int) in
      hashedOn.withLock { $0[offset] = pthread_self() }
    }
    let me = pthread_self()
    // A piece ahead of a gap waits; the piece that fills the gap is hashed with it, here.
    hash.add(bytes, start: 1_000, count: 1_000, atByte: 1_000, then: { record(1_000) })
    #expect(hashedOn.withLock { $0.isEmpty })
    hash.add(bytes, count: 1_000, atByte: 0, then: { record(0) })
    #expect(hashedOn.withLock { $0.keys.sorted() } == [0, 1_000])
    #expect(hashedOn.withLock { $0.values.allSatisfy { pthread_equal($0, me) != 0 } })
    // Another thread hashes (held by its piece's `hashed`): the last piece is left to it.
    let entered = DispatchSemaphore(value: 0)
    let gate = DispatchSemaphore(value: 0)
    let other = Mutex<pthread_t?>(nil)
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
      other.withLock { $0 = pthread_self() }
      hash.add(
        bytes, start: 2_000, count: 500, atByte: 2_000,
        then: {
          record(2_000)
          entered.signal()
          gate.wait()
        })
      done.signal()
    }
    entered.wait()
    hash.add(bytes, start: 2_500, count: 500, atByte: 2_500, then: { record(2_500) })
    #expect(hashedOn.withLock { $0[2_500] } == nil)
    gate.signal()
    done.wait()
    let thread = try #require(other.withLock { $0 })
    let lastOn = try #require(hashedOn.withLock { $0[2_500] })
    #expect(pthread_equal(lastOn, thread) != 0)
    let digest = try hash.finish(length: bytes.count, path: "p.partial") { false }
    #expect(digest == sha256Hex(of: bytes))
  }

  @Test("abandon waits for the block the queue is writing, then removes the file")
  func abandonWaitsForTheQueue() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let writer = try NPYFileWriter(
      path: directory.file("w.npy"), relativePath: "w.npy", dtype: .float64,
      shape: [Self.paths, 10, 3])
    let releases = Releases()
    // Block 0's `hashed` holds the queue: it is busy with block 0 until the test lets it go.
    let entered = DispatchSemaphore(value: 0)
    let gate = DispatchSemaphore(value: 0)
    let first = Array(Self.values[..<(Self.blockSize * Self.perPath)])
    var scratch: [Float] = []
    try writer.write(
      first, count: first.count, atElement: 0, scratch: &scratch,
      then: {
        entered.signal()
        gate.wait()
        releases.release()
      })
    for index in Self.blocks.indices.dropFirst() {
      try Self.writeBlock(index, to: writer, releases: releases)
    }
    entered.wait()
    let abandoned = DispatchSemaphore(value: 0)
    Thread {
      writer.abandon()
      abandoned.signal()
    }.start()
    // The blocks behind block 0 are dropped at once; abandon still waits for block 0.
    #expect(abandoned.wait(timeout: .now() + .milliseconds(200)) == .timedOut)
    #expect(exists(writer.partialPath))
    gate.signal()
    #expect(abandoned.wait(timeout: .now() + .seconds(60)) == .success)
    #expect(releases.count == Self.blocks.count)
    #expect(!exists(writer.partialPath) && !exists(directory.file("w.npy")))
  }

  @Test(
    "a write that fails on the queue (a full disk): the next write and finish throw it, every block is released, nothing is left",
    .enabled(
      if: Tmpfs.isAvailable, "needs permission to mount a tmpfs (root)"))
  func failedWriteOnTheQueue() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    let tmpfs = try #require(Tmpfs(at: folder.path, size: "64k"), "mount: \(errno)")
    defer { tmpfs.unmount() }
    // 64 blocks of 8 KiB; the first 16 (128 KiB) do not fit on the 64 KiB disk.
    let path = folder.file("prices.npy")
    let writer = try NPYFileWriter(
      path: path, relativePath: "prices.npy", dtype: .float64, shape: [64, 1024])
    let block = [Double](repeating: 1.5, count: 1024)
    let releases = Releases()
    let hashed = { @Sendable in releases.release() }
    var scratch: [Float] = []
    let expected = PathFilesError.cannotWrite(path: path, errno: ENOSPC)
    // The queue may fail before the loop ends: the next write then throws.
    var accepted = 0
    for index in 0..<16 {
      do throws(PathFilesError) {
        try writer.write(
          block, count: 1024, atElement: index * 1024, scratch: &scratch, then: hashed)
        accepted += 1
      } catch {
        #expect(error == expected)
        break
      }
    }
    let deadline = Date(timeIntervalSinceNow: 60)
    while writer.failure == nil && Date() < deadline { usleep(1000) }
    #expect(writer.failure == expected)
    #expect(throws: expected) {
      try writer.write(block, count: 1024, atElement: 16 * 1024, scratch: &scratch, then: hashed)
    }
    #expect(throws: expected) {
      try block.withUnsafeBufferPointer { try writer.write($0, atElement: 17 * 1024) }
    }
    #expect(throws: expected) { _ = try writer.finish() }
    // `finish` returns once every block the queue took was released; the refused ones are not.
    #expect(
      releases.count == accepted,
      "expected \(accepted) blocks released, observed \(releases.count)")
    let left = try FileManager.default.contentsOfDirectory(atPath: folder.path)
    #expect(left.isEmpty, "expected an empty folder, observed \(left)")
  }
}
