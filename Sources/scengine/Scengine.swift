import ArgumentParser

/// The scengine command line.
@main
struct Scengine: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "scengine",
    abstract: "Financial market scenario engine: synthetic price paths for stress tests.",
    version: EngineVersion.string,
    subcommands: [RandomCommand.self]
  )
}

/// The engine's version, recorded in every manifest.
enum EngineVersion {
  static let string = "0.1.0"
}
