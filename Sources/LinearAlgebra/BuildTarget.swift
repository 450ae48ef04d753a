import CBuildTarget

/// What the engine was compiled for.
public enum BuildTarget {
  /// The instruction set of this build: `x86-64` (baseline), `x86-64-v2`, `x86-64-v3` (AVX2,
  /// FMA: `make` on a Haswell or later machine), `x86-64-v4` or `arm64`. Recorded in manifests;
  /// output bits do not depend on it.
  public static let instructionSet = String(cString: scengine_build_instruction_set())
}
