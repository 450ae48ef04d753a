import ScengineTestSupport
import Testing

/// Hostile or careless command lines: missing files, bad option values.
@Suite("hostile command lines")
struct CommandLineTests {
  static let cases: [HostileCase] = [
    .init(
      name: "scenario file that does not exist", arguments: ["run", "nope.yaml"],
      fragment: "nope.yaml"),
    .init(
      name: "check of a scenario file that does not exist", arguments: ["check", "nope.yaml"],
      fragment: "nope.yaml"),
  ]

  @Test(arguments: cases)
  func rejected(_ c: HostileCase) throws { try c.check() }
}
