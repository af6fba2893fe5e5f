package io.sparkmemmap.it;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Runs a main class (a Spark master, worker or {@code SparkSubmit}) in this JVM and exits the JVM as soon as the
 * process that started it is gone.
 *
 * <p>The test harness starts every cluster process through this class and keeps the process's stdin open. A test
 * JVM that dies without running its shutdown hooks (SIGKILL, OOM killer) closes that pipe; the guard then reads EOF
 * and exits with {@link System#exit}, so the Spark process runs its own hooks (a worker kills its executors) and
 * nothing is left running. None of the guarded Spark classes read stdin.
 *
 * <p>Usage: {@code ExitWithParent <main class> [args...]}.
 */
public final class ExitWithParent {
  /** Exit status when stdin closed: 128 + SIGTERM, as if the process had been terminated. */
  static final int PARENT_GONE = 143;

  private ExitWithParent() {}

  public static void main(String[] args) throws Throwable {
    if (args.length == 0) {
      throw new IllegalArgumentException("usage: ExitWithParent <main class> [args...]");
    }
    Thread watcher = new Thread(ExitWithParent::exitAtEndOfStdin, "exit-with-parent");
    watcher.setDaemon(true);
    watcher.start();

    Method main = Class.forName(args[0]).getMethod("main", String[].class);
    try {
      main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static void exitAtEndOfStdin() {
    InputStream in = System.in;
    byte[] buffer = new byte[256];
    try {
      while (in.read(buffer) >= 0) {
        // The parent writes nothing; anything it does write is ignored.
      }
    } catch (IOException e) {
      // A broken pipe means the same as EOF: the parent is gone.
    }
    System.err.println("ExitWithParent: stdin closed (the test harness stops this process, or is gone), exiting");
    System.exit(PARENT_GONE);
  }
}
