package io.sparkmemmap.examples

import java.nio.file.{Files, Paths}

import org.apache.spark.sql.functions._

/** The Scala twin of [[QuickStart]]: write arrays NumPy can open, read them back, query them with SQL. */
object QuickStartScala {
  def main(args: Array[String]): Unit = {
    val out = Paths.get(if (args.nonEmpty) args(0) else "target/quickstart-scala").toAbsolutePath
    Files.createDirectories(out)
    val embeddings = out.resolve("embeddings.npy").toString

    val spark = ExampleSession.start("spark-memmap QuickStart (Scala)")
    try {
      val rows = 100000L
      val generated = spark.range(rows)
        .select(transform(array_repeat(lit(0f), 8), (_, i) => (rand(7) + i).cast("float")).as("value"))
      generated.write.format("npy").mode("overwrite").option("singleFile", "true").save(embeddings)
      println(s"wrote $embeddings: $rows rows of 8 float32")

      val emb = spark.read.format("npy").load(embeddings)
      emb.printSchema()
      println(s"rows read back: ${emb.count()}")

      emb.selectExpr("_row_index", "value").createOrReplaceTempView("emb")
      spark.sql("SELECT count(*) AS n, avg(value[0]) AS mean0 FROM emb WHERE _row_index BETWEEN 1000 AND 1999").show()
    } finally {
      spark.stop()
    }
  }
}
