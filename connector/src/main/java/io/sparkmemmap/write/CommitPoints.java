package io.sparkmemmap.write;

/**
 * The named steps of a streaming sink's commit, where a test halts the driver JVM to prove that a crash after any
 * of them, followed by a restart from the checkpoint, loses no row and adds none twice. Nothing happens unless the
 * system property {@link #HALT_AFTER} names a step and an epoch, {@code <step>@<epoch>}: the JVM then halts at
 * once, without shutdown hooks, as a killed driver would.
 */
public final class CommitPoints {
  /** Test only: {@code <step>@<epoch>}, such as {@code data-written@2}. */
  public static final String HALT_AFTER = "sparkmemmap.test.haltAfter";
  /** The exit status of a JVM halted here. */
  public static final int HALT_STATUS = 86;

  /** Single file: the micro-batch's rows are past the old end of the data, forced to disk. */
  public static final String DATA_WRITTEN = "data-written";
  /** Single file: the record of the last committed epoch names this one. */
  public static final String RECORD_WRITTEN = "record-written";
  /** Single file: the header gives the new row count. */
  public static final String HEADER_WRITTEN = "header-written";
  /** Directory: the micro-batch's parts are in the directory. */
  public static final String PARTS_PUBLISHED = "parts-published";
  /** Directory: the commit log's entry for the micro-batch is written. */
  public static final String LOG_WRITTEN = "log-written";

  private CommitPoints() {}

  static void passed(String step, long epoch) {
    String haltAfter = System.getProperty(HALT_AFTER);
    if (haltAfter != null && haltAfter.equals(step + "@" + epoch)) {
      System.err.println("spark-memmap: halting the JVM after step " + step + " of epoch " + epoch + " ("
          + HALT_AFTER + ")");
      System.err.flush();
      Runtime.getRuntime().halt(HALT_STATUS);
    }
  }
}
