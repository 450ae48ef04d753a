import Crypto
import Dispatch
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file inside an output folder written front to back and hashed as it is written, so that
/// finishing it needs no second pass over its bytes (`scengine merge`).
///
/// Like every file of a run it is written as `NAME.<run>.partial` and takes its name only when
/// finished (`finish`); `abandon` (or releasing it unfinished) removes it.
public final class StreamedFile: @unchecked Sendable {
  /// The name relative to the output folder, recorded in the `FileRecord`.
  public let relativePath: String
  private let file: PartialFile
  private var hash = SHA256()
  private var length = 0
  /// Whether each chunk's writeback starts as soon as it is written (a file to be flushed).
  private let writeBehind: Bool

  /// Creates the temporary file of `relativePath` inside `folder` (its subfolder made by
  /// `folder.makeSubfolder` first). With `writeBehind` (for a file that will be finished with
  /// `sync: true`), the disk starts writing each copied chunk as soon as it is in the page
  /// cache, so the final flush waits for little more than the last chunks.
  public init(
    in folder: OutputFolder, relativePath: String, writeBehind: Bool = false
  ) throws(PathFilesError) {
    self.relativePath = relativePath
    self.writeBehind = writeBehind
    file = try folder.partialFile(relativePath)
  }

  deinit { file.abandon() }

  /// The path being written (`NAME.<run>.partial`), for messages.
  public var partialPath: String { file.partialPath }

  /// Adds `bytes` to the hash only (they are written by the caller).
  fileprivate func updateHash(_ bytes: UnsafeRawBufferPointer) {
    hash.update(bufferPointer: bytes)
  }

  /// Appends `bytes`.
  public func append(_ bytes: UnsafeRawBufferPointer) throws(PathFilesError) {
    hash.update(bufferPointer: bytes)
    try file.write(bytes, at: length)
    length += bytes.count
  }

  /// Appends `bytes`.
  public func append(_ bytes: [UInt8]) throws(PathFilesError) {
    let result = bytes.withUnsafeBytes { raw in
      Result { () throws(PathFilesError) in try append(raw) }
    }
    try result.get()
  }

  /// Appends the bytes `from ..< size` of the file at `path` (the rest of it from `from`), and
  /// hashes the whole of that file on the way: its SHA-256 and size are returned, for checking
  /// against a manifest. The source is read once, in 4 MiB chunks, by a second thread that
  /// also hashes it, while this thread hashes and writes the chunks read before: the two
  /// hashes and the two copies run side by side on two cores.
  ///
  /// - Parameters:
  ///   - path: a regular file (a symbolic link is refused).
  ///   - from: the first byte to copy (the length of a header to skip); bytes before it are
  ///     hashed, not copied.
  ///   - shouldStop: asked before each chunk; true stops with `.interrupted`.
  public func append(
    contentsOfFileAt path: String, from: Int, shouldStop: () -> Bool = { false }
  ) throws(PathFilesError) -> (sha256: String, bytes: Int) {
    let source = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
    guard source >= 0 else { throw .cannotRead(path: path, errno: errno) }
    defer { close(source) }
    var info = stat()
    guard fstat(source, &info) == 0 else { throw .cannotRead(path: path, errno: errno) }
    guard isRegularFile(info.st_mode) else {
      throw .notRegularFile(path: path, kind: describe(mode: info.st_mode))
    }
    let reader = ChunkReader(descriptor: source, path: path)
    DispatchQueue.global().async { reader.run() }
    // Three activities on the chunks in order: the reader reads and hashes chunk i + k, a
    // queue hashes chunk i into this file's hash while this thread writes it.
    let hashing = DispatchQueue(label: "scengine.streamed-file.hash")
    let output = OutputHash(self)
    var failure: PathFilesError?
    var offset = 0
    while let (buffer, count) = reader.next() {
      defer { reader.release() }
      if failure != nil { continue }
      if shouldStop() {
        failure = .interrupted(path: file.path)
        reader.stop()
        continue
      }
      let skip = min(count, max(0, from - offset))
      offset += count
      guard skip < count else { continue }
      let chunk = UnsafeRawBufferPointer(rebasing: buffer[skip..<count])
      let group = DispatchGroup()
      let shared = SharedBytes(bytes: chunk)
      hashing.async(group: group) { output.update(shared.bytes) }
      do throws(PathFilesError) {
        try file.write(chunk, at: length)
        if writeBehind { file.startWriteback(offset: length, count: chunk.count) }
        length += chunk.count
      } catch {
        failure = error
        reader.stop()
      }
      group.wait()
    }
    if let failure { throw failure }
    if let error = reader.failure { throw error }
    return (reader.digest, offset)
  }

