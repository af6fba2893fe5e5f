package io.sparkmemmap.it

import io.sparkmemmap.Python
import io.sparkmemmap.it.harness.{ItEnvironment, SparkSessions}
import org.apache.spark.sql.{SaveMode, SparkSession}
import org.apache.spark.sql.types.{ArrayType, DoubleType}
import org.scalatest.BeforeAndAfterAll
import org.scalatest.funsuite.AnyFunSuite

/** One row of a sensor time series: several columns, so one element of a structured array. */
case class Reading(t: Long, sensor: Int, value: Float)

/** The connector through Spark's Scala API, with every file checked by NumPy. */
class ScalaApiSuite extends AnyFunSuite with BeforeAndAfterAll {
  private var spark: SparkSession = _

  override def beforeAll(): Unit = {
    spark = SparkSessions.local("ScalaApiSuite")
  }

  override def afterAll(): Unit = {
    if (spark != null) spark.stop()
  }

  private def readings(from: Int, until: Int): Seq[Reading] =
    (from until until).map(i => Reading(i.toLong, i % 7, i * 0.25f))

  test("a Dataset of case classes written as one .npy is the structured array NumPy opens") {
    val s = spark
    import s.implicits._
    val path = ItEnvironment.workDir("scala-api-single").resolve("readings.npy")
    val written = readings(0, 10000)

    written.toDS().write.format("npy").option("singleFile", "true").save(path.toString)

    Python.run(
      s"""a = np.load(${Python.literal(path)}, mmap_mode='r')
        |assert a.dtype == np.dtype([('t', '<i8'), ('sensor', '<i4'), ('value', '<f4')]), a.dtype
        |assert a.shape == (10000,), a.shape
        |a = np.sort(a, order='t')
        |i = np.arange(10000)
        |assert (a['t'] == i).all() and (a['sensor'] == i % 7).all() and (a['value'] == i * 0.25).all()
        |""".stripMargin)
    val back = spark.read.format("npy").load(path.toString).as[Reading].collect().sortBy(_.t).toSeq
    assert(back == written)
  }

  test("append grows a single .npy in place, and a read sees both batches") {
    val s = spark
    import s.implicits._
    val path = ItEnvironment.workDir("scala-api-append").resolve("series.npy")

    readings(0, 3000).toDS().write.format("npy").option("singleFile", "true").save(path.toString)
    readings(3000, 5000).toDS().write.format("npy").option("singleFile", "true").mode(SaveMode.Append)
      .save(path.toString)

    Python.run(
      s"""a = np.load(${Python.literal(path)}, mmap_mode='r')
        |assert a.shape == (5000,), a.shape
        |assert (np.sort(a['t']) == np.arange(5000)).all()
        |""".stripMargin)
    val back = spark.read.format("npy").load(path.toString).as[Reading].collect().sortBy(_.t).toSeq
    assert(back == readings(0, 5000))
  }

  test("a structured array NumPy made reads as a Dataset of case classes") {
    val s = spark
    import s.implicits._
    val path = ItEnvironment.workDir("scala-api-structured").resolve("readings.npy")
    Python.run(
      s"""a = np.zeros(10000, dtype=[('t', '<i8'), ('sensor', '<i4'), ('value', '<f4')])
         |i = np.arange(10000)
         |a['t'] = i; a['sensor'] = i % 7; a['value'] = i * 0.25
         |np.save(${Python.literal(path)}, a)
         |""".stripMargin)

    val back = spark.read.format("npy").load(path.toString).as[Reading]
    assert(back.collect().sortBy(_.t).toSeq == readings(0, 10000))
    assert(back.where($"_row_index".between(100, 199)).map(_.sensor.toLong).reduce(_ + _)
      == readings(100, 200).map(_.sensor.toLong).sum)
  }

  test("a headerless file reads as np.memmap would, with options from a Scala Map") {
    val path = ItEnvironment.workDir("scala-api-memmap").resolve("raw.dat")
    Python.run(
      s"""with open(${Python.literal(path)}, 'wb') as f:
         |    f.write(b'HEADER16BYTES...')
         |    np.arange(4000, dtype='>i4').tofile(f)
         |""".stripMargin)

    val raw = spark.read.format("memmap")
      .options(Map("dtype" -> ">i4", "shape" -> "(-1, 4)", "offset" -> "16", "layout" -> "columns"))
      .load(path.toString)
    assert(raw.count() == 1000)
    val expected = Python.run(
      s"print(int(np.memmap(${Python.literal(path)}, dtype='>i4', mode='r', offset=16, shape=(1000, 4))[:, 2].sum()))\n")
    assert(raw.selectExpr("sum(c2)").first().getLong(0) == expected.trim.toLong)
  }

  test("a NumPy matrix reads as an array column, or as one column per axis-1 index") {
    val path = ItEnvironment.workDir("scala-api-matrix").resolve("m.npy")
    Python.run(s"np.save(${Python.literal(path)}, np.arange(1000 * 3, dtype='<f8').reshape(1000, 3))\n")

    val rows = spark.read.format("npy").load(path.toString)
    assert(rows.columns.toSeq == Seq("value"))
    assert(rows.schema("value").dataType.asInstanceOf[ArrayType].elementType == DoubleType)
    val values = rows.selectExpr("_row_index", "value").collect()
      .map(r => r.getLong(0) -> r.getSeq[Double](1)).sortBy(_._1).toSeq
    assert(values == (0 until 1000).map(i => i.toLong -> Seq(3.0 * i, 3.0 * i + 1, 3.0 * i + 2)))

    val columns = spark.read.format("npy").option("layout", "columns").load(path.toString)
    assert(columns.columns.toSeq == Seq("c0", "c1", "c2"))
    val sums = columns.selectExpr("sum(c0)", "sum(c1)", "sum(c2)").first()
    val expected = Python.run(s"print(' '.join(repr(float(s)) for s in np.load(${Python.literal(path)}).sum(axis=0)))\n")
      .trim.split(" ").map(_.toDouble).toSeq
    assert(Seq(sums.getDouble(0), sums.getDouble(1), sums.getDouble(2)) == expected)
  }
}
