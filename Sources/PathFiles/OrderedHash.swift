import Crypto
import Dispatch
import Foundation

/// The SHA-256 of a file whose pieces are written in any order, by any number of threads,
/// computed in file order on a serial queue of its own from the bytes the writers hold in
/// memory: the file is never read back, and on a machine with a free core the hash costs the
/// writers nothing.
///
/// Each piece is handed over, after it is written, as an array the hash keeps by reference
/// until it has hashed it. A piece that arrives before the pieces in front of it waits (its
/// storage kept) until they have arrived; the pieces then go to the queue in file order. A
/// piece's `hashed` closure is called once the hash has let go of its storage, so that its
/// writer may fill the buffer again without a copy (arrays are values: a writer that changes
/// one sooner gets a copy, never changes the bytes being hashed). The writers bound the pieces
/// in flight by waiting for `hashed` before reusing a buffer.
///
/// The digest is that of the file when the pieces tile it: every byte of `0 ..< length` in
/// exactly one piece, and nothing written past the hash (`markUnordered`). Otherwise `finish`
/// answers `nil` and the file must be hashed by reading it.
final class OrderedHash: @unchecked Sendable {
  /// A run of bytes at a file offset, and the storage that holds them.
  private struct Piece {
    let offset: Int
    let count: Int
    /// Adds the bytes to the hash; holds the array they live in.
    let update: (inout SHA256) -> Void
    let hashed: (@Sendable () -> Void)?
  }

  private let queue = DispatchQueue(label: "scengine.ordered-hash")
  /// Only touched on `queue`.
  private var hash = SHA256()
  private let condition = NSCondition()
  // The fields below are guarded by `condition`.
  /// The bytes handed to the queue: the length of the prefix of the file covered by pieces.
  private var queued = 0
  /// The bytes the queue has hashed; `queued` once it has caught up.
  private var done = 0
  /// Pieces waiting for the pieces in front of them, by offset.
  private var early: [Int: Piece] = [:]
  /// Pieces handed to the queue and not yet hashed, in file order; each has one queued block.
  private var ready: [Piece] = []
  /// Whether some bytes of the file were written without a piece: the digest is not the file's.
  private var unordered = false
  private var abandoned = false

  init() {}

  /// Adds `count` elements of `values` starting at `start` as the bytes of the file at byte
  /// `offset` (in memory order); `hashed` is called once they are hashed (or dropped by
  /// `abandon`), from the hash's queue or the calling thread.
  ///
  /// - Precondition: the piece overlaps no piece given before.
  func add<T: BitwiseCopyable & Sendable>(
    _ values: [T], start: Int = 0, count: Int, atByte offset: Int,
    then hashed: (@Sendable () -> Void)? = nil
  ) {
    precondition(start >= 0 && count >= 0 && start + count <= values.count)
    let stride = MemoryLayout<T>.stride
    condition.lock()
    if abandoned {
      condition.unlock()
      hashed?()
      return
    }
    precondition(
      offset >= queued && early[offset] == nil,
      "bytes from \(offset) of the file were already given to the hash")
    let piece = Piece(
      offset: offset, count: count * stride,
      update: { hash in
        values.withUnsafeBytes { raw in
          hash.update(
            bufferPointer: UnsafeRawBufferPointer(
              rebasing: raw[(start * stride)..<((start + count) * stride)]))
        }
      }, hashed: hashed)
    var newlyReady = 0
    if offset == queued {
      ready.append(piece)
      queued += piece.count
      newlyReady = 1
      while let next = early.removeValue(forKey: queued) {
        ready.append(next)
        queued += next.count
        newlyReady += 1
      }
    } else {
      early[offset] = piece
    }
    condition.unlock()
    for _ in 0..<newlyReady { queue.async { self.hashFirstReady() } }
  }

  /// Records that bytes of the file were written without being given to the hash.
  func markUnordered() {
    condition.lock()
    unordered = true
    condition.unlock()
  }

  /// Hashes the first ready piece, lets go of its storage and tells its writer, then counts
  /// it as hashed (so that `finish` returns after every `hashed` was called).
  private func hashFirstReady() {
    condition.lock()
    guard !ready.isEmpty else {
      condition.unlock()
      return
    }
    var piece: Piece? = ready.removeFirst()
    condition.unlock()
    piece?.update(&hash)
    let count = piece?.count ?? 0
    let hashed = piece?.hashed
    piece = nil
    hashed?()
    condition.lock()
    done += count
    condition.broadcast()
    condition.unlock()
  }

  /// Waits until the queue has hashed every piece handed to it, asking `shouldStop` every
  /// 10 ms, then finalises the hash.
  ///
  /// - Parameter length: the file's size in bytes.
  /// - Returns: the lowercase hexadecimal SHA-256 when the pieces tiled `0 ..< length`, else
  ///   `nil` (pieces left waiting behind a gap are released).
  /// - Throws: `PathFilesError.interrupted(path:)` when `shouldStop` answers true.
  func finish(length: Int, path: String, shouldStop: () -> Bool) throws(PathFilesError)
    -> String?
  {
    condition.lock()
    while done < queued && !abandoned {
      if shouldStop() {
        condition.unlock()
        throw .interrupted(path: path)
      }
      _ = condition.wait(until: Date(timeIntervalSinceNow: 0.01))
    }
    let complete = queued == length && early.isEmpty && !unordered && !abandoned
    let left = early.values.compactMap(\.hashed)
    early = [:]
    condition.unlock()
    for hashed in left { hashed() }
    guard complete else { return nil }
    return queue.sync { hexadecimal(hash.finalize()) }
  }

  /// Drops every piece not yet hashed and calls its `hashed`; later pieces are dropped as they
  /// come. Idempotent.
  func abandon() {
    condition.lock()
    abandoned = true
    let dropped = (early.values + ready).compactMap(\.hashed)
    early = [:]
    ready = []
    condition.broadcast()
    condition.unlock()
    for hashed in dropped { hashed() }
  }
}
