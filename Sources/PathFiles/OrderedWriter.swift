import Crypto
import Dispatch
import Foundation

/// Writes a file's pieces in file order on a serial queue of its own, and computes the file's
/// SHA-256 as it goes, from the bytes the writers hold in memory: the pieces may be handed over
/// in any order, by any number of threads, and the writers neither wait for the disk (the
/// kernel's copy into the page cache happens on the queue) nor read the file back to hash it.
/// On a machine with a free core the writes and the hash cost the writers nothing.
///
/// Each piece is handed over as an array kept by reference until the queue is done with it:
/// `write` pieces are first written at their offset (`pwrite(2)`, by the `write` closure given
/// to `init`) and then hashed; `add` pieces, whose bytes are already in the file (a header),
/// are only hashed. A piece that arrives before the pieces in front of it waits (its storage
/// kept) until they have arrived; the pieces then go to the queue in file order. A piece's
/// `hashed` closure is called once the queue has let go of its storage, so that its writer may
/// fill the buffer again without a copy (arrays are values: a writer that changes one sooner
/// gets a copy, never changes the bytes being written). The writers bound the pieces in flight
/// by waiting for `hashed` before reusing a buffer.
///
/// The first write that fails (`ENOSPC`, `EIO`, …) is recorded as `failure`: the pieces behind
/// it are neither written nor hashed but dropped (their `hashed` called), every later `write`
/// throws it, and so does `finish`.
///
/// Where every core already runs a writer, a queue of its own would be one thread more than
/// the cores, and the hash (serial, in file order, the slowest link) would get a share of a
/// core. With `hashesOnCallers` the pieces are hashed (and written) by the writers instead:
/// the writer that hands over a piece while no one is hashing hashes every ready piece, its
/// own and the others', until none is left, then goes on; a writer that hands one over while
/// another hashes goes on at once. No thread waits while there is hashing to do.
///
/// The digest is that of the file when the pieces tile it: every byte of `0 ..< length` in
/// exactly one piece, and nothing written past the queue (`markUnordered`). Otherwise `finish`
/// answers `nil` (after writing the pieces left behind a gap) and the file must be hashed by
/// reading it.
final class OrderedWriter: @unchecked Sendable {
  /// Writes all of the bytes at a byte offset of the file (`PartialFile.write(_:at:)`).
  typealias Write = @Sendable (UnsafeRawBufferPointer, Int) throws(PathFilesError) -> Void

  /// A run of bytes at a file offset, and the storage that holds them.
  private struct Piece {
    let offset: Int
    let count: Int
    /// Whether the queue writes the bytes before hashing them (`false`: already in the file).
    let writes: Bool
    /// Calls its argument with the bytes; holds the array they live in.
    let withBytes: ((UnsafeRawBufferPointer) -> Void) -> Void
    let hashed: (@Sendable () -> Void)?
  }

  private let queue = DispatchQueue(label: "scengine.ordered-writer")
  /// Writes a piece's bytes to the file; `nil` when every piece is added with `add`.
  private let writeBytes: Write?
  /// Whether the writers hash the ready pieces themselves, not the queue.
  private let hashesOnCallers: Bool
  /// Only touched by whoever is `busy`, one at a time: the queue, or with `hashesOnCallers` a
  /// writer (and by `finish` once every piece is done).
  private var hash = SHA256()
  private let condition = NSCondition()
  // The fields below are guarded by `condition`.
  /// The bytes handed to the queue: the length of the prefix of the file covered by pieces.
  private var queued = 0
  /// The bytes the queue is done with; `queued` once it has caught up.
  private var done = 0
  /// Pieces waiting for the pieces in front of them, by offset.
  private var early: [Int: Piece] = [:]
  /// Pieces handed to the queue and not yet taken by it, in file order; each has one queued
  /// block.
  private var ready: [Piece] = []
  /// Whether the queue (or a writer, with `hashesOnCallers`) is writing or hashing a piece
  /// (until its `hashed` has returned).
  private var busy = false
  /// The first write that failed.
  private var firstFailure: PathFilesError?
  /// Whether some bytes of the file were written without a piece: the digest is not the file's.
  private var unordered = false
  private var abandoned = false

