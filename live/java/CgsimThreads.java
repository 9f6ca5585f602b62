import java.nio.file.Files;
import java.nio.file.Paths;

/**
 * What cgsim's Java workers (CgsimConsumer, CgsimPulsarWorker) report of their own threads: the
 * Linux id of a thread, by which cgsim reads that thread's /proc/PID/task/TID/schedstat to tell
 * whether the host kept up.
 */
final class CgsimThreads {
  private CgsimThreads() {}

  /** The Linux thread id of the calling thread (from /proc/thread-self), or "-1". */
  static String linuxThreadId() {
    try {
      String p = Files.readSymbolicLink(Paths.get("/proc/thread-self")).toString();
      return p.substring(p.lastIndexOf('/') + 1);
    } catch (Exception e) {
      return "-1";
    }
  }
}
