import Crypto
import Dispatch

/// The SHA-256 of a file that is written front to back, computed on a queue of its own while
/// the writer goes on: the file is never read back, and on a machine with a free core the
/// hash costs the writer nothing.
///
/// The writer hands over each piece of the file in file order, as an array it no longer
/// changes (arrays are values: handing one over keeps its storage alive until it is hashed).
/// At most `depth` pieces wait at once; the writer waits for a slot when the queue is behind,
/// so memory stays bounded. Every method is called from one writer at a time (the writer's
/// lock), `update` in file order.
final class BackgroundHash: @unchecked Sendable {
  private let queue = DispatchQueue(label: "scengine.background-hash")
  /// Only touched on `queue`.
  private var hash = SHA256()
  /// Free slots. Made with 0 and signalled `depth` times: libdispatch traps when a semaphore
  /// is released while below the value it was made with.
  private let slots = DispatchSemaphore(value: 0)
  private let depth: Int

  /// A hash that lets `depth` pieces wait for it.
  init(depth: Int = 4) {
    self.depth = depth
    for _ in 0..<depth { slots.signal() }
  }

  /// Adds the bytes of `values` (in memory order) after every piece given before.
  func update<T: BitwiseCopyable & Sendable>(_ values: [T]) {
    slots.wait()
    queue.async { [self] in
      values.withUnsafeBytes { hash.update(bufferPointer: $0) }
      slots.signal()
    }
  }

  /// The lowercase hexadecimal SHA-256 of everything given, once the queue has caught up.
  func finalize() -> String {
    queue.sync { hexadecimal(hash.finalize()) }
  }

  /// Waits until every piece given has been hashed (before the hash is dropped unfinished).
  func drain() {
    queue.sync {}
  }
}
