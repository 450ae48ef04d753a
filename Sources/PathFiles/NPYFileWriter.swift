import Synchronization

/// Writes one numpy `.npy` file whose shape is known before the first element arrives.
///
/// The writer creates `<path>.<run>.partial` (see `PartialFile`), writes the `NPYHeader`, and sizes the file with
/// `ftruncate(2)` to its final length, `header + elementCount × itemSize` bytes. Blocks of
/// elements then land at their own element offsets (C order) with `pwrite(2)`, handed over by
/// any number of threads at once and in any order. Elements never written read back as zeros.
///
/// Blocks written from arrays (`write(_:count:atElement:scratch:then:)` and its kin) are
/// neither written nor hashed by the caller: they go to a serial queue of the writer's own
/// (`OrderedWriter`), which takes them in file order, writes each at its offset, then hashes
/// its stored bytes (after the header's), from the memory the caller holds, and calls the
/// block's `hashed`. The caller only waits for the queue when it reuses a buffer. Without
/// `writesBehind` (every core runs a caller) the callers write their blocks and take turns at
/// the hash, in file order, instead of a queue. A failed write on the queue (`ENOSPC`, `EIO`,
/// …) is recorded (`failure`): the blocks behind it are dropped, and every later write and
/// `finish()` throw it. `finish()` waits for the queue to catch up, fsyncs the file when asked,
/// closes it and renames it to `path`. Blocks written
/// from buffer pointers are written at once, on the calling thread; a file written so (or
/// with elements never written) is hashed at `finish()` by reading it back. Until then no
/// file of that name exists (DESIGN invariant 5). `abandon()` waits for the write the queue
/// may be doing and removes the partial file; a writer released without `finish()` abandons
/// itself.
///
/// Every write call must have returned before `finish()` or `abandon()` is called.
///
/// Reference: numpy, "NPY format", https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
public final class NPYFileWriter: @unchecked Sendable {
  /// The final path of the file.
  public var path: String { file.path }
  /// The path relative to the run directory, recorded in the `FileRecord`.
  public let relativePath: String
  /// The element type on disk.
  public let dtype: NPYDType
  /// The array's shape, outermost axis first.
  public let shape: [Int]
  /// The number of elements, the product of `shape`.
  public let elementCount: Int
  /// The byte offset of element 0: the header's size, a multiple of 64.
  public let dataOffset: Int
  private let file: PartialFile
  /// Whether the queue writes the blocks given as arrays (see `init(in:relativePath:dtype:shape:writesBehind:)`).
  public let writesBehind: Bool
  /// Writes the blocks given as arrays, in file order, and hashes them.
  private let queue: OrderedWriter
  /// Whether the caller copied the last block it handed over itself (`sharesThisCopy`).
  private let copiedLast = Atomic<Bool>(false)
  /// The blocks the callers copied themselves behind the queue (for the tests).
  let blocksCopiedByCallers = Atomic<Int>(0)

  /// The path written until `finish()`: `<path>.<run>.partial`.
  public var partialPath: String { file.partialPath }

  /// Creates `<path>.<run>.partial` with its header, sized to hold the whole array; `finish()`
  /// replaces a regular file at `path`, never a symbolic link or anything else.
  ///
  /// - Parameters:
  ///   - path: the final file name; its directory must exist.
  ///   - relativePath: the name relative to the run directory, for the manifest.
  ///   - dtype: the element type on disk.
  ///   - shape: the array's shape (C order), every extent non-negative.
  /// - Throws: `PathFilesError.cannotCreate` or `.cannotWrite` naming the file; nothing
  ///   is left behind.
  ///   - writesBehind: as for `init(in:relativePath:dtype:shape:writesBehind:)`.
  public convenience init(
    path: String, relativePath: String, dtype: NPYDType, shape: [Int], writesBehind: Bool = true
  ) throws(PathFilesError) {
    try self.init(
      relativePath: relativePath, dtype: dtype, shape: shape, writesBehind: writesBehind
    ) {
      () throws(PathFilesError) in
      try PartialFile(path: path)
    }
  }

