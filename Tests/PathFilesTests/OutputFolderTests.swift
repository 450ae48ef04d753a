import Foundation
import Testing

@testable import PathFiles

#if canImport(Glibc)
  import Glibc
#endif

/// The output folder a run owns (DESIGN invariant 8): names checked, nothing followed, one run
/// at a time, earlier runs' files removed, the user's files refused and never removed.
@Suite("Output folder")
struct OutputFolderTests {
  // MARK: - Names

  static let acceptedNames: [(String, [String])] = [
    ("manifest.json", ["manifest.json"]), ("base/prices.npy", ["base", "prices.npy"]),
    ("crash 2008/summary.json", ["crash 2008", "summary.json"]), ("...", ["..."]),
  ]

  @Test("a name inside the folder is split into its parts", arguments: acceptedNames)
  func acceptedName(_ name: String, _ parts: [String]) throws {
    let observed = try folderPathComponents(name)
    #expect(observed == parts, "\(name.debugDescription): \(observed), expected \(parts)")
    #expect(try joinedFolderPath("out/run/", name) == "out/run/" + name)
  }

  static let rejectedNames: [(String, String)] = [
    ("", "empty"), ("..", "'..'"), (".", "'.'"), ("../outside.npy", "'..'"),
    ("base/../../x", "'..'"), ("./manifest.json", "'.'"), ("/etc/passwd", "absolute"),
    ("base//prices.npy", "empty part"), ("base/", "empty part"), ("a\0b", "NUL"),
    (String(repeating: "v", count: 256), "255 bytes"),
  ]

  @Test("a name that could leave the folder is refused", arguments: rejectedNames)
  func rejectedName(_ name: String, _ reason: String) {
    let error = #expect(throws: PathFilesError.self) { try folderPathComponents(name) }
    let text = error?.description ?? ""
    #expect(text.contains(reason), "\(name.debugDescription): \(text); expected '\(reason)'")
    #expect(!text.contains("\0"), "the message holds a raw NUL: \(text.debugDescription)")
    #expect(throws: PathFilesError.self) { try joinedFolderPath("out", name) }
  }

  @Test("temporary names are recognised, other names are not")
  func partialNames() {
    for name in ["prices.npy.partial", "prices.npy.12-0a1b2c3d.partial", "prices.npy.1-f.partial"] {
      #expect(isPartialName(name, of: "prices.npy"), "\(name) not recognised")
    }
    for name in [
      "prices.npy", "prices.npy.x-1.partial", "prices.npy.12-.partial", "prices.npy..partial",
      "prices.npy.12-zz.partial", "notes.partial", "prices.npy.12-ab.partial.txt",
    ] {
      #expect(!isPartialName(name, of: "prices.npy"), "\(name) taken for a temporary file")
    }
    #expect(newRunTag().hasPrefix("\(getpid())-") && newRunTag() != newRunTag())
  }

  // MARK: - Opening files

