import Foundation
import ScengineTestSupport
import Testing

/// Messages that named the wrong line, echoed input raw or said the wrong thing (issue 9,
/// item 21): each must name the right line, escape what it echoes and say what was expected.
@Suite("hostile input: messages")
struct MessageTests {
  typealias F = ScenarioFixture

  /// The fixture has 10 lines: a line appended is line 11.
  static let appendedLine = F.lines.count + 1

  static func run(_ name: String, _ yaml: String, _ fragment: String, files: [String: String] = [:])
    -> HostileCase
  {
    var all = files
    all["s.yaml"] = yaml
    return HostileCase(
      name: name, files: all, arguments: ["run", "s.yaml", "--out", "out", "--progress", "none"],
      fragment: fragment)
  }

  static func check(_ name: String, _ yaml: String, _ fragment: String) -> HostileCase {
    HostileCase(
      name: name, files: ["s.yaml": yaml], arguments: ["check", "s.yaml"], fragment: fragment)
  }

  static let historicalStress = F.stressed(
    "historical: {at: 1, file: p.csv, column: close, from: 2008-09-12, to: 2008-09-17}")

  static let lines: [HostileCase] = [
    run(
      "a list as a key, reported on its own line", F.scenario(extra: "? [a, b]\n: 1"),
      "s.yaml:\(appendedLine): a key is a list; keys must be plain text"),
    check(
      "a mapping as a key inside the model, reported on its own line",
      F.scenario(["model": "model:\n  gbm:\n    drift: 0.05\n    ? {a: 1}\n    : 2"]),
      "s.yaml:11: model.gbm: a key is a mapping"),
    run(
      "a merge key, named as such",
      F.scenario([
        "model": "defaults: &d {drift: 0.05}\nmodel:\n  gbm:\n    <<: *d\n    volatility: 0.2"
      ]), "s.yaml:11: model.gbm: YAML merge keys (<<) are not supported"),
    check(
      "a merge key at the top level",
      F.scenario(extra: "<<: {seed: 3}"),
      "s.yaml:\(appendedLine): YAML merge keys (<<) are not supported"),
    run(
      "a bad price after blank lines, on its own line", historicalStress,
      "p.csv:8: close: 'n/a' is not a price",
      files: [
        "p.csv": "date,close\n\n2008-09-11,1249.05\n2008-09-12,1251.70\n\n2008-09-15,1192.70\n"
          + "2008-09-16,1213.60\n2008-09-17,n/a\n2008-09-18,1206.51\n"
      ]),
    run(
      "rows out of date order, refused on the first row that goes back", historicalStress,
      "p.csv:3: date: date 2008-09-16 does not come after 2008-09-17, the date of the row "
        + "before; dates must increase from row to row",
      files: [
        "p.csv": "date,close\n2008-09-17,-5\n2008-09-16,1213.60\n2008-09-15,1192.70\n"
          + "2008-09-12,1251.70\n2008-09-11,1249.05\n"
      ]),
    run(
      "a bad date after blank lines, on its own line", historicalStress,
      "p.csv:5: date: '2008-13-01' is not a date",
      files: ["p.csv": "date,close\n2008-09-12,1251.70\n\n\n2008-13-01,1\n"]),
  ]

  static let echoes: [HostileCase] = [
    run(
      "an escape sequence in a key is escaped", F.scenario(extra: "\"\\e[31mred\\e[0m\": 1"),
      "unknown key '\\u{1B}[31mred\\u{1B}[0m'"),
    check(
      "a bidirectional override in an asset name is escaped",
      F.scenario(["assets": "assets: [EQ, \"B\\u202EOND\"]"]), "'B\\u{202E}OND' is not a valid"),
    run(
      "a long value is shortened",
      F.scenario(["paths": "paths: \(String(repeating: "9x", count: 500))"]),
      "expected a whole number, got '9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x…'"),
    run(
      "a price file without a date column shows a short excerpt of its first line",
      historicalStress, "has no 'date' column; its first line is 'when,close,",
      files: [
        "p.csv": "when,close," + String(repeating: "\u{1B}[2Jx,", count: 300) + "\n2008-09-12,1\n"
      ]),
  ]

  static let longInput: [HostileCase] = [
    HostileCase(
      name: "a 1,000-character unknown key is shortened",
      files: ["s.yaml": F.scenario(extra: String(repeating: "k", count: 1000) + ": 1")],
      arguments: ["check", "s.yaml"], fragment: "unknown key 'kkkkkkkkkk", longestMessage: 400),
    HostileCase(
      name: "a 1,000-character unknown asset is shortened",
      files: [
        "s.yaml": F.scenario([
          "initial": "initial: {EQ: 100, BOND: 100, \(String(repeating: "Z", count: 1000)): 1}"
        ])
      ],
      arguments: ["check", "s.yaml"], fragment: "unknown asset 'ZZZZZZZZZZ", longestMessage: 400),
    HostileCase(
      name: "a price file that never ends is refused",
      files: [
        "s.yaml": F.stressed(
          "historical: {at: 1, file: /dev/zero, column: close, from: 2008-09-12, to: 2008-09-16}")
      ], arguments: ["check", "s.yaml"],
      fragment: "cannot read price file /dev/zero: it is a character device, not a regular file",
      timeout: 30),
    HostileCase(
      name: "a scenario file that never ends is refused", arguments: ["check", "/dev/zero"],
      fragment: "cannot read scenario file: it is larger than 64 MiB", timeout: 30),
  ]