  /// Creates the temporary file of `relativePath` inside an output folder, with its header,
  /// sized to hold the whole array.
  ///
  /// - Parameters:
  ///   - folder: the run's output folder; a file one folder deep needs its subfolder made by
  ///     `folder.makeSubfolder` first.
  ///   - relativePath: the name relative to the folder, checked by `folderPathComponents`, and
  ///     recorded in the `FileRecord`.
  ///   - dtype: the element type on disk.
  ///   - shape: the array's shape (C order), every extent non-negative.
  /// - Throws: `PathFilesError` naming the file; nothing is left behind.
  ///   - writesBehind: whether blocks written from arrays are written by the file's queue
  ///     (`true`, the caller goes on at once; while the queue is still busy with an earlier
  ///     block, the caller copies every other block itself) or by the caller before it goes
  ///     on (`false`, and the callers hash the blocks too, in file order: whichever hands over
  ///     a block while no one is hashing hashes every block ready by then). Behind the
  ///     workers the copy into the page cache and the hash cost them nothing when a core is
  ///     free for the queue; when every core runs a worker, the queue would be one thread
  ///     more than the cores, and the workers had better copy their own blocks and take turns
  ///     at the hash. The bytes and the hash are the same either way.
  public convenience init(
    in folder: OutputFolder, relativePath: String, dtype: NPYDType, shape: [Int],
    writesBehind: Bool = true
  ) throws(PathFilesError) {
    try self.init(
      relativePath: relativePath, dtype: dtype, shape: shape, writesBehind: writesBehind
    ) {
      () throws(PathFilesError) in
      try folder.partialFile(relativePath)
    }
  }

  private init(
    relativePath: String, dtype: NPYDType, shape: [Int], writesBehind: Bool = true,
    create: () throws(PathFilesError) -> PartialFile
  ) throws(PathFilesError) {
    var count = 1
    for extent in shape {
      precondition(extent >= 0, "NPY shape \(shape) has a negative extent")
      let (product, overflow) = count.multipliedReportingOverflow(by: extent)
      precondition(!overflow, "NPY shape \(shape) has too many elements")
      count = product
    }
    let header = NPYHeader.encode(dtype: dtype, shape: shape)
    let (dataBytes, overflow) = count.multipliedReportingOverflow(by: dtype.itemSize)
    precondition(!overflow && dataBytes <= Int.max - header.count, "NPY file too large")
    self.relativePath = relativePath
    self.dtype = dtype
    self.shape = shape
    self.elementCount = count
    self.dataOffset = header.count
    self.writesBehind = writesBehind
    let file = try create()
    self.file = file
    queue = OrderedWriter(
      write: { bytes, offset throws(PathFilesError) in try file.write(bytes, at: offset) },
      hashesOnCallers: !writesBehind)
    do throws(PathFilesError) {
      try file.write(header, at: 0)
      try file.resize(to: header.count + dataBytes)
    } catch {
      file.abandon()
      throw error
    }
    queue.add(header, count: header.count, atByte: 0)
  }

  deinit { abandon() }

  /// The first write of a block given as an array that failed on the writer's queue, or
  /// `nil`: every later write and `finish()` throw it. Cheap (one lock), for a run's stop check.
  public var failure: PathFilesError? { queue.failure }

  /// The file's size in bytes: the header and every element.
  private var fileLength: Int { dataOffset + elementCount * dtype.itemSize }