  @Test("a temporary file is never opened through a symbolic link or over an existing file")
  func temporaryFileIsExclusive() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let victim = directory.file("victim.txt")
    try Data("precious".utf8).write(to: URL(fileURLWithPath: victim))
    let handle = try DirectoryHandle(path: directory.path)
    try FileManager.default.createSymbolicLink(
      atPath: directory.file("prices.npy.7-ab.partial"), withDestinationPath: victim)
    #expect(throws: PathFilesError.cannotCreate(path: "d/prices.npy.7-ab.partial", errno: EEXIST)) {
      try PartialFile(
        directory: handle, name: "prices.npy", path: "d/prices.npy", run: "7-ab",
        replacing: .nothing)
    }
    #expect(try contents(of: victim) == Array("precious".utf8))
  }

  @Test("a finished file never replaces a file that appeared meanwhile, and leaves no partial")
  func commitDoesNotReplace() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let handle = try DirectoryHandle(path: directory.path)
    let file = try PartialFile(
      directory: handle, name: "summary.json", path: directory.file("summary.json"), run: "7-ab",
      replacing: .nothing)
    try file.write(Array("new".utf8), at: 0)
    try Data("other".utf8).write(to: URL(fileURLWithPath: directory.file("summary.json")))
    let error = #expect(throws: PathFilesError.self) { try file.commit(sync: false) }
    #expect(errorNumber(of: error ?? .incomplete(path: "", firstMissingPath: 0)) == EEXIST)
    #expect(try contents(of: directory.file("summary.json")) == Array("other".utf8))
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["summary.json"])
  }

  @Test("a file written by path replaces a regular file but never a symbolic link")
  func pathWriterRefusesSymbolicLink() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let victim = directory.file("victim.txt")
    try Data("precious".utf8).write(to: URL(fileURLWithPath: victim))
    let link = directory.file("summary.json")
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: victim)
    #expect(throws: PathFilesError.notRegularFile(path: link, kind: "a symbolic link")) {
      try writeFileAtomically(Array("x".utf8), path: link, relativePath: "summary.json")
    }
    #expect(try contents(of: victim) == Array("precious".utf8))
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == [
        "summary.json", "victim.txt",
      ])
  }

  // MARK: - Lock

  @Test("a second run into a locked folder is refused with the first one's pid")
  func lockIsExclusive() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let out = directory.file("out")
    let first = try OutputFolder(path: out)
    try first.claim(.init(subfolders: [], files: ["manifest.json"], fileNames: []), force: false)
    #expect(throws: PathFilesError.locked(folder: out, pid: getpid())) {
      try OutputFolder(path: out)
    }
    first.finish()
    #expect(!exists(out + "/" + OutputFolder.lockFileName), "lock file left after finish()")
    let second = try OutputFolder(path: out)
    second.finish()
  }

  @Test("the output folder path: empty, under a file, a file")
  func unusableFolderPaths() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let file = directory.file("file")
    try Data("x".utf8).write(to: URL(fileURLWithPath: file))
    let cases: [(String, String)] = [
      ("", "the path is empty"), (file + "/out", "\(file) is not a directory"),
      (file, "\(file) is not a directory"), (file + "/a/b", "\(file) is not a directory"),
    ]
    for (path, reason) in cases {
      let error = #expect(throws: PathFilesError.self) { try OutputFolder(path: path) }
      #expect(
        error == .unusableFolder(path: path, reason: reason),
        "\(path.debugDescription): \(String(describing: error)), expected '\(reason)'")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["file"])
  }

  // MARK: - Claim

  /// Creates `files` (relative path → content) under `root`, folders as needed.
  func make(_ files: [String: String], in root: String) throws {
    for (name, content) in files {
      let url = URL(fileURLWithPath: root + "/" + name)
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try Data(content.utf8).write(to: url)
    }
  }

  /// Every regular file and symbolic link under `root`, relative, sorted.
  func entries(_ root: String) -> [String] {
    guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
    var names: [String] = []
    while let name = walker.nextObject() as? String {
      var info = stat()
      if lstat(root + "/" + name, &info) == 0, !isDirectory(info.st_mode) { names.append(name) }
    }
    return names.sorted()
  }

  static let claim = OutputFolder.Claim(
    subfolders: ["base"], files: ["base/prices.npy", "base/summary.json", "manifest.json"],
    fileNames: ["prices.npy", "returns.npy", "prices.csv", "summary.json"])

  @Test("an earlier run's files go: listed, scengine-named, temporary; the manifest first")
  func claimRemovesEarlierRuns() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let out = directory.file("out")
    let manifest =
      #"{"engine": "scengine", "files": [{"path": "old/prices.npy", "sha256": "0", "bytes": 1}, "#
      + #"{"path": "old/odd.bin", "sha256": "0", "bytes": 1}]}"#
    try make(
      [
        "manifest.json": manifest, "old/prices.npy": "", "old/odd.bin": "", "old/summary.json": "",
        "base/returns.npy": "", "base/prices.csv.partial": "", "base/prices.npy.9-ab.partial": "",
        "manifest.json.9-ab.partial": "", ".scengine-risk-9-123.tmp": "",
      ], in: out)
    let folder = try OutputFolder(path: out)
    try folder.claim(Self.claim, force: false)
    #expect(entries(out) == [OutputFolder.lockFileName], "left: \(entries(out))")
    #expect(!exists(out + "/old"), "the emptied folder of an earlier variant remains")
    folder.discard()
    #expect(!exists(out + "/" + OutputFolder.lockFileName))
  }

  @Test("a killed run's journal names its files for the next run")
  func journalOfAKilledRun() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let out = directory.file("out")
    let journal = #"{"pid": 1, "run": "1-ab", "files": ["gone/prices.npy", "gone/extra.dat"]}"#
    try make(
      [
        OutputFolder.lockFileName: journal, "gone/prices.npy": "", "gone/extra.dat": "",
        "gone/prices.npy.1-ab.partial": "",
      ], in: out)
    let folder = try OutputFolder(path: out)
    try folder.claim(Self.claim, force: false)
    #expect(entries(out) == [OutputFolder.lockFileName], "left: \(entries(out))")
    folder.finish()
  }

  @Test("the user's files are refused and kept; with force they are kept and the run goes on")
  func userFilesAreNeverRemoved() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let out = directory.file("out")
    let mine = ["notes.txt": "mine", "base/mine.csv": "mine", "data/prices.npy": "mine"]
    try make(mine.merging(["base/prices.npy": "old"]) { a, _ in a }, in: out)
    let folder = try OutputFolder(path: out)
    let error = #expect(throws: PathFilesError.self) { try folder.claim(Self.claim, force: false) }
    #expect(
      error == .foreignFiles(folder: out, names: ["base/mine.csv", "data", "notes.txt"], count: 3),
      "\(String(describing: error))")
    #expect(
      entries(out)
        == (Array(mine.keys) + ["base/prices.npy", OutputFolder.lockFileName]).sorted())
    try folder.claim(Self.claim, force: true)
    #expect(entries(out) == (Array(mine.keys) + [OutputFolder.lockFileName]).sorted())
    folder.discard()
    #expect(entries(out) == Array(mine.keys).sorted())
  }

  @Test("a variant folder or file of the run that is a symbolic link is refused, even with force")
  func symbolicLinksAreRefused() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let outside = directory.file("outside")
    try make(["victim.npy": "precious"], in: outside)
    for (name, force) in [
      ("base", false), ("base", true), ("base/prices.npy", true),
      ("base/summary.json.partial", true), ("manifest.json", true),
    ] {
      let out = directory.file("out-\(UUID().uuidString)")
      try FileManager.default.createDirectory(
        atPath: out + "/base", withIntermediateDirectories: true)
      if name == "base" { try FileManager.default.removeItem(atPath: out + "/base") }
      try FileManager.default.createSymbolicLink(
        atPath: out + "/" + name,
        withDestinationPath: name == "base" ? outside : outside + "/victim.npy")
      let folder = try OutputFolder(path: out)
      let error = #expect(throws: PathFilesError.self) {
        try folder.claim(Self.claim, force: force)
      }
      #expect(
        error?.description.contains("symbolic link") == true,
        "\(name): \(String(describing: error))")
      folder.discard()
      #expect(entries(outside) == ["victim.npy"])
      #expect(try contents(of: outside + "/victim.npy") == Array("precious".utf8))
    }
  }

  @Test("a variant folder that is another run's output folder is refused, even with force")
  func nestedRunIsRefused() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let inner = try OutputFolder(path: directory.file("out/base"))
    defer { inner.discard() }
    try inner.claim(.init(subfolders: [], files: ["manifest.json"], fileNames: []), force: false)
    let outer = try OutputFolder(path: directory.file("out"))
    defer { outer.discard() }
    #expect(
      throws: PathFilesError.unusableFolder(
        path: directory.file("out/base"), reason: "it is the output folder of another scengine run")
    ) { try outer.claim(Self.claim, force: true) }
  }

  @Test("a failed run removes every file it finished and the folders it made")
  func discardRemovesEverything() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let out = directory.file("new/out")
    let folder = try OutputFolder(path: out)
    try folder.claim(Self.claim, force: false)
    try folder.makeSubfolder("base")
    let writer = try NPYFileWriter(
      in: folder, relativePath: "base/prices.npy", dtype: .float64, shape: [2])
    _ = try writer.finish()
    _ = try writeFileAtomically(Array("{}".utf8), in: folder, relativePath: "base/summary.json")
    let pending = try NPYFileWriter(
      in: folder, relativePath: "base/returns.npy", dtype: .float64, shape: [2])
    #expect(folder.finishedFiles == ["base/prices.npy", "base/summary.json"])
    #expect(entries(out).count == 4, "\(entries(out))")
    folder.discard()
    pending.abandon()
    #expect(!exists(directory.file("new")), "left: \(entries(directory.path))")
  }

  @Test("a stop asked for while a file is hashed removes it")
  func finishCanBeInterrupted() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let path = directory.file("prices.npy")
    let writer = try NPYFileWriter(
      path: path, relativePath: "prices.npy", dtype: .float64, shape: [300_000])
    var asked = 0
    #expect(throws: PathFilesError.interrupted(path: writer.partialPath)) {
      try writer.finish {
        asked += 1
        return asked > 1
      }
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    let csv = try CSVPathWriter(
      path: directory.file("prices.csv"), relativePath: "prices.csv", variant: "v",
      assets: ["A"], dates: nil, steps: 0)
    #expect(throws: PathFilesError.interrupted(path: csv.partialPath)) {
      try csv.finish { true }
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
  }

  @Test("names that could leave the folder are refused by every writer")
  func writersCheckNames() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let out = directory.file("out")
    let folder = try OutputFolder(path: out)
    defer { folder.discard() }
    for name in ["../escape.json", "/tmp/escape.json", "a/../../b", ""] {
      #expect(throws: PathFilesError.self) {
        try writeFileAtomically([1], in: folder, relativePath: name)
      }
      #expect(throws: PathFilesError.self) {
        try NPYFileWriter(in: folder, relativePath: name, dtype: .uint8, shape: [1])
      }
      #expect(throws: PathFilesError.self) {
        try CSVPathWriter(
          in: folder, relativePath: name, variant: "v", assets: ["A"], dates: nil, steps: 0)
      }
    }
    for name in ["..", ".", "a/b", ""] {
      #expect(throws: PathFilesError.self) { try folder.makeSubfolder(name) }
    }
    #expect(entries(directory.path) == ["out/" + OutputFolder.lockFileName])
  }
}

@Suite struct ParentFolderTests {
  @Test func parentFolderLikeFoundationWithoutTrapping() {
    let cases: [(String, String)] = [
      ("x", ""), ("ab", ""), ("a/b", "a"), ("/x", "/"), ("x/", ""), ("a//b", "a"),
      ("a/b/c/", "a/b"), ("/", "/"), ("", ""), ("./y", "."),
    ]
    for (path, parent) in cases {
      #expect(parentFolder(of: path) == parent, "parentFolder(of: \"\(path)\")")
    }
  }
}