  /// Creates the writer of one file; `write` writes a piece's bytes at their byte offset, on
  /// the queue (`nil` for a writer that is only given pieces already written, with `add`).
  /// With `hashesOnCallers` the writers hash (and write) the ready pieces, not a queue (see
  /// the type's description).
  init(write: Write? = nil, hashesOnCallers: Bool = false) {
    writeBytes = write
    self.hashesOnCallers = hashesOnCallers
  }

  /// The first write of a piece that failed, or `nil`: every later `write` and `finish` throw
  /// it. Takes a lock; cheap enough to ask every few milliseconds.
  var failure: PathFilesError? {
    condition.lock()
    defer { condition.unlock() }
    return firstFailure
  }

  /// Hands `count` elements of `values` starting at `start` (in memory order) to the queue, to
  /// be written at byte `offset` of the file once every byte in front of them has been handed
  /// over, then hashed; `hashed` is called once the queue is done with them (or has dropped
  /// them, after a failure or `abandon`), from the queue or the calling thread.
  ///
  /// - Precondition: the writer was given a `write` closure; the piece overlaps no piece given
  ///   before.
  /// - Throws: `failure`, once a write has failed; `hashed` is then not called. A failure of
  ///   this piece's own write comes later: from the next call, or from `finish`.
  func write<T: BitwiseCopyable & Sendable>(
    _ values: [T], start: Int = 0, count: Int, atByte offset: Int,
    then hashed: (@Sendable () -> Void)? = nil
  ) throws(PathFilesError) {
    precondition(writeBytes != nil, "an OrderedWriter without a write closure cannot write")
    if let failure = enqueue(piece(values, start, count, offset, writes: true, hashed)) {
      throw failure
    }
  }

  /// Adds `count` elements of `values` starting at `start` to the hash as the bytes of the file
  /// at byte `offset` (in memory order), bytes the file already holds; `hashed` is called once
  /// they are hashed (or dropped), from the queue or the calling thread.
  ///
  /// - Precondition: the piece overlaps no piece given before.
  func add<T: BitwiseCopyable & Sendable>(
    _ values: [T], start: Int = 0, count: Int, atByte offset: Int,
    then hashed: (@Sendable () -> Void)? = nil
  ) {
    // After a failure the hash no longer matters: the piece is dropped.
    if enqueue(piece(values, start, count, offset, writes: false, hashed)) != nil { hashed?() }
  }

  /// Whether the queue is still writing or hashing a piece handed to it before: a writer that
  /// hands over the next piece now waits for it. Takes a lock.
  var isBusy: Bool {
    condition.lock()
    defer { condition.unlock() }
    return busy || !ready.isEmpty
  }

  /// Records that bytes of the file were written without being given to the queue.
  func markUnordered() {
    condition.lock()
    unordered = true
    condition.unlock()
  }

  private func piece<T: BitwiseCopyable & Sendable>(
    _ values: [T], _ start: Int, _ count: Int, _ offset: Int, writes: Bool,
    _ hashed: (@Sendable () -> Void)?
  ) -> Piece {
    precondition(start >= 0 && count >= 0 && start + count <= values.count)
    let stride = MemoryLayout<T>.stride
    return Piece(
      offset: offset, count: count * stride, writes: writes,
      withBytes: { body in
        values.withUnsafeBytes { raw in
          body(UnsafeRawBufferPointer(rebasing: raw[(start * stride)..<((start + count) * stride)]))
        }
      }, hashed: hashed)
  }

  /// Queues `piece` behind the pieces in front of it; answers the recorded failure instead
  /// (the piece refused, its `hashed` not called). After `abandon` the piece is dropped.
  private func enqueue(_ piece: Piece) -> PathFilesError? {
    condition.lock()
    if let firstFailure {
      condition.unlock()
      return firstFailure
    }
    if abandoned {
      condition.unlock()
      piece.hashed?()
      return nil
    }
    precondition(
      piece.offset >= queued && early[piece.offset] == nil,
      "bytes from \(piece.offset) of the file were already given to the queue")
    var newlyReady = 0
    if piece.offset == queued {
      ready.append(piece)
      queued += piece.count
      newlyReady = 1
      while let next = early.removeValue(forKey: queued) {
        ready.append(next)
        queued += next.count
        newlyReady += 1
      }
    } else {
      early[piece.offset] = piece
    }
    if hashesOnCallers {
      // The writer that finds no one hashing hashes until nothing is ready.
      let hashes = newlyReady > 0 && !busy
      if hashes { busy = true }
      condition.unlock()
      if hashes { while writeAndHashFirstReady() {} }
      return nil
    }
    condition.unlock()
    for _ in 0..<newlyReady { queue.async { _ = self.writeAndHashFirstReady() } }
    return nil
  }

