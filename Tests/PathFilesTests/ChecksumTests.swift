import Foundation
import Testing

@testable import PathFiles

@Suite("SHA-256 checksums")
struct ChecksumTests {
  /// FIPS 180-2 appendix B examples, and the empty message.
  @Test(arguments: [
    ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    (
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    ),
  ])
  func knownDigests(message: String, digest: String) {
    #expect(sha256Hex(of: Array(message.utf8)) == digest)
  }

  @Test func streamedFileDigestEqualsSha256sum() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    // Three 1 MiB chunks and a few bytes more, so the streaming loop runs several times.
    var state: UInt32 = 2_463_534_242
    let bytes = (0..<(3 << 20) + 5).map { _ -> UInt8 in
      state ^= state << 13
      state ^= state >> 17
      state ^= state << 5
      return UInt8(truncatingIfNeeded: state)
    }
    let path = directory.file("blob.bin")
    let record = try writeFileAtomically(bytes, path: path, relativePath: "blob.bin")
    let streamed = try sha256Hex(ofFileAt: path)
    #expect(streamed == sha256Hex(of: bytes))
    #expect(record.sha256 == streamed && record.bytes == bytes.count)
    if let output = run("sha256sum", [path]) {
      #expect(output.prefix(64) == streamed)
    }
  }

  @Test func missingFileErrorNamesThePath() throws {
    let path = "/nonexistent-scengine-dir/file.npy"
    #expect(throws: PathFilesError.cannotRead(path: path, errno: ENOENT)) {
      try sha256Hex(ofFileAt: path)
    }
  }
}
