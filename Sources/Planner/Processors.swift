import CSystemCalls
import Foundation

/// The processors this process may run on.
public enum Processors {
  /// The number of CPUs in the process's affinity mask (what `nproc` and Python's
  /// `os.process_cpu_count()` print): the cores a Slurm allocation, a cpuset or `taskset` gives
  /// the process, not every core of the machine. Where the mask cannot be read, every active
  /// processor. At least 1, at most 1,024 (the largest `--threads`).
  ///
  /// The default of `--threads`, and what decides whether the NPY files are written behind the
  /// workers (only where a processor is left over for the writing).
  public static var available: Int {
    let mask = Int(scengine_affinity_cpu_count())
    return min(1024, max(1, mask > 0 ? mask : ProcessInfo.processInfo.activeProcessorCount))
  }
}
