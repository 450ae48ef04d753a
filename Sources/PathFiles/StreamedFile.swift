import Crypto
import Dispatch

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

  /// Creates the temporary file of `relativePath` inside `folder` (its subfolder made by
  /// `folder.makeSubfolder` first).
  public init(in folder: OutputFolder, relativePath: String) throws(PathFilesError) {
    self.relativePath = relativePath
    file = try folder.partialFile(relativePath)
  }

  deinit { file.abandon() }

  /// The path being written (`NAME.<run>.partial`), for messages.
  public var partialPath: String { file.partialPath }

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
  /// against a manifest. The source is read once, in 4 MiB chunks; its hash runs on a second
  /// thread beside this file's hash and write, so that the copy keeps up with the disk.
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
    let chunk = 4 << 20
    // Two buffers: the source hash of one runs while the other is read, hashed and written.
    let buffers = (0..<2).map { _ in
      UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 64)
    }
    defer { for b in buffers { b.deallocate() } }
    let sourceHash = SourceHash()
    let group = DispatchGroup()
    let queue = DispatchQueue(label: "scengine.merge.hash")
    var offset = 0
    var turn = 0
    var failure: PathFilesError?
    while failure == nil {
      if shouldStop() {
        failure = .interrupted(path: file.path)
        break
      }
      let buffer = buffers[turn & 1]
      // The buffer's previous hash must be done before it is read into again.
      group.wait()
      var count = 0
      while count < chunk {
        let n = pread(source, buffer.baseAddress! + count, chunk - count, off_t(offset + count))
        if n > 0 {
          count += n
        } else if n < 0 && errno == EINTR {
          continue
        } else if n == 0 {
          break
        } else {
          failure = .cannotRead(path: path, errno: errno)
          break
        }
      }
      if failure != nil || count == 0 { break }
      let filled = UnsafeRawBufferPointer(rebasing: buffer[..<count])
      let shared = SharedBytes(bytes: filled)
      queue.async(group: group) { sourceHash.update(shared.bytes) }
      let skip = min(count, max(0, from - offset))
      if skip < count {
        do throws(PathFilesError) {
          try append(UnsafeRawBufferPointer(rebasing: filled[skip...]))
        } catch {
          failure = error
        }
      }
      offset += count
      turn += 1
    }
    group.wait()
    if let failure { throw failure }
    return (sourceHash.finish(), offset)
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

/// Bytes handed to the hashing queue; the caller keeps them alive and unchanged until the
/// queue's group has been waited for.
private struct SharedBytes: @unchecked Sendable {
  let bytes: UnsafeRawBufferPointer
}

/// A SHA-256 updated on one serial queue and read once at the end.
private final class SourceHash: @unchecked Sendable {
  private var hash = SHA256()
  func update(_ bytes: UnsafeRawBufferPointer) { hash.update(bufferPointer: bytes) }
  func finish() -> String { hexadecimal(hash.finalize()) }
}
