import PathFiles

/// How a run takes its output folder (DESIGN invariant 8): lock it, clear it of earlier runs'
/// files, and make the variant folders. See `OutputFolder` for the rules.
extension Runner {
  /// The names scengine writes inside a variant folder, whatever the run's format and series:
  /// files with these names in a variant folder are taken for an earlier run's.
  public static var variantFileNames: Set<String> {
    Set(OutputSpec.Series.allCases.map { "\($0.rawValue).npy" } + ["prices.csv", "summary.json"])
  }

  /// The files this run writes, relative to the output folder, the manifest last.
  var plannedFiles: [String] {
    let output = plan.spec.output
    var files: [String] = []
    for variant in plan.spec.variants {
      let series =
        output.format == .csv ? ["prices.csv"] : output.emit.map { "\($0.rawValue).npy" }
      files += (series + ["summary.json"]).map { "\(variant.name)/\($0)" }
    }
    return files + [OutputFolder.manifestFileName]
  }

  /// Locks the output folder, removes earlier runs' files from it and makes the variant
  /// folders; on any failure the folder is left as it was found (less the folders created).
  func takeOutputFolder(cancel: CancellationFlag) throws(RunError) -> OutputFolder {
    let folder: OutputFolder
    do {
      folder = try OutputFolder(path: outputDirectory)
    } catch {
      throw RunError(folderError: error)
    }
    do {
      try folder.claim(
        .init(
          subfolders: plan.spec.variants.map(\.name), files: plannedFiles,
          fileNames: Self.variantFileNames),
        force: force)
      for variant in plan.spec.variants { try folder.makeSubfolder(variant.name) }
    } catch {
      folder.discard()
      throw RunError(folderError: error)
    }
    if let reason = cancel.cancellationReason {
      folder.discard()
      throw RunError(reason, exitCode: Self.exitCode(signal: reason))
    }
    return folder
  }
}

extension RunError {
  /// A file error as a run error: status 2 when the output folder or a name cannot be used as
  /// given (bad input), 1 for the rest (I/O errors, another run holding the folder).
  init(folderError error: PathFilesError) {
    switch error {
    case .unsafeName, .unusableFolder, .notRegularFile, .foreignFiles:
      self.init(error.description, exitCode: 2)
    default:
      self.init(error.description, exitCode: 1)
    }
  }
}
