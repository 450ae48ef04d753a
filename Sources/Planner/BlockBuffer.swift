import Foundation
import Processes

/// A worker's buffers for one block of paths, lent to the path files that write and hash them
/// behind the workers (`NPYFileWriter.write(_:count:atElement:scratch:then:)`): the worker
/// fills the buffer again only once every file has let go of it, so memory stays bounded (two
/// buffers per worker) and the files' queues read the bytes the worker simulated, never a
/// newer block.
///
/// A worker waits for a buffer only before it takes its next block, so a waiting worker holds
/// no block: the block the queues wait for is always in the hands of a worker that is
/// simulating it, and the run cannot deadlock.
final class BlockBuffer: @unchecked Sendable {
  /// The block's outputs, filled by the simulator.
  var arrays: BlockArrays
  /// The float32 form of each NPY file's block (by the file's position in the variant's NPY
  /// files); empty, and unused, for float64 and integer files.
  var scratch: [[Float]]
  private let condition = NSCondition()
  /// The files that have not yet written and hashed the block; guarded by `condition`.
  private var holders = 0

  init(arrays: BlockArrays, files: Int) {
    self.arrays = arrays
    scratch = Array(repeating: [], count: files)
  }

  /// Records that `count` files are about to take the buffer.
  func lend(to count: Int) {
    condition.lock()
    holders = count
    condition.unlock()
  }

  /// Called by each file once it has written and hashed the block (or dropped it).
  func release() {
    condition.lock()
    holders -= 1
    if holders <= 0 { condition.broadcast() }
    condition.unlock()
  }

  /// Waits until no file holds the buffer, asking `stop` every 10 ms (a failure elsewhere or a
  /// signal ends the wait: the block a file waits for may never come).
  ///
  /// - Returns: whether the buffer is free; `false` when `stop` answered true first.
  func waitUntilReleased(stopIf stop: () -> Bool) -> Bool {
    condition.lock()
    defer { condition.unlock() }
    while holders > 0 {
      if stop() { return false }
      _ = condition.wait(until: Date(timeIntervalSinceNow: 0.01))
    }
    return true
  }
}
