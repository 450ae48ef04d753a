import ArgumentParser
import Foundation
import PathFiles
import Planner
import Validation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `scengine validate`: how a run's synthetic paths compare with a real history, and how its
/// variants differ; writes `report.json` and a self-contained `report.html`.
struct ValidateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract: "Compare a run's paths with a real price history; write report.json and report.html.",
    discussion: """
      Reads RUN_DIR/manifest.json and each variant's prices.npy and summary.json, checking \
      their SHA-256, and computes the stylized facts of every path (fat tails, volatility \
      clustering, leverage, aggregational Gaussianity, drawdowns, correlation) over the first n \
      steps, n the shorter of the run's steps and the real series' returns. With --real, each \
      real value is placed in the ensemble's 5–95% band and the score is the share inside. \
      PRICES.csv is the CSV that calibrate reads; its rows are taken as steps of the run's dt.

      Writes OUT/report.json and OUT/report.html (default OUT: RUN_DIR/validation), both or \
      neither. Exit status 2 for bad input (nothing written), 1 when a file cannot be written.
      """)

  @Argument(help: "The run's output folder (it holds manifest.json).")
  var runDirectory: String

  @Option(help: "The real price history (CSV, as for calibrate).")
  var real: String?

  @Option(help: "The assets to validate, comma-separated: columns of --real and assets of the run.")
  var columns: String?

  @Option(parsing: .unconditional, help: "First row of --real used (a date or an index).")
  var from: String?

  @Option(parsing: .unconditional, help: "Last row of --real used (a date or an index).")
  var to: String?

  @Option(help: "A variant to validate (repeatable; default: every variant, in the run's order).")
  var variant: [String] = []

  @Option(help: "The folder for report.json and report.html (default: RUN_DIR/validation).")
  var out: String?

  @Option(help: "Worker threads (default: the processors the process may use, as nproc prints).")
  var threads: Int = Processors.available

  func validate() throws {
    guard (1...1024).contains(threads) else {
      throw ValidationError("--threads must be from 1 to 1024, got \(threads).")
    }
    if real == nil && (from != nil || to != nil) {
      throw ValidationError("--from and --to select rows of --real; give --real PRICES.csv.")
    }
    _ = try selectedColumns()
    if let out, out.isEmpty { throw ValidationError("--out is empty; expected a folder.") }
  }

  func selectedColumns() throws -> [String]? {
    guard let columns else { return nil }
    let items = columns.split(separator: ",", omittingEmptySubsequences: false).map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    guard !items.contains("") else {
      throw ValidationError("--columns '\(columns)' has an empty item; e.g. --columns SPX,TLT.")
    }
    return items
  }

  func run() throws {
    let report: ValidationReport
    let outFolder = out ?? runDirectory + "/" + OutputFolder.validationFolderName
    do {
      let run = try RunDirectory(path: runDirectory)
      let m = run.manifest
      let assets = try selectedColumns() ?? m.assets
      if let unknown = assets.first(where: { !m.assets.contains($0) }) {
        throw ValidationInputError(
          "--columns: '\(unknown)' is not an asset of the run \(runDirectory) (its assets: "
            + "\(m.assets.joined(separator: ", ")))")
      }
      if Set(assets).count != assets.count {
        throw ValidationInputError(
          columns == nil
            ? "\(runDirectory)/manifest.json lists an asset twice: "
              + "\(assets.joined(separator: ",")); it is not a manifest scengine wrote"
            : "--columns names an asset twice: \(assets.joined(separator: ","))")
      }
      let names = m.variants.map(\.name)
      guard !names.isEmpty else {
        throw ValidationInputError(
          "\(runDirectory)/manifest.json lists no variants; it is not a manifest scengine wrote")
      }
      var variants = variant.isEmpty ? names : variant
      if let unknown = variants.first(where: { !names.contains($0) }) {
        throw ValidationInputError(
          "--variant '\(unknown)' is not a variant of the run \(runDirectory) (its variants: "
            + "\(names.joined(separator: ", ")))")
      }
      if out == nil && names.contains(OutputFolder.validationFolderName) {
        throw ValidationInputError(
          "the run \(runDirectory) has a variant named \(OutputFolder.validationFolderName), "
            + "whose folder is the report's default; choose the report's folder with --out")
      }
      var seen = Set<String>()
      variants = variants.filter { seen.insert($0).inserted }
      try checkOutput(outFolder, run: runDirectory)
      var realSeries: RealSeries?
      if let real {
        let table = try PriceTable.read(path: real, keeping: assets)
        if let missing = assets.first(where: { !table.priceColumns.contains($0) }) {
          throw ValidationInputError(
            "\(real) has no column '\(missing)' (its columns: "
              + "\(table.priceColumns.joined(separator: ", "))); the real series needs a column "
              + "per validated asset, named as in the run, or choose assets with --columns")
        }
        let history = try table.history(
          columns: assets, from: try from.map { try table.key(of: $0, option: "--from") },
          to: try to.map { try table.key(of: $0, option: "--to") },
          minimumReturns: SeriesStatistics.minimumReturns)
        realSeries = RealSeries(history: history)
      }
      report = try Validator.validate(
        run: run, assets: assets, variants: variants, real: realSeries, threads: threads)
    } catch let error as ValidationInputError {
      printError("error: \(error.description)".escapingControlCharacters)
      throw ExitCode(2)
    } catch let error as PriceFileError {
      printError("error: \(error.description)")
      throw ExitCode(2)
    }
    try write(report, to: outFolder)
  }

  /// Refuses an output that is not a folder (or cannot become one), that is the run itself or
  /// a folder inside it other than `validation` (a later run into the folder would refuse an
  /// entry it did not write), or whose report files are not regular files (checked before
  /// anything is written, so the reports already there stay).
  func checkOutput(_ folder: String, run: String) throws(ValidationInputError) {
    if let runPath = resolvedPath(run), let target = resolvedLocation(of: folder),
      target.hasPrefix(runPath + "/"),
      target != runPath + "/" + OutputFolder.validationFolderName
    {
      throw ValidationInputError(
        "--out \(folder) is inside the run folder \(run), where a later run would refuse it; "
          + "use \(run)/\(OutputFolder.validationFolderName) (the default) or a folder outside")
    }
    var s = stat()
    if lstat(folder, &s) == 0 {
      for name in OutputFolder.validationFileNames.sorted() {
        var f = stat()
        let path = folder + "/" + name
        guard lstat(path, &f) == 0 else { continue }
        guard Int(f.st_mode) & Int(S_IFMT) == Int(S_IFREG) else {
          throw ValidationInputError(
            "--out \(folder): \(path) is \(describe(mode: f.st_mode)); validate replaces only "
              + "regular files")
        }
      }
      if Int(s.st_mode) & Int(S_IFMT) == Int(S_IFLNK) {
        throw ValidationInputError("--out \(folder) is a symbolic link; give the folder itself")
      }
      guard Int(s.st_mode) & Int(S_IFMT) == Int(S_IFDIR) else {
        throw ValidationInputError("--out \(folder) exists and is not a folder")
      }
      var r = stat()
      if stat(run, &r) == 0 && r.st_dev == s.st_dev && r.st_ino == r.st_ino && r.st_ino == s.st_ino
      {
        throw ValidationInputError(
          "--out \(folder) is the run directory; choose another folder, e.g. \(run)/validation")
      }
    } else if errno != ENOENT {
      throw ValidationInputError(
        "--out \(folder) is not a folder one can write into (\(String(cString: strerror(errno))))")
    } else {
      let parent = parentFolder(of: folder)
      var p = stat()
      guard
        parent.isEmpty || (stat(parent, &p) == 0 && Int(p.st_mode) & Int(S_IFMT) == Int(S_IFDIR))
      else {
        throw ValidationInputError("--out \(folder): the folder \(parent) does not exist")
      }
    }
  }

  /// Below this many paths per variant the bands say little, and validate says so.
  static let fewestMeaningfulPaths = 100

  /// Refuses to write a report on a run that another run has replaced while it was validated
  /// (validate takes no lock: it only reads the run): the manifest must still be the one read.
  func checkRunUnchanged(_ report: ValidationReport) throws {
    let path = report.run.directory + "/" + OutputFolder.manifestFileName
    let now = try? BoundedFile(
      path: path, limit: RunDirectory.maximumManifestBytes, regularOnly: true
    )
    .bytes
    guard let now, sha256Hex(of: now) == report.run.manifestSHA256 else {
      printError(
        "error: the run in \(report.run.directory) changed while it was validated (its "
          + "manifest.json is \(now == nil ? "gone" : "another run's")); no report written"
          .escapingControlCharacters)
      throw ExitCode(1)
    }
  }

  /// Writes report.json and report.html into `folder` (made if missing): both in full before
  /// either takes its name (`writeFilesAtomically`), so a failure leaves the earlier pair.
  func write(_ report: ValidationReport, to folder: String) throws {
    let json: [UInt8]
    do {
      json = try encodeJSON(report)
    } catch {
      printError("error: cannot encode the report: \(error)")
      throw ExitCode(1)
    }
    let html = Array(ReportPage.html(report).utf8)
    try checkRunUnchanged(report)
    var created = false
    if mkdir(folder, 0o777) == 0 {
      created = true
    } else if errno != EEXIST {
      printError("error: cannot create \(folder): \(String(cString: strerror(errno)))")
      throw ExitCode(1)
    }
    do {
      try writeFilesAtomically([
        (json, folder + "/report.json"), (html, folder + "/report.html"),
      ])
    } catch {
      if created { rmdir(folder) }
      printError("error: \(error.description)".escapingControlCharacters)
      throw ExitCode(1)
    }
    let score = report.score.map { String(format: "%.2f", $0) } ?? "n/a (no real series)"
    var lines = [
      "validated \(report.variants.count) variant(s) of \(report.run.directory): "
        + "\(report.ensemblePaths) paths each, \(report.returnsCompared) returns compared; "
        + "score \(score)"
    ]
    for v in report.variants where report.real != nil {
      lines.append("  \(v.name): \(v.inside) of \(v.scored) statistics inside the 5–95% band")
    }
    lines.append("wrote \(folder)/report.json, \(folder)/report.html")
    printOutput(lines.map(\.escapingControlCharacters).joined(separator: "\n"))
    if report.ensemblePaths < Self.fewestMeaningfulPaths {
      printError(
        "warning: \(report.ensemblePaths) path(s) per variant: each band is the 5–95% range "
          + "of as many values, too few for a verdict; run at least "
          + "\(Self.fewestMeaningfulPaths) paths")
    }
  }
}
