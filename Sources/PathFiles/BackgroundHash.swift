import Crypto
import Dispatch
import Synchronization

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

  /// Adds the bytes of `values` (in memory order) after every piece given before; `done`,
  /// when given, receives the array once it is hashed (to `ArrayPool.put` it back).
  func update<T: BitwiseCopyable & Sendable>(
    _ values: [T], then done: (@Sendable ([T]) -> Void)? = nil
  ) {
    slots.wait()
    queue.async { [self] in
      values.withUnsafeBytes { hash.update(bufferPointer: $0) }
      done?(values)
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

/// Arrays of one length kept for reuse, so that a writer that fills a large array per row
/// group takes pages the process already has instead of fresh ones (which the kernel zeroes
/// on first touch). At most `limit` arrays are kept; an array of another length is dropped.
final class ArrayPool<Element: BitwiseCopyable & Sendable>: Sendable {
  private let arrays = Mutex<[[Element]]>([])
  private let limit: Int

  init(limit: Int = 4) { self.limit = limit }

  /// An array of `count` elements, reused (with the values it held) or new and uninitialised:
  /// for a caller that writes every element before reading any.
  func take(_ count: Int) -> [Element] {
    let reused = arrays.withLock { list -> [Element]? in
      guard let index = list.lastIndex(where: { $0.count == count }) else { return nil }
      return list.remove(at: index)
    }
    return reused ?? uninitialized(count)
  }

  /// Keeps `array` for a later `take`, unless the pool is full.
  func put(_ array: [Element]) {
    arrays.withLock { list in
      if list.count < limit { list.append(array) }
    }
  }
}

/// An array of `count` values whose storage is not initialised: for BitwiseCopyable values
/// that the caller writes in full before reading any.
func uninitialized<T: BitwiseCopyable>(_ count: Int) -> [T] {
  [T](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
}
