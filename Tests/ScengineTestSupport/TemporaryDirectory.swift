import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A fresh directory under the system's temporary directory; `remove()` deletes it.
public struct TemporaryDirectory: Sendable {
  public let url: URL

  public init(_ label: String) throws {
    url = FileManager.default.temporaryDirectory
      .appendingPathComponent("scengine-test-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  /// Writes `text` to `name` inside the directory and returns its path.
  @discardableResult
  public func write(_ text: String, to name: String) throws -> String {
    let file = url.appendingPathComponent(name)
    try Data(text.utf8).write(to: file)
    return file.path
  }

  public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

  public func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Every regular file below `directory`, as paths relative to it, sorted.
public func regularFiles(under directory: URL) -> [String] {
  let root = directory.resolvingSymlinksInPath().path
  guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
  var files: [String] = []
  while let name = walker.nextObject() as? String {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: "\(root)/\(name)", isDirectory: &isDirectory),
      !isDirectory.boolValue
    {
      files.append(name)
    }
  }
  return files.sorted()
}

/// A small tmpfs mounted on an existing folder, for the tests of a full disk.
public struct Tmpfs: Sendable {
  public let path: String

  /// Whether this process may mount one (root, outside most containers' limits).
  public static let isAvailable: Bool = {
    guard let box = try? TemporaryDirectory("mountcheck") else { return false }
    defer { box.remove() }
    guard let disk = Tmpfs(at: box.url.path, size: "64k") else { return false }
    disk.unmount()
    return true
  }()

  /// Mounts a tmpfs of `size` (`64k`, `1m`) on the folder `path`; nil when the mount fails.
  public init?(at path: String, size: String) {
    guard mount("tmpfs", path, "tmpfs", 0, "size=\(size)") == 0 else { return nil }
    self.path = path
  }

  /// Unmounts it. With tests running in parallel the mount can be busy for a moment after the
  /// test has closed its files (seen with another test starting a child process), so a busy
  /// mount is retried for up to 5 s and then detached: it is never left behind.
  public func unmount() {
    for _ in 0..<500 {
      if umount(path) == 0 || errno != EBUSY { return }
      usleep(10_000)
    }
    umount2(path, Int32(MNT_DETACH))
  }
}