  static let commandLines: [HostileCase] = [
    HostileCase(
      name: "--paths -1", files: ["s.yaml": F.scenario()],
      arguments: ["check", "s.yaml", "--paths", "-1"],
      status: 2, fragment: "--paths must be at least 1, got -1"),
    HostileCase(
      name: "--block-size -5", files: ["s.yaml": F.scenario()],
      arguments: ["run", "s.yaml", "--out", "out", "--block-size", "-5"], status: 2,
      fragment: "--block-size must be at least 1, got -5"),
    HostileCase(
      name: "--threads -2", files: ["s.yaml": F.scenario()],
      arguments: ["run", "s.yaml", "--out", "out", "--threads", "-2"], status: 2,
      fragment: "--threads must be at least 1, got -2"),
    HostileCase(
      name: "--threads 2000", files: ["s.yaml": F.scenario()],
      arguments: ["run", "s.yaml", "--out", "out", "--threads", "2000"], status: 2,
      fragment: "--threads must be at most 1024, got 2000"),
    HostileCase(
      name: "an escape sequence in --emit is escaped", files: ["s.yaml": F.scenario()],
      arguments: ["check", "s.yaml", "--emit", "prices,\u{1B}[2J"], status: 2,
      fragment: "--emit: '\\u{1B}[2J' is not a series"),
    HostileCase(
      name: "an escape sequence in a value argument-parser refuses is escaped",
      files: ["s.yaml": F.scenario()],
      arguments: ["run", "s.yaml", "--out", "out", "--seed", "\u{1B}[2J"], status: 2,
      fragment: "The value '\\u{1b}[2J' is invalid for '--seed <seed>'"),
    HostileCase(
      name: "an unknown option is bad input (exit 2)", files: ["s.yaml": F.scenario()],
      arguments: ["run", "s.yaml", "--out", "out", "--thread", "2"], status: 2,
      fragment: "Unknown option '--thread'"),
    HostileCase(
      name: "a scenario that is a folder", files: ["d/s.yaml": F.scenario()],
      arguments: ["check", "d"], fragment: "d: cannot read scenario file: it is a directory"),
  ]

  @Test(arguments: lines)
  func lineNumbers(_ c: HostileCase) throws { try c.check() }

  @Test(arguments: echoes)
  func echoedInput(_ c: HostileCase) throws {
    try c.check()
  }

  @Test(arguments: longInput)
  func longInputShortened(_ c: HostileCase) throws { try c.check() }

  @Test(arguments: commandLines)
  func commandLine(_ c: HostileCase) throws { try c.check() }

  /// A scenario read from a pipe (`<(cat s.yaml)`) is read like a file, by `check` and `run`.
  @Test(arguments: ["check", "run"])
  func scenarioFromAPipe(_ command: String) throws {
    let binary = try #require(ScengineBinary.url, "scengine not found beside the tests")
    let sandbox = try TemporaryDirectory("pipe")
    defer { sandbox.remove() }
    try sandbox.write(F.scenario(), to: "s.yaml")
    let extra = command == "run" ? " --out out --progress none" : ""
    let result = try ScengineBinary.run(
      ["-c", "'\(binary.path)' \(command) <(cat s.yaml)\(extra)"],
      executable: URL(fileURLWithPath: "/bin/bash"), in: sandbox.url, timeout: 60)
    #expect(result.reason == .exit && result.status == 0, "stderr: \(result.stderr)")
    if command == "run" {
      #expect(regularFiles(under: sandbox.url).contains("out/manifest.json"))
    } else {
      #expect(result.stdout.contains("scenario   fixture"), "stdout: \(result.stdout)")
    }
  }

