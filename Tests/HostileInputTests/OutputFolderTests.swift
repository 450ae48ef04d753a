import Foundation
import ScengineTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The output folder under attack or misuse (DESIGN invariants 5 and 8, issue 9 items 9–14, 18
/// and 21): symbolic links planted in it, two runs at once, closed standard descriptors, folders
/// re-used by later runs, writes that fail mid-run, readers that go away. Each test builds its
/// situation, runs the binary and checks what is left.
@Suite("hostile output folders", .serialized)
struct OutputFolderTests {
  // MARK: - Sandbox

  /// A folder holding the fixture scenario (`s.yaml`: variants baseline and stressed) and the
  /// run's output folder `out`.
  struct Sandbox {
    let directory: TemporaryDirectory
    var url: URL { directory.url }
    var out: URL { url.appendingPathComponent("out") }
    var scenario: String { url.appendingPathComponent("s.yaml").path }

    init(_ label: String, scenario: String = ScenarioFixture.scenario()) throws {
      directory = try TemporaryDirectory(label)
      try directory.write(scenario, to: "s.yaml")
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// `scengine run s.yaml --out out --progress none ARGUMENTS` in the sandbox.
    func run(_ arguments: [String] = [], scenario: String? = nil, timeout: Double = 120) throws
      -> ScengineBinary.Result
    {
      try ScengineBinary.run(
        ["run", scenario ?? self.scenario, "--out", out.path, "--progress", "none"] + arguments,
        in: url, timeout: timeout)
    }

    /// `/bin/sh -c SCRIPT` in the sandbox, with the binary's path as `$0`.
    func shell(_ script: String, timeout: Double = 120) throws -> ScengineBinary.Result {
      let binary = try #require(ScengineBinary.url, "scengine not found")
      return try ScengineBinary.run(
        ["-c", script, binary.path], executable: URL(fileURLWithPath: "/bin/sh"), in: url,
        timeout: timeout)
    }

    /// Creates `files` (relative path → content), folders as needed.
    func make(_ files: [String: String]) throws {
      for (name, content) in files {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(
          at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(content.utf8).write(to: file)
      }
    }

    func remove() { directory.remove() }
  }

  /// Every entry under `root` that is not a folder (files, symbolic links, FIFOs), relative,
  /// sorted; symbolic links are not followed.
  static func entries(_ root: URL) -> [String] {
    guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
    var names: [String] = []
    while let name = walker.nextObject() as? String {
      var info = stat()
      if lstat(root.path + "/" + name, &info) == 0, info.st_mode & S_IFMT != S_IFDIR {
        names.append(name)
      }
    }
    return names.sorted()
  }

  /// The lowercase hex SHA-256 of a file, by `sha256sum`.
  static func sha256(_ path: String) throws -> String {
    let result = try ScengineBinary.run(
      ["sha256sum", path], executable: URL(fileURLWithPath: "/usr/bin/env"), timeout: 60)
    return String(result.stdout.prefix(64))
  }

  /// Requires a finished run in `out`: a manifest whose files exist with the SHA-256 and size
  /// it gives, and nothing else in the folder (no lock file, no temporary file, no stale file
  /// beside the manifest) but the `extra` entries.
  static func expectFinishedRun(
    _ out: URL, extra: [String] = [], _ context: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> [String] {
    let manifestURL = out.appendingPathComponent("manifest.json")
    let data = try #require(
      try? Data(contentsOf: manifestURL), "\(context): no manifest.json",
      sourceLocation: sourceLocation)
    let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    let files = try #require(
      object?["files"] as? [[String: Any]], "\(context): manifest without files",
      sourceLocation: sourceLocation)
    var listed: [String] = []
    for file in files {
      let path = try #require(file["path"] as? String, sourceLocation: sourceLocation)
      listed.append(path)
      let url = out.appendingPathComponent(path)
      let digest = try sha256(url.path)
      #expect(
        digest == file["sha256"] as? String,
        "\(context): \(path) has SHA-256 \(digest), the manifest says \(file["sha256"] ?? "-")",
        sourceLocation: sourceLocation)
      let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size]) as? Int
      #expect(
        size == file["bytes"] as? Int, "\(context): \(path) has \(size ?? -1) bytes",
        sourceLocation: sourceLocation)
    }
    let expected = (listed + ["manifest.json"] + extra).sorted()
    #expect(
      entries(out) == expected, "\(context): folder holds \(entries(out)), expected \(expected)",
      sourceLocation: sourceLocation)
    return listed.sorted()
  }

  static func expectExit(
    _ result: ScengineBinary.Result, _ status: Int32, _ fragment: String, _ context: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let ending = result.reason == .exit ? "status" : "signal"
    #expect(
      result.reason == .exit && result.status == status,
      "\(context): ended with \(ending) \(result.status), expected status \(status); stderr: \(result.stderr)",
      sourceLocation: sourceLocation)
    #expect(
      fragment.isEmpty || result.stderr.contains(fragment),
      "\(context): stderr does not contain '\(fragment)':\n\(result.stderr)",
      sourceLocation: sourceLocation)
    HostileCase.expectOneCleanMessage(result.stderr, name: context)
  }

  // MARK: - Symbolic links and entries that are not files (item 9)

  /// An entry planted in `out` before a run: a symbolic link to a file or folder outside, a
  /// file where a folder goes, a folder where a file goes.
  struct Planted: Sendable, CustomTestStringConvertible {
    enum Kind: Sendable { case linkToFile, linkToFolder, file, folder }
    let name: String
    let kind: Kind
    let fragment: String
    var testDescription: String { "\(kind) at out/\(name)" }
  }

  static let planted: [Planted] = [
    .init(name: "baseline/prices.npy.partial", kind: .linkToFile, fragment: "symbolic link"),
    .init(
      name: "baseline/prices.npy.77-abcdef01.partial", kind: .linkToFile, fragment: "symbolic link"),
    .init(name: "baseline/prices.npy", kind: .linkToFile, fragment: "symbolic link"),
    .init(name: "stressed/summary.json", kind: .linkToFile, fragment: "symbolic link"),
    .init(name: "manifest.json", kind: .linkToFile, fragment: "symbolic link"),
    .init(name: ".scengine.lock", kind: .linkToFile, fragment: "symbolic link"),
    .init(name: "baseline", kind: .linkToFolder, fragment: "symbolic link, not a folder"),
    .init(name: "stressed", kind: .file, fragment: "a regular file, not a folder"),
    .init(name: "baseline/summary.json", kind: .folder, fragment: "is a folder, not a file"),
    .init(name: "manifest.json", kind: .folder, fragment: "is a folder, not a file"),
  ]

  @Test("a planted link or odd entry is refused; nothing outside is touched", arguments: planted)
  func plantedEntryIsRefused(_ planted: Planted) throws {
    let box = try Sandbox("planted")
    defer { box.remove() }
    try box.make(["outside/victim.npy": "precious"])
    let target = box.path("outside/victim.npy")
    let entry = box.out.appendingPathComponent(planted.name).path
    try FileManager.default.createDirectory(
      atPath: box.out.appendingPathComponent("baseline").path, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(
      atPath: URL(fileURLWithPath: entry).deletingLastPathComponent().path,
      withIntermediateDirectories: true)
    switch planted.kind {
    case .linkToFile:
      try FileManager.default.createSymbolicLink(atPath: entry, withDestinationPath: target)
    case .linkToFolder:
      try FileManager.default.removeItem(atPath: box.out.appendingPathComponent("baseline").path)
      try FileManager.default.createSymbolicLink(
        atPath: entry, withDestinationPath: box.path("outside"))
    case .file: try box.make(["out/\(planted.name)": "mine"])
    case .folder:
      try FileManager.default.createDirectory(
        atPath: entry, withIntermediateDirectories: true)
    }
    let before = Self.entries(box.url)
    for arguments in [[], ["--force"]] {
      let result = try box.run(arguments)
      Self.expectExit(result, 2, planted.fragment, "\(planted.testDescription) \(arguments)")
      #expect(Self.entries(box.url) == before, "\(planted.testDescription): entries changed")
      #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == Data("precious".utf8))
    }
  }

  @Test("an output folder reached through a symbolic link the user gave is used")
  func outputFolderItselfMayBeALink() throws {
    let box = try Sandbox("outlink")
    defer { box.remove() }
    try FileManager.default.createDirectory(
      atPath: box.path("real"), withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(
      atPath: box.out.path, withDestinationPath: box.path("real"))
    let result = try box.run()
    Self.expectExit(result, 0, "", "--out through a link")
    _ = try Self.expectFinishedRun(box.url.appendingPathComponent("real"), "--out through a link")
  }

  // MARK: - Names (item 10, defence in depth)

  static let names: [HostileCase] = [
    .init(
      name: "scenario named '..' with the default output folder",
      files: ["s.yaml": ScenarioFixture.scenario(["name": "name: '..'"])],
      arguments: ["run", "s.yaml", "--progress", "none"], fragment: ".."),
    .init(
      name: "variant named '..'",
      files: ["s.yaml": ScenarioFixture.scenario(["variants": "variants: {'..': {}}"])],
      arguments: ["run", "s.yaml", "--out", "{dir}/run/out", "--progress", "none"],
      fragment: ".."),
    .init(
      name: "variant named '.'",
      files: ["s.yaml": ScenarioFixture.scenario(["variants": "variants: {'.': {}}"])],
      arguments: ["run", "s.yaml", "--out", "{dir}/out", "--progress", "none"], fragment: "."),
    .init(
      name: "variant named 'manifest.json'",
      files: ["s.yaml": ScenarioFixture.scenario(["variants": "variants: {manifest.json: {}}"])],
      arguments: ["run", "s.yaml", "--out", "{dir}/out", "--progress", "none"],
      fragment: "manifest.json"),
    .init(
      name: "variant named '.scengine.lock'",
      files: ["s.yaml": ScenarioFixture.scenario(["variants": "variants: {.scengine.lock: {}}"])],
      arguments: ["run", "s.yaml", "--out", "{dir}/out", "--progress", "none"],
      fragment: ".scengine.lock"),
    .init(
      name: "variant named 'a/../..'",
      files: ["s.yaml": ScenarioFixture.scenario(["variants": "variants: {'a/../..': {}}"])],
      arguments: ["run", "s.yaml", "--out", "{dir}/out", "--progress", "none"], fragment: ".."),
  ]

  @Test("names that would leave the output folder are refused", arguments: names)
  func unsafeNames(_ c: HostileCase) throws { try c.check() }

  // MARK: - The --out argument (item 21)

  static let outArguments: [HostileCase] = [
    .init(
      name: "--out empty", files: ["s.yaml": ScenarioFixture.scenario()],
      arguments: ["run", "s.yaml", "--out", ""], fragment: "--out is empty"),
    .init(
      name: "--out under a regular file",
      files: ["s.yaml": ScenarioFixture.scenario(), "notes.txt": "mine"],
      arguments: ["run", "s.yaml", "--out", "notes.txt/run"],
      fragment: "notes.txt is not a directory"),
    .init(
      name: "--out deep under a regular file",
      files: ["s.yaml": ScenarioFixture.scenario(), "notes.txt": "mine"],
      arguments: ["run", "s.yaml", "--out", "{dir}/notes.txt/a/b"],
      fragment: "notes.txt is not a directory"),
    .init(
      name: "--out naming a regular file",
      files: ["s.yaml": ScenarioFixture.scenario(), "notes.txt": "mine"],
      arguments: ["run", "s.yaml", "--out", "notes.txt"], fragment: "notes.txt is not a directory"
    ),
    .init(
      name: "--out the folder of the scenario (files scengine did not write)",
      files: ["s.yaml": ScenarioFixture.scenario()],
      arguments: ["run", "s.yaml", "--out", "."], fragment: "scengine did not write (s.yaml)"),
  ]

  @Test("--out that cannot be used gets a plain message", arguments: outArguments)
  func unusableOut(_ c: HostileCase) throws { try c.check() }

  // MARK: - Two runs at once (item 11)

  @Test("a folder locked by another process is refused with its pid, and untouched")
  func lockedFolderIsRefused() throws {
    let box = try Sandbox("locked")
    defer { box.remove() }
    try box.make([
      "out/baseline/prices.npy": "old",
      "out/manifest.json": #"{"engine": "scengine", "files": []}"#,
    ])
    let lockPath = box.out.appendingPathComponent(".scengine.lock").path
    try Data(#"{"pid": 4242, "run": "4242-0", "files": []}"#.utf8).write(
      to: URL(fileURLWithPath: lockPath))
    let descriptor = open(lockPath, O_RDWR)
    try #require(descriptor >= 0 && flock(descriptor, LOCK_EX | LOCK_NB) == 0)
    let before = Self.entries(box.url)
    let result = try box.run(["--force"])
    Self.expectExit(
      result, 1, "another scengine run is writing to \(box.out.path) (pid 4242)", "locked")
    #expect(Self.entries(box.url) == before, "a refused run changed the folder")
    close(descriptor)
    let again = try box.run()
    Self.expectExit(again, 0, "", "after the lock is released")
    _ = try Self.expectFinishedRun(box.out, "after the lock is released")
  }

  @Test("a second run while the first is writing is refused; the first one's files are intact")
  func concurrentRuns() throws {
    let long = InterruptScenario.text(paths: 60_000, variants: "{first: {}, second: {}}")
    let box = try Sandbox("concurrent", scenario: long)
    defer { box.remove() }
    // One thread, so that the first run is still writing when the second starts.
    let first = try InterruptScenario.start(box.scenario, out: box.out, in: box.url, threads: 1)
    defer { if first.isRunning { first.terminate() } }
    try InterruptScenario.waitFor("first/prices.npy", in: box.out, while: first)
    let short = box.path("short.yaml")
    try Data(ScenarioFixture.scenario().utf8).write(to: URL(fileURLWithPath: short))
    let second = try box.run(scenario: short)
    Self.expectExit(
      second, 1,
      "another scengine run is writing to \(box.out.path) (pid \(first.processIdentifier))",
      "second run")
    first.waitUntilExit()
    #expect(first.terminationReason == .exit && first.terminationStatus == 0)
    let files = try Self.expectFinishedRun(box.out, "first run")
    #expect(files.contains("second/prices.npy"), "\(files)")
  }

  // MARK: - Closed standard descriptors (item 12)

  static let redirections = [
    "0<&- 1>&- 2>&-", "2>&-", "1>&- 2>&-", "0<&-",
  ]

  @Test("closed standard descriptors never become data files", arguments: redirections)
  func closedDescriptors(_ redirections: String) throws {
    let box = try Sandbox("closedfd")
    defer { box.remove() }
    let result = try box.shell(
      "\"$0\" run s.yaml --out out --progress json --emit prices,returns \(redirections); "
        + "echo \"status $?\" > status")
    let status = try String(contentsOfFile: box.path("status"), encoding: .utf8)
    #expect(status == "status 0\n", "\(redirections): \(status) \(result.stderr)")
    let files = try Self.expectFinishedRun(box.out, redirections)
    for name in files where name.hasSuffix(".npy") {
      let head = try FileHandle(forReadingFrom: box.out.appendingPathComponent(name))
      defer { try? head.close() }
      let magic = try head.read(upToCount: 6) ?? Data()
      #expect(magic == Data([0x93] + Array("NUMPY".utf8)), "\(redirections): \(name) header")
    }
  }

  @Test(
    "a run started with 0–2 closed has them on /dev/null while it writes",
    .enabled(if: FileManager.default.fileExists(atPath: "/proc/self/fd"), "needs /proc"))
  func closedDescriptorsPointAtDevNull() throws {
    let box = try Sandbox("devnull", scenario: InterruptScenario.text(paths: 400_000))
    defer { box.remove() }
    let binary = try #require(ScengineBinary.url, "scengine not found")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = [
      "-c", "exec \"$0\" run s.yaml --out out --threads 1 --progress json 0<&- 1>&- 2>&-",
      binary.path,
    ]
    process.currentDirectoryURL = box.url
    try process.run()
    defer { if process.isRunning { process.terminate() } }
    try InterruptScenario.waitFor("base/prices.npy", in: box.out, while: process)
    var targets: [String] = []
    for descriptor in 0...2 {
      let link = "/proc/\(process.processIdentifier)/fd/\(descriptor)"
      targets.append((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) ?? "closed")
    }
    kill(process.processIdentifier, SIGTERM)
    process.waitUntilExit()
    #expect(targets == ["/dev/null", "/dev/null", "/dev/null"], "descriptors 0–2: \(targets)")
    #expect(process.terminationStatus == 143)
    #expect(Self.entries(box.out).isEmpty, "left: \(Self.entries(box.out))")
  }

  // MARK: - Re-used folders (item 13)

  @Test("a re-run with another --variant leaves only its own files")
  func reRunWithAnotherVariant() throws {
    let box = try Sandbox("revariant")
    defer { box.remove() }
    Self.expectExit(try box.run(["--emit", "prices,returns"]), 0, "", "first run")
    Self.expectExit(try box.run(["--variant", "stressed"]), 0, "", "second run")
    let files = try Self.expectFinishedRun(box.out, "re-run with --variant stressed")
    #expect(files == ["stressed/prices.npy", "stressed/summary.json"], "\(files)")
    #expect(
      !FileManager.default.fileExists(atPath: box.out.appendingPathComponent("baseline").path))
  }

  @Test("a re-run with another --format leaves no file of the other format")
  func reRunWithAnotherFormat() throws {
    let box = try Sandbox("reformat")
    defer { box.remove() }
    Self.expectExit(try box.run(), 0, "", "npy run")
    Self.expectExit(try box.run(["--format", "csv"]), 0, "", "csv run")
    let files = try Self.expectFinishedRun(box.out, "re-run as CSV")
    #expect(files.allSatisfy { !$0.hasSuffix(".npy") }, "\(files)")
    Self.expectExit(try box.run(["--format", "npy"]), 0, "", "npy again")
    let again = try Self.expectFinishedRun(box.out, "re-run as NPY")
    #expect(again.allSatisfy { !$0.hasSuffix(".csv") }, "\(again)")
  }

  @Test("files an earlier run left without a manifest are removed")
  func staleFilesAreRemoved() throws {
    let box = try Sandbox("stale")
    defer { box.remove() }
    try box.make([
      "out/baseline/prices.npy.partial": "half", "out/baseline/returns.npy": "stale",
      "out/stressed/prices.npy.123-0000beef.partial": "half", "out/stressed/prices.csv": "stale",
      "out/manifest.json.9-ab.partial": "half",
      "out/.scengine.lock": #"{"pid": 1, "run": "1-a", "files": ["gone/jumps.npy", "gone/x.bin"]}"#,
      "out/gone/jumps.npy": "stale", "out/gone/x.bin": "stale",
      "out/old/prices.npy": "stale",
      "out/manifest.json":
        #"{"engine": "scengine", "files": [{"path": "old/prices.npy", "sha256": "0", "bytes": 5}]}"#,
    ])
    Self.expectExit(try box.run(), 0, "", "run over stale files")
    _ = try Self.expectFinishedRun(box.out, "run over stale files")
  }

  @Test("the user's files are refused unless --force, and never removed")
  func userFiles() throws {
    for name in ["notes.txt", "baseline/notes.txt", "data/prices.npy", ".hidden"] {
      let box = try Sandbox("userfile")
      defer { box.remove() }
      Self.expectExit(try box.run(), 0, "", "first run")
      try box.make(["out/\(name)": "mine"])
      let before = Self.entries(box.url)
      let refused = try box.run()
      Self.expectExit(
        refused, 2,
        "scengine did not write (\(name.split(separator: "/")[0] == "data" ? "data" : name))", name)
      #expect(Self.entries(box.url) == before, "\(name): a refused run changed the folder")
      Self.expectExit(try box.run(["--force", "--variant", "stressed"]), 0, "", "\(name) --force")
      let files = try Self.expectFinishedRun(box.out, extra: [name], "\(name) --force")
      #expect(!files.contains(name))
      #expect(
        try String(contentsOf: box.out.appendingPathComponent(name), encoding: .utf8) == "mine")
    }
  }

  @Test("a hard link at the lock file is refused; the file it shares is untouched")
  func hardLinkedLock() throws {
    let box = try Sandbox("hardlink")
    defer { box.remove() }
    try box.make(["outside/victim": "precious", "out/keep": ""])
    try FileManager.default.removeItem(at: box.out.appendingPathComponent("keep"))
    link(box.path("outside/victim"), box.out.appendingPathComponent(".scengine.lock").path)
    Self.expectExit(try box.run(), 2, "it has 2 hard links", "hard-linked lock")
    #expect(try String(contentsOfFile: box.path("outside/victim"), encoding: .utf8) == "precious")
  }

  @Test("a manifest.json scengine did not write is never trusted nor replaced, even with --force")
  func foreignManifest() throws {
    for force in [false, true] {
      let box = try Sandbox("foreign-manifest")
      defer { box.remove() }
      try box.make([
        "out/data.csv": "important", "out/manifest.json": #"{"files":[{"path":"data.csv"}]}"#,
      ])
      let before = Self.entries(box.url)
      Self.expectExit(
        try box.run(force ? ["--force"] : []), 2, "it is not a manifest scengine wrote",
        "foreign manifest, force \(force)")
      #expect(Self.entries(box.url) == before, "force \(force): the folder changed")
    }
  }

  @Test("a price file the scenario reads is never removed as an earlier run's file")
  func inputInsideTheOutputFolder() throws {
    let csv = "date,P\n2020-01-01,100\n2020-01-02,101\n2020-01-03,99\n2020-01-06,98\n"
    let scenario = ScenarioFixture.scenario([
      "time": "time: {steps: 5, dt: 1/252}",
      "variants":
        "variants: {baseline: {}, replay: {stresses: [{historical: {at: 2, file: "
        + "out/baseline/prices.csv, column: P, from: 2020-01-02, to: 2020-01-03}}]}}",
    ])
    let box = try Sandbox("input-inside", scenario: scenario)
    defer { box.remove() }
    try box.make(["out/baseline/prices.csv": csv])
    let before = Self.entries(box.url)
    for arguments in [[], ["--force"]] {
      Self.expectExit(
        try box.run(arguments), 2, "lies inside the output folder", "input inside, \(arguments)")
      #expect(Self.entries(box.url) == before, "\(arguments): the folder changed")
    }
  }

  @Test("a refused run leaves a killed run's journal, so the next run still removes its files")
  func refusedRunKeepsTheJournal() throws {
    let long = InterruptScenario.text(paths: 400_000)
    let box = try Sandbox("journal", scenario: long)
    defer { box.remove() }
    let process = try InterruptScenario.start(box.scenario, out: box.out, in: box.url)
    defer { if process.isRunning { process.terminate() } }
    try InterruptScenario.waitFor("base/prices.npy", in: box.out, while: process)
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    try box.make(["out/notes.txt": "mine"])
    let short = box.path("short.yaml")
    try Data(ScenarioFixture.scenario().utf8).write(to: URL(fileURLWithPath: short))
    let before = Self.entries(box.url)
    Self.expectExit(try box.run(scenario: short), 2, "notes.txt", "refused run")
    #expect(Self.entries(box.url) == before, "the refused run changed the folder")
    Self.expectExit(try box.run(["--force"], scenario: short), 0, "", "forced run")
    let files = try Self.expectFinishedRun(box.out, extra: ["notes.txt"], "forced run")
    #expect(!Self.entries(box.out).contains { $0.hasSuffix(".partial") })
    #expect(files.allSatisfy { $0.hasPrefix("baseline/") || $0.hasPrefix("stressed/") })
  }

  @Test("a re-run interrupted by SIGTERM leaves neither its files nor the earlier run's")
  func interruptedReRun() throws {
    let long = InterruptScenario.text(paths: 400_000)
    let box = try Sandbox("interrupted", scenario: long)
    defer { box.remove() }
    let short = box.path("short.yaml")
    try Data(ScenarioFixture.scenario().utf8).write(to: URL(fileURLWithPath: short))
    Self.expectExit(try box.run(scenario: short), 0, "", "earlier run")
    let process = try InterruptScenario.start(box.scenario, out: box.out, in: box.url)
    defer { if process.isRunning { process.terminate() } }
    try InterruptScenario.waitFor("base/prices.npy", in: box.out, while: process)
    kill(process.processIdentifier, SIGTERM)
    process.waitUntilExit()
    #expect(process.terminationReason == .exit && process.terminationStatus == 143)
    #expect(Self.entries(box.out).isEmpty, "left: \(Self.entries(box.out))")
  }

  @Test("after SIGKILL, a re-run with other variants removes what the killed run wrote")
  func reRunAfterSIGKILL() throws {
    let long = InterruptScenario.text(paths: 60_000, variants: "{first: {}, second: {}}")
    let box = try Sandbox("killed", scenario: long)
    defer { box.remove() }
    let process = try InterruptScenario.start(box.scenario, out: box.out, in: box.url)
    defer { if process.isRunning { process.terminate() } }
    try InterruptScenario.waitFor("second/prices.npy", in: box.out, while: process)
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    let left = Self.entries(box.out)
    #expect(left.contains("first/prices.npy"), "the killed run had not finished first: \(left)")
    let short = box.path("short.yaml")
    try Data(ScenarioFixture.scenario().utf8).write(to: URL(fileURLWithPath: short))
    Self.expectExit(try box.run(scenario: short), 0, "", "re-run after SIGKILL")
    let files = try Self.expectFinishedRun(box.out, "re-run after SIGKILL (left: \(left))")
    #expect(files.allSatisfy { $0.hasPrefix("baseline/") || $0.hasPrefix("stressed/") })
  }

  // MARK: - Failures mid-run (item 14)

  /// A run whose writes fail once a file passes `limit` bytes (`ulimit -f`, in 512-byte blocks).
  struct Failing: Sendable, CustomTestStringConvertible {
    let name: String
    let scenario: String
    let arguments: String
    let limitKiB: Int
    let fragment: String
    var testDescription: String { name }
  }

  static let failing: [Failing] = [
    // 1 path × 20,001 steps: 160 kB of prices, a manifest with 20,001 dates (over 300 kB).
    .init(
      name: "manifest.json cannot be written",
      scenario: ScenarioFixture.scenario([
        "paths": "paths: 1", "time": "time: {steps: 20000, dt: 1/252, start: 2027-01-04}",
        "assets": "assets: [EQ]", "initial": "initial: 100", "correlation": nil,
        "model": "model: {gbm: {drift: 0.05, volatility: 0.2}}", "portfolio": nil,
      ]), arguments: "", limitKiB: 250, fragment: "manifest.json"),
    // 1 path × 1 step of 300 assets: 5 kB of prices, a summary of several hundred kB.
    .init(
      name: "summary.json cannot be written",
      scenario: ScenarioFixture.scenario([
        "paths": "paths: 1", "time": "time: {steps: 1, dt: 1/252}",
        "assets": "assets: [\((0..<300).map { "A\($0)" }.joined(separator: ", "))]",
        "initial": "initial: 100", "correlation": nil,
        "model": "model: {gbm: {drift: 0.05, volatility: 0.2}}", "portfolio": nil,
        "variants": nil,
      ]), arguments: "", limitKiB: 40, fragment: "summary.json"),
    // The second variant's CSV rows carry a long variant name: the first variant finishes.
    .init(
      name: "the second variant's file cannot be written",
      scenario: ScenarioFixture.scenario([
        "variants": "variants: {a: {}, \(String(repeating: "z", count: 120)): {}}"
      ]), arguments: "--format csv", limitKiB: 900, fragment: "prices.csv"),
  ]

  @Test("a write that fails mid-run removes every file of the run", arguments: failing)
  func failedWrite(_ c: Failing) throws {
    let box = try Sandbox("failing", scenario: c.scenario)
    defer { box.remove() }
    let result = try box.shell(
      "ulimit -f \(c.limitKiB * 2) && exec \"$0\" run s.yaml --out out --progress none "
        + c.arguments)
    Self.expectExit(result, 1, c.fragment, c.name)
    #expect(result.stderr.contains("File too large"), "\(c.name): \(result.stderr)")
    #expect(Self.entries(box.out).isEmpty, "\(c.name): left \(Self.entries(box.out))")
  }

  @Test(
    "a full disk mid-run removes every file of the run",
    .enabled(if: Tmpfs.isAvailable, "needs permission to mount a tmpfs"))
  func diskFull() throws {
    let box = try Sandbox("diskfull")
    defer { box.remove() }
    let disk = box.path("disk")
    try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
    let tmpfs = try #require(Tmpfs(at: disk, size: "200k"), "mount failed: \(errno)")
    defer { tmpfs.unmount() }
    let result = try ScengineBinary.run(
      [
        "run", box.scenario, "--out", disk + "/out", "--progress", "none", "--emit",
        "prices,returns", "--force",  // past the up-front refusal, to fill the disk mid-run
      ], in: box.url, timeout: 120)
    Self.expectExit(result, 1, "No space left on device", "disk full")
    let left = Self.entries(URL(fileURLWithPath: disk))
    #expect(left.isEmpty, "disk full: left \(left)")
  }

  // MARK: - Readers that go away (item 18)

  @Test("run … | true exits 0 with a finished run")
  func stdoutReaderGoesAway() throws {
    let box = try Sandbox("sigpipe")
    defer { box.remove() }
    _ = try box.shell(
      "( \"$0\" run s.yaml --out out --progress none; echo \"status $?\" > status ) | true")
    let status = try String(contentsOfFile: box.path("status"), encoding: .utf8)
    #expect(status == "status 0\n", "\(status)")
    _ = try Self.expectFinishedRun(box.out, "| true")
  }

  static let readersThatLeave: [(command: String, reader: String)] = [
    ("run s.yaml --out out --progress none", "true"),
    ("run s.yaml --out out --progress json 2>&1", "head -c 1"),
    ("check s.yaml", "true"),
    ("rng --seed 1 --count 100000000", "head -c 100"),
    ("rng --seed 1 --raw", "head -c 100"),
  ]

  @Test(
    "every command stops printing, not working, when its reader leaves", arguments: readersThatLeave
  )
  func readerLeaves(_ command: String, _ reader: String) throws {
    let box = try Sandbox("reader")
    defer { box.remove() }
    _ = try box.shell(
      "( \"$0\" \(command); echo \"status $?\" > status ) | \(reader) > /dev/null", timeout: 60)
    let status = try String(contentsOfFile: box.path("status"), encoding: .utf8)
    #expect(status == "status 0\n", "\(command) | \(reader): \(status)")
    if command.hasPrefix("run") { _ = try Self.expectFinishedRun(box.out, command) }
  }

  @Test("progress to a reader that went away never stops the run")
  func stderrReaderGoesAway() throws {
    let long = InterruptScenario.text(paths: 150_000)
    let box = try Sandbox("sigpipe-progress", scenario: long)
    defer { box.remove() }
    _ = try box.shell(
      "( \"$0\" run s.yaml --out out --threads 1 --progress json 2>&1 >/dev/null; "
        + "echo \"status $?\" > status ) | true")
    let status = try String(contentsOfFile: box.path("status"), encoding: .utf8)
    #expect(status == "status 0\n", "\(status)")
    _ = try Self.expectFinishedRun(box.out, "--progress json | true")
  }
}

