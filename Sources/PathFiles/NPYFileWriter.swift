/// Writes one numpy `.npy` file whose shape is known before the first element arrives.
///
/// The writer creates `<path>.<run>.partial` (see `PartialFile`), writes the `NPYHeader`, and sizes the file with
/// `ftruncate(2)` to its final length, `header + elementCount × itemSize` bytes. Blocks of
/// elements then land at their own element offsets (C order) with `pwrite(2)`, from any number
/// of threads at once and in any order: the file descriptor is the only shared state. Elements
/// never written read back as zeros.
///
/// `finish()` hashes the file by streaming it (fsyncing it first when asked), closes it and renames it to `path`; until
/// then no file of that name exists (DESIGN invariant 5). `abandon()` removes the partial file;
/// a writer released without `finish()` abandons itself.
///
/// Every write must have returned before `finish()` or `abandon()` is called.
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
  public convenience init(path: String, relativePath: String, dtype: NPYDType, shape: [Int])
    throws(PathFilesError)
  {
    try self.init(relativePath: relativePath, dtype: dtype, shape: shape) {
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
  public convenience init(
    in folder: OutputFolder, relativePath: String, dtype: NPYDType, shape: [Int]
  ) throws(PathFilesError) {
    try self.init(relativePath: relativePath, dtype: dtype, shape: shape) {
      () throws(PathFilesError) in
      try folder.partialFile(relativePath)
    }
  }

  private init(
    relativePath: String, dtype: NPYDType, shape: [Int],
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
    self.file = try create()
    do throws(PathFilesError) {
      try file.write(header, at: 0)
      try file.resize(to: header.count + dataBytes)
    } catch {
      file.abandon()
      throw error
    }
  }

  /// Writes `values` as elements `offset ..< offset + values.count` (C order).
  ///
  /// For `.float64` the doubles are stored as they are (IEEE 754 binary64, little-endian); for
  /// `.float32` each is rounded to the nearest binary32 (ties to even, `Float(_:)`), so values
  /// beyond ±3.4028235e38 become ±infinity.
  ///
  /// - Precondition: `dtype` is `.float64` or `.float32`, and the range lies within the array.
  /// - Throws: `PathFilesError.cannotWrite` naming the file (e.g. `ENOSPC`, `EIO`).
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

  /// Writes `values` as elements `offset ..< offset + values.count` of a `.uint8` array.
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
  /// (little-endian two's complement).
  ///
  /// - Precondition: `dtype` is `.int32`, and the range lies within the array.
  /// - Throws: `PathFilesError.cannotWrite` naming the file.
  public func write(_ values: UnsafeBufferPointer<Int32>, atElement offset: Int)
    throws(PathFilesError)
  {
    guard dtype == .int32 else { preconditionMismatch("Int32") }
    try writeStored(values, atElement: offset) { $0.littleEndian }
  }

  /// Hashes, closes and renames the file to `path`; with `sync`, flushes it to disk first.
  ///
  /// - Returns: the manifest entry: `relativePath`, SHA-256, size, dtype and shape.
  /// - Throws: `PathFilesError` naming the file; the partial file is removed.
  ///
  /// `shouldStop` is asked while the file is hashed, once per MiB: when it answers true the
  /// file is removed and `PathFilesError.interrupted` thrown.
  public func finish(sync: Bool = false, shouldStop: () -> Bool = { false })
    throws(PathFilesError) -> FileRecord
  {
    let (digest, bytes) = try file.commit(sync: sync, shouldStop: shouldStop)
    return FileRecord(
      path: relativePath, sha256: digest, bytes: bytes, dtype: dtype.rawValue, shape: shape)
  }

  /// Closes and removes the partial file. Idempotent, and safe after any error; does nothing
  /// after a successful `finish()`.
  public func abandon() {
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

  /// Writes values whose in-memory bytes are already the stored bytes on a little-endian host
  /// (`stored` is then the identity); on a big-endian host each is converted by `stored`.
  private func writeStored<Value, Stored: BitwiseCopyable>(
    _ values: UnsafeBufferPointer<Value>, atElement offset: Int, _ stored: (Value) -> Stored
  ) throws(PathFilesError) {
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
