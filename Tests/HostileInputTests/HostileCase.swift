import Foundation
import ScengineTestSupport
import Testing

/// One hostile or careless input, run through the built binary in a sandbox folder of its own
/// (DESIGN invariants 5–8).
///
/// The sandbox holds `files` (name → content; names may contain folders); the command runs with
/// the sandbox as its working directory, `{dir}` in `arguments` standing for the sandbox's path.
/// Every case must end within `timeout` seconds, by an exit (never a signal or a trap), with
/// `status`; on failure standard error must be one message containing `fragment`, and no file
/// may appear in or vanish from the sandbox (nothing written, nothing half-written, nothing
/// removed outside the output folder).
struct HostileCase: Sendable, CustomTestStringConvertible {
  let name: String
  var files: [String: String] = [:]
  let arguments: [String]
  /// The expected exit status: 2 for bad input, 1 for a failed run.
  var status: Int32 = 2
  /// A fragment the message on standard error must contain.
  let fragment: String
  var timeout: Double = 60
  /// The longest standard error allowed, in characters (`nil`: no limit): a message that
  /// echoes input must shorten it.
  var longestMessage: Int? = nil

  var testDescription: String { name }

  /// The same scenario file `yaml` (saved as `scenario`, beside `files`) through
  /// `scengine run` and through `scengine check`: both must refuse it alike.
  static func runAndCheck(
    _ name: String, _ yaml: String, _ fragment: String, files: [String: String] = [:],
    scenario: String = "s.yaml", timeout: Double = 60
  ) -> [HostileCase] {
    var all = files
    all[scenario] = yaml
    return [
      HostileCase(
        name: "run: " + name, files: all,
        arguments: ["run", scenario, "--out", "out", "--progress", "none"], fragment: fragment,
        timeout: timeout),
      HostileCase(
        name: "check: " + name, files: all, arguments: ["check", scenario], fragment: fragment,
        timeout: timeout),
    ]
  }

  /// Runs the case and checks what every failure must do.
  func check() throws {
    let sandbox = try TemporaryDirectory("hostile")
    defer { sandbox.remove() }
    for (name, content) in files {
      let url = sandbox.url.appendingPathComponent(name)
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try Data(content.utf8).write(to: url)
    }
    let before = regularFiles(under: sandbox.url)
    let arguments = arguments.map { $0.replacingOccurrences(of: "{dir}", with: sandbox.url.path) }
    let result = try ScengineBinary.run(arguments, in: sandbox.url, timeout: timeout)
    #expect(
      result.reason == .exit, "\(name): ended by signal \(result.status); stderr: \(result.stderr)")
    #expect(
      result.status == status,
      "\(name): exit status \(result.status), expected \(status); stderr: \(result.stderr)")
    #expect(
      result.stderr.contains(fragment),
      "\(name): stderr does not contain '\(fragment)':\n\(result.stderr)")
    HostileCase.expectOneCleanMessage(result.stderr, name: name)
    if let longestMessage {
      #expect(
        result.stderr.count <= longestMessage,
        "\(name): \(result.stderr.count) characters on stderr, expected at most \(longestMessage)")
    }
    if status != 0 {
      #expect(
        regularFiles(under: sandbox.url) == before,
        "\(name): files changed: \(regularFiles(under: sandbox.url)) (before: \(before))")
    }
  }

  /// A failure's message: no stack trace, no Swift runtime message, no raw control characters.
  static func expectOneCleanMessage(_ stderr: String, name: String) {
    for marker in ["Fatal error", "Stack dump", "Current stack trace", "NSCocoaErrorDomain", "💣"] {
      #expect(!stderr.contains(marker), "\(name): stderr contains '\(marker)':\n\(stderr)")
    }
    let control = stderr.unicodeScalars.filter {
      $0.value < 0x20 && $0 != "\n" && $0 != "\t" || $0.value == 0x7f
    }
    #expect(control.isEmpty, "\(name): stderr holds control characters: \(stderr.debugDescription)")
  }
}