  /// Hands the first `count` of `values` to the writer's queue, which writes them as elements
  /// `offset ..< offset + count` (C order), stored as `write(_:atElement:)` stores them, and
  /// hashes the stored bytes in file order while the caller goes on (see the type's
  /// description).
  ///
  /// The queue keeps the stored bytes by reference until it has written and hashed them, then
  /// calls `hashed`: for `.float64` the bytes of `values` itself; for `.float32` those of
  /// `scratch`, into which the whole block is converted first (it grows to `count` elements
  /// when shorter; a scratch of the caller's own, reused block after block, costs no fresh
  /// pages). The caller should change neither array before `hashed`: an array changed sooner
  /// is copied, so the file and hash stay right, but the copy costs time and memory. A block
  /// that arrives before the blocks in front of it is kept until they arrive, so the caller
  /// bounds the blocks in flight, for instance by waiting for `hashed` before filling a buffer
  /// again.
  ///
  /// - Precondition: `dtype` is `.float64` or `.float32`; `count <= values.count`; the range
  ///   lies within the array and overlaps no block written from an array before.
  /// - Throws: `failure`, the `PathFilesError.cannotWrite` naming the file (e.g. `ENOSPC`,
  ///   `EIO`) of an earlier block's write on the queue; `hashed` is then not called. This
  ///   block's own failure is thrown by the next write or by `finish()`.
  public func write(
    _ values: [Double], count: Int, atElement offset: Int, scratch: inout [Float],
    then hashed: @escaping @Sendable () -> Void = {}
  ) throws(PathFilesError) {
    precondition(count >= 0 && count <= values.count)
    #if _endian(little)
      switch dtype {
      case .float64:
        try writeHashed(values, count: count, atElement: offset, then: hashed)
      case .float32:
        checkRange(offset, count)
        if scratch.count < count { scratch = uninitialized(count) }
        scratch.withUnsafeMutableBufferPointer { stored in
          values.withUnsafeBufferPointer { doubles in
            for index in 0..<count { stored[index] = Float(doubles[index]) }
          }
        }
        try writeHashed(scratch, count: count, atElement: offset, then: hashed)
      case .uint8, .int32:
        preconditionMismatch("Double")
      }
    #else
      try values.withUnsafeBufferPointer { p throws(PathFilesError) in
        try write(UnsafeBufferPointer(rebasing: p[..<count]), atElement: offset)
      }
      hashed()
    #endif
  }

  /// Hands the first `count` of `values` to the writer's queue, to be written as elements
  /// `offset ..< offset + count` of a `.uint8` array and hashed while the caller goes on, as
  /// `write(_:count:atElement:scratch:then:)` does.
  ///
  /// - Precondition: `dtype` is `.uint8`, and as for the `Double` version.
  /// - Throws: `failure`, an earlier block's failed write; `hashed` is then not called.
  public func write(
    _ values: [UInt8], count: Int, atElement offset: Int,
    then hashed: @escaping @Sendable () -> Void = {}
  ) throws(PathFilesError) {
    guard dtype == .uint8 else { preconditionMismatch("UInt8") }
    try writeHashed(values, count: count, atElement: offset, then: hashed)
  }

  /// Hands the first `count` of `values` to the writer's queue, to be written as elements
  /// `offset ..< offset + count` of an `.int32` array and hashed while the caller goes on, as
  /// `write(_:count:atElement:scratch:then:)` does.
  ///
  /// - Precondition: `dtype` is `.int32`, and as for the `Double` version.
  /// - Throws: `failure`, an earlier block's failed write; `hashed` is then not called.
  public func write(
    _ values: [Int32], count: Int, atElement offset: Int,
    then hashed: @escaping @Sendable () -> Void = {}
  ) throws(PathFilesError) {
    guard dtype == .int32 else { preconditionMismatch("Int32") }
    precondition(count >= 0 && count <= values.count)
    #if _endian(little)
      try writeHashed(values, count: count, atElement: offset, then: hashed)
    #else
      try values.withUnsafeBufferPointer { p throws(PathFilesError) in
        try write(UnsafeBufferPointer(rebasing: p[..<count]), atElement: offset)
      }
      hashed()
    #endif
  }