  /// `check`'s plan is its product: a full standard output (`/dev/full`) fails it with exit 1
  /// and a message; a reader that has gone away (`| head -c 5`) does not.
  @Test func checkWithNowhereToWrite() throws {
    let binary = try #require(ScengineBinary.url, "scengine not found beside the tests")
    let sandbox = try TemporaryDirectory("full-stdout")
    defer { sandbox.remove() }
    try sandbox.write(F.scenario(), to: "s.yaml")
    let full = try ScengineBinary.run(
      ["-c", "'\(binary.path)' check s.yaml > /dev/full"],
      executable: URL(fileURLWithPath: "/bin/bash"), in: sandbox.url, timeout: 60)
    #expect(full.reason == .exit && full.status == 1, "/dev/full: status \(full.status)")
    #expect(
      full.stderr
        == "error: cannot write to standard output: No space left on device; the command's "
        + "output is lost\n",
      "/dev/full: stderr \(full.stderr)")
    let gone = try ScengineBinary.run(
      ["-c", "'\(binary.path)' check s.yaml | head -c 5; exit ${PIPESTATUS[0]}"],
      executable: URL(fileURLWithPath: "/bin/bash"), in: sandbox.url, timeout: 60)
    #expect(gone.reason == .exit && gone.status == 0, "| head: status \(gone.status)")
    #expect(gone.stdout == "scena" && gone.stderr.isEmpty, "| head: \(gone.stdout) \(gone.stderr)")
    // Every command whose output is lost fails; run's files are its product, and its lost
    // summary is a warning.
    for (line, status) in [
      ("rng --seed 1 --count 100000", 1), ("sobol --dimensions 2 --points 100000", 1),
      ("run s.yaml --out out --paths 10 --progress none", 0),
    ] {
      let r = try ScengineBinary.run(
        ["-c", "'\(binary.path)' \(line) > /dev/full"],
        executable: URL(fileURLWithPath: "/bin/bash"), in: sandbox.url, timeout: 60)
      #expect(r.reason == .exit && r.status == status, "\(line): status \(r.status)")
      #expect(
        r.stderr.contains(
          status == 1
            ? "error: cannot write to standard output: No space left on device"
            : "warning: the run's summary could not be written to standard output"),
        "\(line): stderr \(r.stderr)")
    }
  }

  /// A command line that does not parse gets one line beginning `error:`, as every other
  /// message, pointing at the command's help (not argument-parser's `Error:` and usage).
  @Test(arguments: [
    (
      ["run", "s.yaml", "--paths", "0"],
      "error: --paths must be at least 1, got 0. (see 'scengine run --help' for more information)"
    ),
    (
      ["run"],
      "error: Missing expected argument '<scenario>' (see 'scengine run --help' for more information)"
    ),
    (["bogus"], "error: Unexpected argument 'bogus' (see 'scengine --help' for more information)"),
  ])
  func commandLineErrorIsOneLine(_ arguments: [String], _ expected: String) throws {
    let result = try ScengineBinary.run(arguments)
    #expect(result.reason == .exit && result.status == 2, "\(arguments): \(result.status)")
    #expect(result.stderr == expected + "\n", "\(arguments): \(result.stderr)")
  }

  /// A named FIFO as the scenario: with no writer it is refused after a wait of 5 s (it used to
  /// block for ever); a writer that comes within the wait, before or after the read begins, is
  /// read to its end; a slow shell pipe (`/dev/stdin`) is read however long it takes.
  @Test(
    arguments: [
      ("no writer", "'BIN' check f.fifo", 2),
      ("writer first", "cat s.yaml > f.fifo & 'BIN' check f.fifo", 0),
      ("writer a second later", "'BIN' check f.fifo & sleep 1; cat s.yaml > f.fifo; wait $!", 0),
      ("slow shell pipe", "(sleep 6; cat s.yaml) | 'BIN' check /dev/stdin", 0),
      ("a writer that writes nothing", "'BIN' check f.fifo & sleep 1; : > f.fifo; wait $!", 2),
    ])
  func scenarioFromANamedFIFO(_ name: String, _ script: String, _ status: Int32) throws {
    let binary = try #require(ScengineBinary.url, "scengine not found beside the tests")
    let sandbox = try TemporaryDirectory("fifo")
    defer { sandbox.remove() }
    try sandbox.write(F.scenario(), to: "s.yaml")
    #expect(mkfifo(sandbox.url.appendingPathComponent("f.fifo").path, 0o600) == 0)
    let clock = ContinuousClock()
    let start = clock.now
    let result = try ScengineBinary.run(
      ["-c", script.replacingOccurrences(of: "BIN", with: binary.path)],
      executable: URL(fileURLWithPath: "/bin/bash"), in: sandbox.url, timeout: 30)
    let elapsed = clock.now - start
    #expect(
      result.reason == .exit && result.status == status,
      "\(name): status \(result.status), expected \(status); stderr: \(result.stderr)")
    if status == 0 {
      #expect(result.stdout.contains("scenario   fixture"), "\(name): stdout: \(result.stdout)")
    } else if name == "a writer that writes nothing" {
      // Hung up by its writer: an empty file, at once.
      #expect(
        result.stderr.contains("f.fifo: the file is empty") && elapsed < .seconds(4),
        "\(name): after \(elapsed), stderr: \(result.stderr)")
    } else {
      #expect(
        result.stderr.contains(
          "f.fifo: cannot read scenario file: it is a FIFO (named pipe) that no program opened "
            + "for writing within 5 s"),
        "\(name): stderr: \(result.stderr)")
      HostileCase.expectOneCleanMessage(result.stderr, name: name)
      #expect(
        elapsed >= .seconds(5) && elapsed < .seconds(15),
        "\(name): refused after \(elapsed), expected 5 s to 15 s")
    }
  }
}