/// A long one-asset run started in the background, for the tests that need a run in progress.
enum InterruptScenario {
  static func text(paths: Int, variants: String? = nil) -> String {
    ScenarioFixture.longRun(paths: paths, variants: variants)
  }

  static func start(_ scenario: String, out: URL, in directory: URL, threads: Int = 2) throws
    -> Process
  {
    let binary = try #require(ScengineBinary.url, "scengine not found")
    let process = Process()
    process.executableURL = binary
    process.arguments = [
      "run", scenario, "--out", out.path, "--threads", "\(threads)", "--progress", "none",
    ]
    process.currentDirectoryURL = directory
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
  }

  /// Waits (up to 60 s) until a temporary file of `name` (`NAME.<run>.partial`) exists in `out`.
  static func waitFor(_ name: String, in out: URL, while process: Process) throws {
    let folder = out.appendingPathComponent(name).deletingLastPathComponent().path
    let file = URL(fileURLWithPath: name).lastPathComponent
    let started = Date()
    while process.isRunning && Date().timeIntervalSince(started) < 60 {
      let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
      if names.contains(where: { $0.hasPrefix(file + ".") && $0.hasSuffix(".partial") }) {
        return
      }
      usleep(2_000)
    }
    try #require(Bool(false), "the run never started writing \(name)")
  }
}