  /// Writes `values` as elements `offset ..< offset + values.count` (C order), at once, on the
  /// calling thread. The bytes are not hashed as they are written: `finish()` reads the file
  /// back.
  ///
  /// For `.float64` the doubles are stored as they are (IEEE 754 binary64, little-endian); for
  /// `.float32` each is rounded to the nearest binary32 (ties to even, `Float(_:)`), so values
  /// beyond ±3.4028235e38 become ±infinity.
  ///
  /// - Precondition: `dtype` is `.float64` or `.float32`, and the range lies within the array.
  /// - Throws: `PathFilesError.cannotWrite` naming the file (e.g. `ENOSPC`, `EIO`), or
  ///   `failure`.
  public func write(_ values: UnsafeBufferPointer<Double>, atElement offset: Int)
    throws(PathFilesError)
  {
    switch dtype {
    case .float64:
      try writeStored(values, atElement: offset) { $0.bitPattern.littleEndian }
    case .float32:
      try writeConverted(values, atElement: offset) { Float($0).bitPattern.littleEndian }
    case .uint8, .int32:
      preconditionMismatch("Double")
    }
  }

  /// Writes `values` as elements `offset ..< offset + values.count` of a `.uint8` array; as
  /// with every write from a buffer pointer, `finish()` reads the file back to hash it.
  ///
  /// - Precondition: `dtype` is `.uint8`, and the range lies within the array.
  /// - Throws: `PathFilesError.cannotWrite` naming the file.
  public func write(_ values: UnsafeBufferPointer<UInt8>, atElement offset: Int)
    throws(PathFilesError)
  {
    guard dtype == .uint8 else { preconditionMismatch("UInt8") }
    try writeStored(values, atElement: offset) { $0 }
  }

  /// Writes `values` as elements `offset ..< offset + values.count` of an `.int32` array
  /// (little-endian two's complement); `finish()` reads the file back to hash it.
  ///
  /// - Precondition: `dtype` is `.int32`, and the range lies within the array.
  /// - Throws: `PathFilesError.cannotWrite` naming the file.
  public func write(_ values: UnsafeBufferPointer<Int32>, atElement offset: Int)
    throws(PathFilesError)
  {
    guard dtype == .int32 else { preconditionMismatch("Int32") }
    try writeStored(values, atElement: offset) { $0.littleEndian }
  }

  /// Waits for the queue to write and hash the blocks given as arrays (or hashes the file by
  /// reading it, when it was written otherwise), closes it and renames it to `path`; with
  /// `sync`, flushes it to disk first.
  ///
  /// - Returns: the manifest entry: `relativePath`, SHA-256, size, dtype and shape.
  /// - Throws: `PathFilesError` naming the file, `failure` among them; the partial file is
  ///   removed.
  ///
  /// `shouldStop` is asked while the queue catches up (every 10 ms) or the file is read back
  /// (once per MiB): when it answers true the file is removed and `PathFilesError.interrupted`
  /// thrown.
  public func finish(sync: Bool = false, shouldStop: () -> Bool = { false })
    throws(PathFilesError) -> FileRecord
  {
    let known: String?
    do {
      known = try queue.finish(length: fileLength, path: partialPath, shouldStop: shouldStop)
    } catch {
      abandon()
      throw error
    }
    let (digest, bytes) = try file.commit(
      sync: sync, shouldStop: shouldStop, digest: known.map { (sha256: $0, bytes: fileLength) })
    return FileRecord(
      path: relativePath, sha256: digest, bytes: bytes, dtype: dtype.rawValue, shape: shape)
  }

  /// Drops the blocks waiting on the queue (calling their `hashed`), waits for the block the
  /// queue may be writing, then closes and removes the partial file: no write reaches the
  /// descriptor once it is closed. Idempotent, and safe after any error; does nothing after a
  /// successful `finish()`.
  public func abandon() {
    queue.abandon()
    file.abandon()
  }

  // MARK: - Storage