  /// Gives the file its name and returns its manifest entry; `dtype` and `shape` describe an
  /// NPY array (both `nil` for another file).
  public func finish(sync: Bool, dtype: String? = nil, shape: [Int]? = nil)
    throws(PathFilesError) -> FileRecord
  {
    let digest = hexadecimal(hash.finalize())
    let (sha, bytes) = try file.commit(sync: sync, digest: (digest, length))
    return FileRecord(path: relativePath, sha256: sha, bytes: bytes, dtype: dtype, shape: shape)
  }

  /// Removes the temporary file.
  public func abandon() { file.abandon() }
}

/// Reads a file front to back into a ring of buffers on its own thread, hashing each chunk
/// as it is read; `next()` hands the chunks over in order, `release()` returns a buffer.
private final class ChunkReader: @unchecked Sendable {
  static let chunk = 4 << 20
  static let depth = 4
  private let descriptor: Int32
  private let path: String
  private let buffers: [UnsafeMutableRawBufferPointer]
  private var counts: [Int]
  /// Free buffers. Made with 0 and signalled `depth` times: libdispatch traps when a semaphore
  /// ends below the value it was made with, as this one does when the reader stops early.
  private let free = DispatchSemaphore(value: 0)
  private let filled = DispatchSemaphore(value: 0)
  private let done = DispatchSemaphore(value: 0)
  private let stopped = Atomic<Bool>(false)
  private var hash = SHA256()
  private var turn = 0
  /// Set by the reading thread before it signals the end; read after `next()` returned nil.
  private(set) var failure: PathFilesError?
  private(set) var digest = ""

  init(descriptor: Int32, path: String) {
    self.descriptor = descriptor
    self.path = path
    buffers = (0..<Self.depth).map { _ in
      UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunk, alignment: 64)
    }
    counts = Array(repeating: 0, count: Self.depth)
    for _ in 0..<Self.depth { free.signal() }
  }

  deinit { for b in buffers { b.deallocate() } }

  /// The reading thread: fills buffers in turn until the end of the file, an error or `stop`;
  /// a chunk of 0 bytes marks the end.
  func run() {
    var offset = 0
    var slot = 0
    while true {
      free.wait()
      let buffer = buffers[slot]
      var count = 0
      if !stopped.load(ordering: .relaxed) {
        do throws(PathFilesError) {
          count = try readFully(descriptor, into: buffer, at: offset, path: path)
        } catch {
          failure = error
        }
      }
      if failure != nil || stopped.load(ordering: .relaxed) { count = 0 }
      if count > 0 {
        hash.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
      }
      counts[slot] = count
      offset += count
      filled.signal()
      if count == 0 { break }
      slot = (slot + 1) % Self.depth
    }
    digest = hexadecimal(hash.finalize())
    done.signal()
  }

  /// The next chunk in file order, or `nil` at the end (after which `failure` and `digest`
  /// are final). Each chunk must be `release`d before the next `next()`.
  func next() -> (UnsafeMutableRawBufferPointer, Int)? {
    filled.wait()
    let slot = turn % Self.depth
    let count = counts[slot]
    guard count > 0 else {
      done.wait()
      return nil
    }
    turn += 1
    return (buffers[slot], count)
  }

  func release() { free.signal() }

  /// Asks the reading thread to end early.
  func stop() { stopped.store(true, ordering: .relaxed) }
}

/// Bytes handed to the hashing queue; the caller keeps them alive and unchanged until the
/// queue's group has been waited for.
private struct SharedBytes: @unchecked Sendable {
  let bytes: UnsafeRawBufferPointer
}

/// A file's hash, updated from the hashing queue while its owner waits for it.
private final class OutputHash: @unchecked Sendable {
  let file: StreamedFile
  init(_ file: StreamedFile) { self.file = file }
  func update(_ bytes: UnsafeRawBufferPointer) { file.updateHash(bytes) }
}
