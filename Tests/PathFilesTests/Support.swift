import Foundation
import Testing

@testable import PathFiles

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
  let path: String

  init() throws {
    path = NSTemporaryDirectory() + "/pathfiles-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  /// `path/name`.
  func file(_ name: String) -> String { path + "/" + name }

  func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The bytes of a file.
func contents(of path: String) throws -> [UInt8] {
  Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

/// Runs a program and returns its standard output, or `nil` when it cannot be run or fails.
func run(_ executable: String, _ arguments: [String]) -> String? {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = [executable] + arguments
  let output = Pipe()
  process.standardOutput = output
  process.standardError = FileHandle.nullDevice
  do { try process.run() } catch { return nil }
  let data = output.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  guard process.terminationStatus == 0 else { return nil }
  return String(decoding: data, as: UTF8.self)
}

/// Whether `python3` can import numpy; the numpy cross-checks are skipped otherwise.
let numpyIsAvailable = run("python3", ["-c", "import numpy"]) != nil

/// A deterministic permutation of `0..<count` (Fisher–Yates driven by a 64-bit LCG).
func shuffledIndices(_ count: Int, seed: UInt64) -> [Int] {
  var state = seed
  var indices = Array(0..<count)
  for i in stride(from: count - 1, to: 0, by: -1) {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    let j = Int((state >> 33) % UInt64(i + 1))
    indices.swapAt(i, j)
  }
  return indices
}

/// Runs `body(worker)` on `workers` threads at once and waits for all of them.
func concurrently(workers: Int, _ body: @escaping @Sendable (Int) -> Void) {
  DispatchQueue.concurrentPerform(iterations: workers, execute: body)
}

/// Lowercase hexadecimal text of bytes.
func hex(_ bytes: [UInt8]) -> String {
  bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

/// Errors thrown on worker threads, collected for the test's thread.
final class FailureLog: @unchecked Sendable {
  private let lock = NSLock()
  private var collected: [any Error] = []

  func record(_ error: any Error) {
    lock.lock()
    collected.append(error)
    lock.unlock()
  }

  var errors: [any Error] {
    lock.lock()
    defer { lock.unlock() }
    return collected
  }
}