  /// Writes and hashes the first ready piece, lets go of its storage and tells its writer,
  /// then counts it as done (so that `finish` returns after every `hashed` was called). A
  /// failed write is recorded and drops every piece not yet done.
  ///
  /// - Returns: whether, with `hashesOnCallers`, another piece is ready: the caller, still
  ///   `busy`, hashes it next. The queue hashes one piece per call and leaves `busy`.
  private func writeAndHashFirstReady() -> Bool {
    condition.lock()
    guard !ready.isEmpty else {
      busy = false
      condition.broadcast()
      condition.unlock()
      return false
    }
    var piece: Piece? = ready.removeFirst()
    busy = true
    condition.unlock()
    let failed = piece.flatMap(writeAndHash)
    let count = piece?.count ?? 0
    let hashed = piece?.hashed
    piece = nil
    var dropped: [@Sendable () -> Void] = []
    if let failed {
      condition.lock()
      if firstFailure == nil { firstFailure = failed }
      dropped = (early.values + ready).compactMap(\.hashed)
      early = [:]
      ready = []
      condition.unlock()
    }
    hashed?()
    for hashed in dropped { hashed() }
    condition.lock()
    done = failed == nil ? done + count : queued
    let more = hashesOnCallers && !ready.isEmpty
    busy = more
    condition.broadcast()
    condition.unlock()
    return more
  }

  /// Writes the piece when it `writes`, then adds it to the hash; answers the write's error.
  private func writeAndHash(_ piece: Piece) -> PathFilesError? {
    var failed: PathFilesError?
    piece.withBytes { bytes in
      if piece.writes, let writeBytes {
        do throws(PathFilesError) {
          try writeBytes(bytes, piece.offset)
        } catch {
          failed = error
          return
        }
      }
      hash.update(bufferPointer: bytes)
    }
    return failed
  }

  /// Waits until the queue is done with every piece handed to it, asking `shouldStop` every
  /// 10 ms; writes the pieces left waiting behind a gap (on the calling thread: the queue is
  /// idle), then finalises the hash.
  ///
  /// - Parameter length: the file's size in bytes.
  /// - Returns: the lowercase hexadecimal SHA-256 when the pieces tiled `0 ..< length`, else
  ///   `nil` (the pieces behind a gap are written, not hashed, and released).
  /// - Throws: `failure`, when a write failed (every `hashed` has then been called);
  ///   `PathFilesError.interrupted(path:)` when `shouldStop` answers true.
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
    if let firstFailure {
      condition.unlock()
      throw firstFailure
    }
    let complete = queued == length && early.isEmpty && !unordered && !abandoned
    var left = abandoned ? [] : early.values.sorted { $0.offset < $1.offset }
    early = [:]
    condition.unlock()
    var failed: PathFilesError?
    if let writeBytes {
      for piece in left where piece.writes && failed == nil {
        piece.withBytes { bytes in
          do throws(PathFilesError) { try writeBytes(bytes, piece.offset) } catch {
            failed = error
          }
        }
      }
    }
    let hashed = left.compactMap(\.hashed)
    left = []
    for hashed in hashed { hashed() }
    if let failed {
      condition.lock()
      firstFailure = failed
      condition.unlock()
      throw failed
    }
    guard complete else { return nil }
    return queue.sync { hexadecimal(hash.finalize()) }
  }

  /// Drops every piece not yet taken by the queue and calls its `hashed`, then waits for the
  /// piece the queue may be writing (one `pwrite`), so that nothing is written to the file once
  /// `abandon` has returned: the caller may close it. Later pieces are dropped as they come.
  /// Idempotent.
  ///
  /// - Precondition: not called from a `hashed` closure (the queue would wait for itself).
  func abandon() {
    condition.lock()
    abandoned = true
    let dropped = (early.values + ready).compactMap(\.hashed)
    early = [:]
    ready = []
    condition.broadcast()
    condition.unlock()
    for hashed in dropped { hashed() }
    condition.lock()
    while busy { condition.wait() }
    condition.unlock()
  }
}