  private func checkRange(_ offset: Int, _ count: Int) {
    precondition(
      offset >= 0 && count <= elementCount - offset,
      "elements \(offset)..<\(offset + count) lie outside \(path) (\(elementCount) elements)")
  }

  private func preconditionMismatch(_ type: String) -> Never {
    preconditionFailure("\(path) holds \(dtype.rawValue) elements; cannot write \(type) values")
  }

  /// Hands the first `count` of `values`, whose in-memory bytes are the stored bytes, to the
  /// queue that writes and hashes them.
  private func writeHashed<Stored: BitwiseCopyable & Sendable>(
    _ values: [Stored], count: Int, atElement offset: Int,
    then hashed: @escaping @Sendable () -> Void
  ) throws(PathFilesError) {
    checkRange(offset, count)
    precondition(count >= 0 && count <= values.count)
    precondition(MemoryLayout<Stored>.stride == dtype.itemSize)
    let byteOffset = dataOffset + offset * dtype.itemSize
    if writesBehind && !sharesThisCopy() {
      try queue.write(values, count: count, atByte: byteOffset, then: hashed)
      return
    }
    if let failure = queue.failure { throw failure }
    let written = values.withUnsafeBytes { raw in
      Result { () throws(PathFilesError) in
        try file.write(
          UnsafeRawBufferPointer(rebasing: raw[..<(count * dtype.itemSize)]), at: byteOffset)
      }
    }
    try written.get()
    queue.add(values, count: count, atByte: byteOffset, then: hashed)
  }

  /// Whether the caller, behind which the queue writes, copies this block into the file
  /// itself (and hands the queue only its hashing): when the queue is still busy with an
  /// earlier block, every other block. The queue then falls behind no more than the hash
  /// alone makes it; a caller that waits for the queue anyway loses nothing by the copy.
  /// Where the caller is the slower (float32 conversions, many assets), the queue is idle
  /// when a block arrives and copies it, as before.
  private func sharesThisCopy() -> Bool {
    let share = !copiedLast.load(ordering: .relaxed) && queue.isBusy
    copiedLast.store(share, ordering: .relaxed)
    if share { blocksCopiedByCallers.add(1, ordering: .relaxed) }
    return share
  }

  /// Writes values whose in-memory bytes are already the stored bytes on a little-endian host
  /// (`stored` is then the identity); on a big-endian host each is converted by `stored`.
  private func writeStored<Value, Stored: BitwiseCopyable>(
    _ values: UnsafeBufferPointer<Value>, atElement offset: Int, _ stored: (Value) -> Stored
  ) throws(PathFilesError) {
    if let failure = queue.failure { throw failure }
    queue.markUnordered()
    #if _endian(little)
      checkRange(offset, values.count)
      try file.write(
        UnsafeRawBufferPointer(values), at: dataOffset + offset * MemoryLayout<Value>.stride)
    #else
      try writeConverted(values, atElement: offset, stored)
    #endif
  }

  /// Converts values chunk by chunk into a bounded scratch buffer and writes each chunk.
  private func writeConverted<Value, Stored: BitwiseCopyable>(
    _ values: UnsafeBufferPointer<Value>, atElement offset: Int, _ stored: (Value) -> Stored
  ) throws(PathFilesError) {
    if let failure = queue.failure { throw failure }
    queue.markUnordered()
    checkRange(offset, values.count)
    precondition(MemoryLayout<Stored>.stride == dtype.itemSize)
    let chunk = min(values.count, 1 << 13)
    let scratch = UnsafeMutableBufferPointer<Stored>.allocate(capacity: chunk)
    defer { scratch.deallocate() }
    var start = 0
    while start < values.count {
      let count = min(chunk, values.count - start)
      for index in 0..<count { scratch[index] = stored(values[start + index]) }
      try file.write(
        UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: scratch[..<count])),
        at: dataOffset + (offset + start) * dtype.itemSize)
      start += count
    }
  }
}
