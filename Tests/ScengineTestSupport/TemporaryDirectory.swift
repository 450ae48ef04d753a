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

/// Whether this process may mount a tmpfs (root, outside most containers' limits): the tests of
/// a full disk mount a small one and write into it.
public let tmpfsIsAvailable: Bool = {
  guard let box = try? TemporaryDirectory("mountcheck") else { return false }
  defer { box.remove() }
  guard mount("tmpfs", box.url.path, "tmpfs", 0, "size=64k") == 0 else { return false }
  umount(box.url.path)
  return true
}()
