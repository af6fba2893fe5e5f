package io.sparkmemmap.it.jobs;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Properties;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The SQL forms of the README, as the first statements of an application that configures nothing: the connector
 * reaches it only as a jar, and its path catalogs must register themselves. Records each answer.
 *
 * <p>Usage: {@code SqlOnPathsJob <data dir> <result.properties>}; the data dir holds {@code emb.npy}, {@code v.npy}
 * and a directory {@code ts/} of parts; the job writes {@code out/parts/}.
 */
public final class SqlOnPathsJob {
  private SqlOnPathsJob() {}

  public static void main(String[] args) throws Exception {
    Path data = Paths.get(args[0]);
    Path resultFile = Paths.get(args[1]);

    SparkSession spark = SparkSession.builder().appName("SqlOnPathsJob").getOrCreate();
    try {
      Properties result = new Properties();
      result.setProperty("catalogConfiguredBefore", Boolean.toString(spark.conf().contains("spark.sql.catalog.npy")));

      spark.sql("CREATE TEMPORARY VIEW emb USING npy OPTIONS (path '" + data.resolve("emb.npy") + "')");
      Row emb = spark.sql("SELECT count(*), sum(value[1]) FROM emb").first();
      result.setProperty("emb.count", Long.toString(emb.getLong(0)));
      result.setProperty("emb.sum1", Double.toString(emb.getDouble(1)));

      spark.sql("CREATE TABLE ts USING npy LOCATION '" + data.resolve("ts") + "/'");
      Row ts = spark.sql("SELECT count(*), sum(x) FROM ts").first();
      result.setProperty("ts.count", Long.toString(ts.getLong(0)));
      result.setProperty("ts.sum", Double.toString(ts.getDouble(1)));

      Row range = spark.sql("SELECT count(*), avg(value) FROM npy.`" + data.resolve("v.npy")
          + "` WHERE _row_index BETWEEN 1000 AND 1999").first();
      result.setProperty("range.count", Long.toString(range.getLong(0)));
      result.setProperty("range.avg", Double.toString(range.getDouble(1)));

      String parts = "npy.`" + data.resolve("out").resolve("parts") + "`";
      spark.sql("CREATE TABLE " + parts + " AS SELECT id AS value FROM range(5)");
      spark.sql("INSERT INTO " + parts + " SELECT CAST(value AS BIGINT) FROM npy.`" + data.resolve("v.npy")
          + "` WHERE _row_index >= 2995");
      result.setProperty("parts.count", Long.toString(spark.sql("SELECT count(*) FROM " + parts).first().getLong(0)));

      JobResult.write(result, resultFile, "SqlOnPathsJob");
    } finally {
      spark.stop();
    }
  }
}
