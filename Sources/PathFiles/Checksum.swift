import Crypto

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The SHA-256 digest (FIPS 180-4) of a file, as 64 lowercase hexadecimal digits — the same
/// text `sha256sum` prints.
///
/// The file is read in 1 MiB chunks, so memory stays bounded whatever its size.
///
/// - Parameter path: the file to hash.
/// - Throws: `PathFilesError.cannotRead` naming `path` when it cannot be opened or read.
public func sha256Hex(ofFileAt path: String) throws(PathFilesError) -> String {
  let descriptor = open(path, O_RDONLY | O_CLOEXEC)
  guard descriptor >= 0 else { throw .cannotRead(path: path, errno: errno) }
  defer { close(descriptor) }
  return try sha256Hex(descriptor: descriptor, path: path).sha256
}

/// The SHA-256 digest (FIPS 180-4) of `bytes`, as 64 lowercase hexadecimal digits.
public func sha256Hex(of bytes: some Sequence<UInt8>) -> String {
  var hash = SHA256()
  let contiguous = Array(bytes)
  contiguous.withUnsafeBytes { hash.update(bufferPointer: $0) }
  return hexadecimal(hash.finalize())
}

/// The SHA-256 digest of the bytes of `buffer`, as 64 lowercase hexadecimal digits.
public func sha256Hex(of buffer: UnsafeRawBufferPointer) -> String {
  var hash = SHA256()
  hash.update(bufferPointer: buffer)
  return hexadecimal(hash.finalize())
}

/// Hashes the whole of an open file from offset 0 with `pread(2)` (the file offset is left
/// alone), returning the digest and the number of bytes read.
///
/// `shouldStop` is asked before each 1 MiB chunk; when it answers true the hashing stops with
/// `PathFilesError.interrupted`, so that a signal ends a run promptly even while it hashes
/// gigabytes.
public func sha256Hex(descriptor: Int32, path: String, shouldStop: () -> Bool = { false })
  throws(PathFilesError) -> (sha256: String, bytes: Int)
{
  let chunkSize = 1 << 20
  let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
  defer { buffer.deallocate() }
  var hash = SHA256()
  var total = 0
  while true {
    if shouldStop() { throw .interrupted(path: path) }
    let count = pread(descriptor, buffer.baseAddress, chunkSize, off_t(total))
    if count < 0 {
      if errno == EINTR { continue }
      throw .cannotRead(path: path, errno: errno)
    }
    if count == 0 { break }
    hash.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
    total += count
  }
  return (hexadecimal(hash.finalize()), total)
}

/// Lowercase hexadecimal text of a digest's bytes.
func hexadecimal(_ digest: SHA256.Digest) -> String {
  let digits = Array("0123456789abcdef".utf8)
  var text: [UInt8] = []
  text.reserveCapacity(2 * SHA256.Digest.byteCount)
  for byte in digest {
    text.append(digits[Int(byte >> 4)])
    text.append(digits[Int(byte & 0x0f)])
  }
  return String(decoding: text, as: UTF8.self)
}
