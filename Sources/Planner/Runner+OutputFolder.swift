import PathFiles

#if canImport(Glibc)
  import Glibc
#endif

/// How a run takes its output folder (DESIGN invariant 8): lock it, clear it of earlier runs'
/// files, and make the variant folders. See `OutputFolder` for the rules.
extension Runner {
  /// The names scengine writes inside a variant folder, whatever the run's format and series:
  /// files with these names in a variant folder are taken for an earlier run's.
  public static var variantFileNames: Set<String> {
    Set(
      OutputSpec.Series.allCases.map { "\($0.rawValue).npy" } + [
        "prices.csv", "paths.parquet", "summary.json", riskInputsFileName,
      ])
  }

  /// The subfolder of a run's output folder that holds its shards' folders by default
  /// (`out/<name>/shards/K-of-N`): a run or merge into the output folder leaves it alone.
  public static let shardsFolderName = "shards"

  /// The files this run writes, relative to the output folder, the manifest last.
  var plannedFiles: [String] {
    let output = plan.spec.output
    var files: [String] = []
    for variant in plan.spec.variants {
      let series: [String]
      switch output.format {
      case .csv: series = ["prices.csv"]
      case .parquet: series = ["paths.parquet"]
      case .npy: series = output.emit.map { "\($0.rawValue).npy" }
      }
      let risk = plan.shard == nil ? "summary.json" : Self.riskInputsFileName
      files += (series + [risk]).map { "\(variant.name)/\($0)" }
    }
    return files + [OutputFolder.manifestFileName]
  }

  /// Locks the output folder, finds what `--resume` keeps, removes earlier runs' other files
  /// and makes the variant folders; on any failure the folder is left as it was found (less
  /// the folders created).
  func takeOutputFolder(cancel: CancellationFlag, identity: Manifest) throws(RunError) -> (
    OutputFolder, [String: FinishedVariant], ResumeOutcome?
  ) {
    try refuseInputsInsideOutputFolder()
    let folder: OutputFolder
    do {
      folder = try OutputFolder(path: outputDirectory)
    } catch {
      throw RunError(folderError: error)
    }
    var kept: [String: FinishedVariant] = [:]
    var outcome: ResumeOutcome?
    if plan.resume {
      do {
        (kept, outcome) = try resumableVariants(in: folder, identity: identity, cancel: cancel)
      } catch {
        folder.discard()
        throw error
      }
    }
    do {
      try folder.claim(
        .init(
          subfolders: plan.spec.variants.map(\.name), files: plannedFiles,
          fileNames: Self.variantFileNames,
          companionFolders: [
            OutputFolder.validationFolderName: OutputFolder.validationFileNames
          ],
          kept: Set(kept.values.flatMap { $0.files.map(\.path) }),
          ignoredFolders: [Self.shardsFolderName]),
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
    return (folder, kept, outcome)
  }
}

extension Runner {
  /// Refuses a run whose input files (the price files of `historical` stresses) lie inside the
  /// output folder under a name the run takes for an earlier run's file (`<folder>/prices.csv`,
  /// `manifest.json`, …), which it would remove.
  func refuseInputsInsideOutputFolder() throws(RunError) {
    guard let out = resolvedPath(outputDirectory) else { return }
    for variant in plan.spec.variants {
      for stress in variant.stresses {
        guard let input = stress.inputFile, let resolved = resolvedPath(input) else { continue }
        let prefix = out == "/" ? "/" : out + "/"
        guard resolved.hasPrefix(prefix) else { continue }
        let parts = resolved.dropFirst(prefix.count).split(separator: "/").map(String.init)
        let takenForOurs =
          parts == [OutputFolder.manifestFileName]
          || (parts.count == 2 && Self.variantFileNames.contains(parts[1]))
        if takenForOurs {
          let message =
            "\(plan.spec.file): variants.\(variant.name): the price file \(input) of a "
            + "historical stress lies inside the output folder \(outputDirectory) under a name the "
            + "run writes (it would remove it as an earlier run's file); move the price file or "
            + "choose another output folder"
          throw RunError(
            message.escapingControlCharacters,
            exitCode: 2)
        }
      }
    }
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
