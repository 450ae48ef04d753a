import Foundation
import ScengineTestSupport
import Testing

/// Hostile and careless inputs to `scengine calibrate`: bad price files, bad options, outputs
/// that would clobber or cannot be written. Each ends with status 2 and one message naming the
/// file, line, column or option and the value, and writes nothing.
@Suite("hostile inputs: calibrate")
struct CalibrateHostileTests {
  /// Ten dated rows of two varying prices.
  static let good =
    "date,A,B\n"
    + (1...10).map { "2024-01-\(String(format: "%02d", $0 + 1)),\(100 + $0 % 3),\(50 + $0 % 4)" }
    .joined(separator: "\n") + "\n"

  /// `calibrate p.csv --model gbm` with `extra` arguments and the price file `csv`.
  static func calibrate(
    _ name: String, csv: String = good, args extra: [String] = [], _ fragment: String,
    status: Int32 = 2
  ) -> HostileCase {
    HostileCase(
      name: name, files: ["p.csv": csv],
      arguments: ["calibrate", "p.csv", "--model", "gbm"] + extra, status: status,
      fragment: fragment)
  }

  /// The good file with row 4's A cell replaced by `cell`.
  static func cell(_ cell: String) -> String {
    var lines = good.split(separator: "\n").map(String.init)
    var cells = lines[3].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    cells[1] = cell
    lines[3] = cells.joined(separator: ",")
    return lines.joined(separator: "\n") + "\n"
  }

  static let cases: [HostileCase] = [
    HostileCase(
      name: "a price file that does not exist",
      arguments: ["calibrate", "nope.csv", "--model", "gbm"],
      fragment: "cannot read price file nope.csv: no such file"),
    HostileCase(
      name: "a price file that never ends",
      arguments: ["calibrate", "/dev/zero", "--model", "gbm"],
      fragment: "cannot read price file /dev/zero: it is a character device, not a regular file",
      timeout: 30),
    calibrate("a NaN price", csv: cell("NaN"), "p.csv:4: A: 'NaN' is not a price"),
    calibrate("an infinite price", csv: cell("inf"), "p.csv:4: A: 'inf' is not a price"),
    calibrate("a price beyond a double", csv: cell("1e400"), "p.csv:4: A: '1e400' is not a price"),
    calibrate("a negative price", csv: cell("-3"), "p.csv:4: A: '-3' is not a price"),
    calibrate("a zero price", csv: cell("0"), "p.csv:4: A: '0' is not a price"),
    calibrate(
      "a column of empty cells leaves no row", csv: "date,A,B\n2024-01-02,1,\n2024-01-03,2,\n",
      "0 complete (2 dropped for an empty cell): 0 return(s); at least 2 returns"),
    calibrate(
      "a duplicate date", csv: "date,A\n2024-01-02,1\n2024-01-03,2\n2024-01-03,3\n",
      "p.csv:4: date: duplicate date 2024-01-03"),
    calibrate(
      "dates going back", csv: "date,A\n2024-01-03,1\n2024-01-02,2\n",
      "p.csv:3: date: date 2024-01-02 does not come after 2024-01-03"),
    calibrate(
      "an unknown column", args: ["--columns", "A,C"], "has no column 'C'; columns are 'A, B'"),
    calibrate(
      "an empty --columns item", args: ["--columns", "A,,B"], "--columns: item 2 is empty"),
    calibrate(
      "a column named twice in --columns", args: ["--columns", "A,B,A"],
      "--columns names column 'A' twice (items 1 and 3)"),
    calibrate(
      "a constant column", csv: "date,A\n2024-01-02,5\n2024-01-03,5\n2024-01-04,5\n",
      "column 'A' of price file p.csv is constant"),
    calibrate("an empty price file", csv: "", "price file p.csv is empty"),
    calibrate(
      "--from that is not a date", args: ["--from", "last week"], "--from 'last week' is not a date"
    ),
    calibrate(
      "a window with too few rows", args: ["--from", "2024-01-10"],
      "at least 2 returns (3 rows) are needed"),
    // Three regimes of two assets: 3·2 means, 3·3 covariances, 3·2 transitions, 10 returns each.
    HostileCase(
      name: "too few returns for the regimes asked for", files: ["p.csv": good],
      arguments: ["calibrate", "p.csv", "--model", "regime", "--regimes", "3"], status: 2,
      fragment: "at least 210 returns"),
    calibrate("--dt 0", args: ["--dt", "0"], "--dt '0' is 0.0 years; expected a step length > 0"),
    calibrate("--dt -1", args: ["--dt", "-1"], "--dt '-1' is -1.0 years"),
    calibrate("--dt nan", args: ["--dt", "nan"], "--dt 'nan' is not a number"),
    calibrate("--dt 1/0", args: ["--dt", "1/0"], "--dt '1/0' divides by zero"),
    calibrate("--dt inf", args: ["--dt", "1e400"], "--dt '1e400' is inf years"),
    calibrate("--dt of a century and more", args: ["--dt", "101"], "at most 100 years"),
    calibrate(
      "--out equal to the input", args: ["--out", "p.csv"], "--out p.csv: is the price file itself"),
    calibrate(
      "--report equal to the input by another path", args: ["--report", "./p.csv"],
      "--report ./p.csv: is the price file itself"),
    calibrate(
      "--out in a missing folder", args: ["--out", "missing/f.yaml"],
      "--out missing/f.yaml: the folder missing does not exist"),
    calibrate("--out a folder", args: ["--out", "."], "--out .: is a folder"),
    calibrate("--out empty", args: ["--out", ""], "--out is empty"),
    calibrate(
      "--out and --report the same", args: ["--out", "f", "--report", "f"], "name the same file"),
    calibrate(
      "--out and --report one file spelled twice",
      args: ["--out", "f.yaml", "--report", "./f.yaml"],
      "--report ./f.yaml: is the same file as --out f.yaml"),
    calibrate(
      "--out through another path to the folder",
      args: ["--out", "r.json", "--report", "/proc/self/cwd/r.json"],
      "--report /proc/self/cwd/r.json: is the same file as --out r.json"),
    calibrate(
      "--probabilities for a model without regimes", args: ["--probabilities", "p.out"],
      "--probabilities needs a model with regimes"),
    calibrate(
      "--regimes for gbm", args: ["--regimes", "2"], "--regimes applies to --model regime"),
    calibrate(
      "--innovations for gbm", args: ["--innovations", "student_t"],
      "--innovations applies to --model garch, gjr or egarch"),
    calibrate("an unknown model", args: ["--model", "heston"], "'heston'"),
    calibrate("an unknown shrinkage", args: ["--shrinkage", "oas"], "'oas'"),
    calibrate(
      "more price columns than a fitted scenario may correlate",
      csv: (["date"] + (0..<2818).map { "A\($0)" }).joined(separator: ",") + "\n"
        + (2...4).map { d in
          "2024-01-0\(d)," + (0..<2818).map { "\(100 + d + $0 % 7)" }.joined(separator: ",")
        }.joined(separator: "\n") + "\n",
      "2818 price columns; a fitted scenario (252 steps, correlated assets) takes at most 2817"),
    calibrate(
      "more price columns than a fitted scenario may correlate, refused at the header before any row",
      csv: (["date"] + (0..<2818).map { "A\($0)" }).joined(separator: ",") + "\nnot,a,row\n",
      "p.csv:1: 2818 price columns"),
    calibrate(
      "a header that names a column twice",
      csv: "date,A,A\n2024-01-02,1,2\n2024-01-03,2,3\n2024-01-04,3,4\n",
      "p.csv:1: A: the header names columns 2 and 3 'A'"),
    calibrate(
      "a header that cannot name an asset", csv: "date,S&P 500\n2024-01-02,1\n2024-01-03,2\n",
      "column 'S&P 500' cannot name an asset"),
  ]

