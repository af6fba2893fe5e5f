package io.sparkmemmap.examples;

import io.sparkmemmap.format.PositionalReader;
import io.sparkmemmap.format.megatron.MegatronIndex;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Tokenizes text rows in Spark with a whitespace vocabulary and writes them as one Megatron-LM indexed dataset
 * ({@code corpus_text_document.bin} + {@code .idx}) from every task at once, then reads it back and checks the pair
 * as Megatron's reader would (and more strictly: pointers, document indices, the {@code .bin}'s size).
 *
 * <p>Usage: {@code TokenizedCorpus [outputDir] [documents]} (default {@code target/tokenized-corpus}, 2000).
 */
public final class TokenizedCorpus {
  private TokenizedCorpus() {}

  public static void main(String[] args) throws Exception {
    Path out = Paths.get(args.length > 0 ? args[0] : "target/tokenized-corpus").toAbsolutePath();
    long documents = args.length > 1 ? Long.parseLong(args[1]) : 2000;
    Files.createDirectories(out);
    String prefix = out.resolve("corpus_text_document").toString();

    SparkSession spark = ExampleSession.start("spark-memmap TokenizedCorpus");
    try {
      // Text: each document is a few lines of words drawn from a small language, deterministically.
      spark.range(0, documents * 3, 1, 4)
          .selectExpr("id div 3 AS doc", "id AS line",
              "concat_ws(' ', transform(sequence(0, cast(id % 7 + 2 as int)),"
                  + " i -> element_at(array('the', 'a', 'cat', 'dog', 'sat', 'on', 'mat', 'ran', 'far', 'away'),"
                  + " cast((id * 31 + i * 17) % 10 as int) + 1))) AS text")
          .createOrReplaceTempView("lines");

      // The vocabulary: every word seen, numbered in sorted order; small, so it is broadcast as a map.
      spark.sql("SELECT word, cast(row_number() OVER (ORDER BY word) - 1 AS int) AS id"
          + " FROM (SELECT DISTINCT explode(split(text, ' ')) AS word FROM lines)").createOrReplaceTempView("vocab");
      spark.sql("SELECT map_from_entries(collect_list(struct(word, id))) AS ids FROM vocab")
          .createOrReplaceTempView("vocabulary");

      // One sequence per line, in line order; the lines of a document form one document.
      Dataset<Row> tokens = spark.sql("SELECT transform(split(text, ' '), w -> ids[w]) AS tokens, doc AS document"
          + " FROM lines CROSS JOIN vocabulary ORDER BY line");
      tokens.write().format("megatron").mode("overwrite").option("dtype", "uint16").save(prefix);
      System.out.println("wrote " + prefix + ".bin and .idx");

      Dataset<Row> corpus = spark.read().format("megatron").load(prefix);
      corpus.printSchema();
      spark.sql("SELECT count(*) AS sequences, count(DISTINCT document) AS documents, sum(size(tokens)) AS tokens"
          + " FROM megatron.`" + prefix + "`").show();

      try (FileChannel idx = FileChannel.open(Paths.get(prefix + ".idx"), StandardOpenOption.READ)) {
        MegatronIndex index = MegatronIndex.readAndValidate(PositionalReader.of(idx), prefix + ".idx",
            Files.size(Paths.get(prefix + ".bin")));
        System.out.println("checked: " + index);
      }
      System.out.println("train on it: --data-path " + prefix);
    } finally {
      spark.stop();
    }
  }
}