  @Test(arguments: cases)
  func rejected(_ c: HostileCase) throws { try c.check() }

  /// Runs calibrate in `sandbox` and checks a clean status-2 refusal containing `fragment`.
  static func refused(_ arguments: [String], in sandbox: TemporaryDirectory, _ fragment: String)
    throws
  {
    let before = regularFiles(under: sandbox.url)
    let result = try ScengineBinary.run(arguments, in: sandbox.url, timeout: 60)
    #expect(result.reason == .exit && result.status == 2, "\(arguments): \(result.stderr)")
    #expect(result.stderr.contains(fragment), "expected '\(fragment)' in: \(result.stderr)")
    HostileCase.expectOneCleanMessage(result.stderr, name: arguments.joined(separator: " "))
    #expect(regularFiles(under: sandbox.url) == before)
  }

  @Test("a non-UTF-8 file names its line; a huge file is refused; symlinks")
  func specialFiles() throws {
    let sandbox = try TemporaryDirectory("calibrate")
    defer { sandbox.remove() }
    let latin = Array("date,A\n2024-01-02,1\n2024-01-03,".utf8) + [0xE9] + Array("\n".utf8)
    try Data(latin).write(to: sandbox.url.appendingPathComponent("latin.csv"))
    try Self.refused(
      ["calibrate", "latin.csv", "--model", "gbm"], in: sandbox,
      "cannot read price file latin.csv: it is not UTF-8 text (line 3)")

    let huge = sandbox.url.appendingPathComponent("huge.csv").path
    #expect(FileManager.default.createFile(atPath: huge, contents: Data("date,A\n".utf8)))
    let handle = try #require(FileHandle(forWritingAtPath: huge))
    try handle.truncate(atOffset: UInt64(256 << 20) + 1)
    try handle.close()
    try Self.refused(
      ["calibrate", "huge.csv", "--model", "gbm"], in: sandbox, "it is larger than 256 MiB")
    try FileManager.default.removeItem(atPath: huge)

    try sandbox.write(Self.good, to: "p.csv")
    try FileManager.default.createSymbolicLink(
      atPath: sandbox.path("device.csv"), withDestinationPath: "/dev/zero")
    try Self.refused(
      ["calibrate", "device.csv", "--model", "gbm"], in: sandbox, "it is a character device")
    try FileManager.default.createSymbolicLink(
      atPath: sandbox.path("link.csv"), withDestinationPath: "p.csv")
    // A symlink to the input as --out is refused (scengine writes through no link), and the
    // input is untouched.
    try Self.refused(
      ["calibrate", "p.csv", "--model", "gbm", "--out", "link.csv"], in: sandbox,
      "--out link.csv: is a symbolic link")
    #expect(try String(contentsOfFile: sandbox.path("p.csv"), encoding: .utf8) == Self.good)
    // A symlink to a regular price file reads.
    let result = try ScengineBinary.run(
      ["calibrate", "link.csv", "--model", "gbm"], in: sandbox.url, timeout: 60)
    #expect(result.status == 0, "\(result.stderr)")
  }
}
